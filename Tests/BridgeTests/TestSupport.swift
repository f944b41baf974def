import CurlClient
import Foundation
import HTTPServer
import Testing

/// Counts handlers in flight and remembers the peak.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private var peak = 0
    private var total = 0

    func enter() {
        lock.withLock {
            current += 1
            total += 1
            peak = max(peak, current)
        }
    }

    func leave() {
        lock.withLock { current -= 1 }
    }

    var maximum: Int { lock.withLock { peak } }
    var entered: Int { lock.withLock { total } }
}

/// Starts a server on loopback, runs `body` with it, and stops it whatever happens.
func withServer<Result>(
    listen: [String] = ["127.0.0.1:0"],
    maxBodySize: Int = 1 << 20,
    gracePeriod: Duration = .milliseconds(200),
    handler: @escaping HTTPServer.Handler,
    _ body: (HTTPServer) async throws -> Result
) async throws -> Result {
    let server = try HTTPServer(
        configuration: HTTPServer.Configuration(listenAddresses: listen, maxBodySize: maxBodySize),
        handler: handler
    )
    do {
        let result = try await body(server)
        await server.stop(gracePeriod: gracePeriod)
        return result
    } catch {
        await server.stop(gracePeriod: gracePeriod)
        throw error
    }
}

/// Runs `body` with a client and shuts it down afterwards.
func withClient<Result>(
    maxConcurrentTransfers: Int = 8,
    _ body: (CurlHTTPClient) async throws -> Result
) async throws -> Result {
    let client = try CurlHTTPClient(
        configuration: CurlHTTPClient.Configuration(maxConcurrentTransfers: maxConcurrentTransfers)
    )
    defer { client.shutdown() }
    return try await body(client)
}

/// Waits until `condition` holds, polling every 5 ms, for at most `limit` (generous: on a loaded 2-core machine the
/// whole suite runs in parallel and tasks may wait long for a thread).
func waitUntil(_ limit: Duration = .seconds(60), _ condition: () -> Bool) async throws {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: limit)
    while !condition() {
        guard clock.now < end else {
            Issue.record("condition not met within \(limit)")
            return
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Sleeps for `duration` even when the calling task is cancelled (a badly behaved handler).
func sleepIgnoringCancellation(_ duration: Duration) async {
    // An unstructured task does not inherit the caller's cancellation.
    await Task { try? await Task.sleep(for: duration) }.value
}

/// The request as the server saw it, sent back as JSON.
struct Echo: Codable, Equatable {
    var method: String
    var path: String
    var query: [[String]]
    var headers: [[String]]
    var body: [UInt8]

    init(_ request: ServerRequest) {
        method = request.method
        path = request.path
        query = request.query.map { [$0.name, $0.value] }
        headers = request.headers.map { [$0.name, $0.value] }
        body = request.body
    }

    func header(_ name: String) -> String? {
        headers.first { $0[0] == name }?[1]
    }

    /// A handler that echoes every request.
    static let handler: HTTPServer.Handler = { response(for: $0) }

    static func response(for request: ServerRequest) -> ServerResponse {
        let data = (try? JSONEncoder().encode(Echo(request))) ?? Data()
        return ServerResponse(
            status: 200,
            headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
            body: Array(data)
        )
    }

    static func decode(_ response: HTTPResponse) throws -> Echo {
        try JSONDecoder().decode(Echo.self, from: Data(response.body))
    }
}

func url(_ server: HTTPServer, _ path: String, host: String = "127.0.0.1", index: Int = 0) -> String {
    "http://\(host):\(server.ports[index])\(path)"
}
