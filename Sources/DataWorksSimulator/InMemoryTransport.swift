public import CurlClient
import Foundation
import HTTPServer

extension DataWorksSimulator {
    /// The endpoint to give the API client of an in-memory simulator (``transport``): never resolved or dialled.
    public static let inMemoryEndpoint = "http://dataworks.simulator.invalid"

    /// Creates a simulator that serves no socket: requests reach it through ``transport`` only, answered by the same
    /// handler (signature checks, faults, deployments) as the loopback simulator.
    ///
    /// - Parameters: As for ``init(deployments:pipelineRuns:crossProjectPipelineRuns:listenAddress:)``.
    public convenience init(
        inMemory deployments: [SimulatedDeployment],
        pipelineRuns: [SimulatedPipelineRun] = [],
        crossProjectPipelineRuns: [SimulatedCrossProjectPipelineRun] = []
    ) {
        let state = SimulatorState(
            deployments: deployments,
            pipelineRunState: PipelineRunState(runs: pipelineRuns, crossProjectRuns: crossProjectPipelineRuns)
        )
        self.init(state: state, server: nil)
    }

    /// A transport that hands each request to the simulator's handler in memory, as the pattern of swift-nio's
    /// `NIOEmbedded` and Hummingbird's testing router: no socket, no libcurl, no libmicrohttpd. For unit tests of the
    /// logic above the wire (retries, credentials, collection); the loopback simulator stays for end-to-end tests.
    public var transport: any HTTPTransport { InMemoryTransport(state: state) }
}

/// Converts an ``HTTPRequest`` to the ``ServerRequest`` libmicrohttpd would have made of it (path and query split
/// and percent-decoded, header names in lower case, `Host` from the URL), and the answer back.
struct InMemoryTransport: HTTPTransport {
    let state: SimulatorState

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        guard let components = URLComponents(string: request.url), let host = components.host else {
            throw TransportError(kind: .other, code: 3, message: "URL using bad/illegal format: \(request.url)")
        }
        var headers = request.headers.map { HTTPHeader(name: $0.name.lowercased(), value: $0.value) }
        if !headers.contains(where: { $0.name == "host" }) {
            headers.append(HTTPHeader(name: "host", value: components.port.map { "\(host):\($0)" } ?? host))
        }
        let query = (components.percentEncodedQuery ?? "").split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring?) -> String {
                let plus = (text ?? "").replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            return (name: decode(parts.first), value: decode(parts.count > 1 ? parts[1] : nil))
        }
        let incoming = ServerRequest(
            method: request.method,
            path: components.path.isEmpty ? "/" : components.path,
            query: query,
            headers: headers,
            body: request.body
        )
        let answer = await SimulatorHandler(state: state).handle(incoming)
        // As libcurl's client: a caller cancelled while its request was in flight gets `CancellationError`.
        try Task.checkCancellation()
        if answer.closesWithoutAnswer {
            throw TransportError(kind: .reset, code: 52, message: "Empty reply from server")
        }
        return HTTPResponse(
            status: answer.status,
            headers: answer.headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            body: answer.body
        )
    }
}
