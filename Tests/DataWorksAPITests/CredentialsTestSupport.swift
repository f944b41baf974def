import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import LockedValue
import Logging
import Testing

/// Secret values used by the credential tests; no output may ever contain them.
enum TestSecrets {
    static let accessKeySecret = "AkSecretValue-7f3a91"
    static let securityToken = "StsTokenValue-c4e2b8"
    static let stsSecret = "StsSecretValue-0d9e11"
    static let stsToken = "StsSessionToken-a1b2c3"
    static let oidcToken = "OidcJwtToken-eyJhbGciOi"
    static let imdsToken = "ImdsV2Token-55aa66"
    static let all = [accessKeySecret, securityToken, stsSecret, stsToken, oidcToken, imdsToken]

    /// Records an issue for every secret found in `text`.
    static func expectAbsent(_ text: String, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in all where text.contains(secret) {
            Issue.record("secret \(secret) leaked in \(what): \(text)", sourceLocation: sourceLocation)
        }
    }
}

/// A controllable clock in seconds since the Unix epoch.
final class ManualClock: Sendable {
    private let value: Locked<Int64>

    init(_ start: Int64 = 1_750_000_000) { value = Locked(start) }

    var now: Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    var policy: RefreshPolicy { RefreshPolicy(now: { [value] in value.withLock { $0 } }) }
}

/// A swift-log handler that keeps every line (message and metadata) in memory, at debug level.
struct CapturingLogHandler: LogHandler {
    let lines: Locked<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)") }
    }
}

/// A logger whose lines can be read back.
final class CapturedLog: Sendable {
    let lines = Locked<[String]>([])
    var logger: Logger { Logger(label: "test") { [lines] _ in CapturingLogHandler(lines: lines) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// A loopback HTTP fake that records every request and answers with `handler`.
final class FakeEndpoint: Sendable {
    let server: HTTPServer
    private let recorded = Locked<[ServerRequest]>([])

    init(handler: @escaping @Sendable (ServerRequest) async -> ServerResponse) throws {
        let recorded = self.recorded
        server = try HTTPServer(configuration: .init(listenAddresses: ["127.0.0.1:0"])) { request in
            recorded.withLock { $0.append(request) }
            return await handler(request)
        }
    }

    /// `http://127.0.0.1:<port>`.
    var url: String { "http://127.0.0.1:\(server.ports[0])" }
    var requests: [ServerRequest] { recorded.withLock { $0 } }
    var paths: [String] { requests.map { "\($0.method) \($0.path)" } }

    func stop() async { await server.stop(gracePeriod: .milliseconds(200)) }
}

/// Runs `body` with a fake endpoint and a client, stopping both afterwards.
func withFake<Result>(
    _ handler: @escaping @Sendable (ServerRequest) async -> ServerResponse,
    _ body: (FakeEndpoint, CurlHTTPClient) async throws -> Result
) async throws -> Result {
    let fake = try FakeEndpoint(handler: handler)
    let client = try CurlHTTPClient()
    do {
        let result = try await body(fake, client)
        client.shutdown()
        await fake.stop()
        return result
    } catch {
        client.shutdown()
        await fake.stop()
        throw error
    }
}

/// JSON bodies the fakes answer with.
enum FakeBodies {
    static func json(_ object: [String: Any], status: Int = 200) -> ServerResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return ServerResponse(
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
            body: Array(data)
        )
    }

    static func temporary(id: String, expiration: Int64, secret: String = TestSecrets.stsSecret) -> [String: Any] {
        [
            "AccessKeyId": id,
            "AccessKeySecret": secret,
            "SecurityToken": TestSecrets.stsToken,
            "Expiration": ACSTimestamp.format(epochSeconds: expiration),
        ]
    }

    static func sts(id: String, expiration: Int64) -> ServerResponse {
        json(["RequestId": "REQ-1", "Credentials": temporary(id: id, expiration: expiration)])
    }
}

/// A temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "dwapi-cred-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `path`, creating directories.
func writeFile(_ text: String, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// The query of a fake's request as a dictionary.
func queryDictionary(_ request: ServerRequest) -> [String: String] {
    var result: [String: String] = [:]
    for pair in request.query { result[pair.name] = pair.value }
    return result
}

/// Asserts that loading fails with a description containing every fragment and no secret.
func expectFailure(
    _ provider: some CredentialsProvider,
    contains fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let credentials = try await provider.credentials()
        Issue.record("credentials loaded: \(credentials)", sourceLocation: sourceLocation)
    } catch {
        let text = String(describing: error)
        for fragment in fragments {
            #expect(text.contains(fragment), "\(text) lacks \(fragment)", sourceLocation: sourceLocation)
        }
        TestSecrets.expectAbsent(text, "error", sourceLocation: sourceLocation)
        TestSecrets.expectAbsent(error.localizedDescription, "localizedDescription", sourceLocation: sourceLocation)
    }
}
