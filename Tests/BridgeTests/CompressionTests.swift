import CurlClient
import Foundation
import Glibc
import HTTPServer
import LoopbackSocket
import Testing

/// gzip answers: `Accept-Encoding` negotiation, zlib compression, headers, and what reaches a client.
@Suite struct CompressionTests {
    /// A body that compresses well, like an exposition.
    static let plain = Array(
        (0..<2_000).map { "dataworks_deployment_fetch_success{deployment_id=\"\(3_000_000 + $0)\"} 1\n" }.joined().utf8
    )

    static func handler(compressible: Bool) -> HTTPServer.Handler {
        { _ in
            var response = ServerResponse(
                status: 200,
                headers: [
                    HTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8"),
                    HTTPHeader(name: "Vary", value: "Accept"),
                ],
                body: plain
            )
            response.isCompressible = compressible
            return response
        }
    }

    @Test(
        arguments: [
            (nil, ContentCoding.identity),
            ("", .identity),
            ("gzip", .gzip),
            ("GZIP", .gzip),
            ("x-gzip", .gzip),
            ("gzip, deflate, br", .gzip),
            ("deflate, br", .identity),
            ("gzip;q=0", .identity),
            ("gzip; q=0.000", .identity),
            ("gzip;q=0.5", .gzip),
            ("*", .gzip),
            ("*;q=0", .identity),
            ("*;q=0.5, gzip;q=0", .identity),
            ("br;q=1.0, *;q=0.3", .gzip),
            ("identity", .identity),
            ("gzip;q=0.5, identity", .identity),
            ("gzip, identity;q=0.5", .gzip),
            ("identity;q=0, gzip;q=0.1", .gzip),
            ("gzip;q=2", .identity),
            ("gzip;q=abc", .identity),
        ] as [(String?, ContentCoding)]
    )
    func negotiation(header: String?, expected: ContentCoding) {
        #expect(ContentCoding.negotiate(acceptEncoding: header) == expected)
    }

    @Test func qualityValuesParse() {
        let parsed = QualityValue.parse(
            #"Application/OpenMetrics-Text; version="1.0.0"; q=0.75; ext=1, text/plain;note="a,b;c";q=0.5,, */*"#
        )
        #expect(
            parsed == [
                QualityValue(value: "application/openmetrics-text", parameters: ["version": "1.0.0"], quality: 0.75),
                QualityValue(value: "text/plain", parameters: ["note": "a,b;c"], quality: 0.5),
                QualityValue(value: "*/*"),
            ]
        )
        #expect(QualityValue.parse("").isEmpty)
        #expect(QualityValue.parse(" , ").isEmpty)
    }

    @Test func gzipStreamsHaveTheMagicAndDecompress() throws {
        let compressed = try #require(Gzip.compress(Self.plain))
        #expect(Array(compressed.prefix(3)) == [0x1f, 0x8b, 0x08])
        #expect(compressed.count * 5 < Self.plain.count)
        #expect(try gunzip(compressed) == Self.plain)
        let empty = try #require(Gzip.compress([]))
        #expect(try gunzip(empty).isEmpty)
    }

    @Test func curlClientGetsGzipAndDecodesIt() async throws {
        try await withServer(handler: Self.handler(compressible: true)) { server in
            try await withClient { client in
                let url = "http://127.0.0.1:\(server.ports[0])/metrics"
                let zipped = try await client.send(
                    HTTPRequest(method: "GET", url: url, headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip")])
                )
                #expect(zipped.status == 200)
                #expect(zipped.header("Content-Encoding") == "gzip")
                #expect(zipped.header("Vary") == "Accept, Accept-Encoding")
                #expect(zipped.body == Self.plain)

                let refused = try await client.send(
                    HTTPRequest(
                        method: "GET",
                        url: url,
                        headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip;q=0, identity")]
                    )
                )
                #expect(refused.header("Content-Encoding") == nil)
                #expect(refused.header("Vary") == "Accept, Accept-Encoding")
                #expect(refused.body == Self.plain)

                let none = try await client.send(HTTPRequest(method: "GET", url: url))
                #expect(none.header("Content-Encoding") == nil)
                #expect(none.body == Self.plain)
            }
        }
    }

    @Test func responsesNotMarkedCompressibleAreSentAsTheyAre() async throws {
        try await withServer(handler: Self.handler(compressible: false)) { server in
            let raw = try await rawGet(port: server.ports[0], path: "/", acceptEncoding: "gzip")
            #expect(raw.headers["content-encoding"] == nil)
            #expect(raw.headers["vary"] == "Accept")
            #expect(raw.body == Self.plain)
        }
    }

    @Test func theBytesOnTheWireAreGzip() async throws {
        try await withServer(handler: Self.handler(compressible: true)) { server in
            let raw = try await rawGet(port: server.ports[0], path: "/metrics", acceptEncoding: "gzip")
            #expect(raw.status == 200)
            #expect(raw.headers["content-encoding"] == "gzip")
            #expect(Array(raw.body.prefix(2)) == [0x1f, 0x8b])
            #expect(raw.headers["content-length"] == String(raw.body.count))
            #expect(raw.body.count < Self.plain.count / 5)
            #expect(try gunzip(raw.body) == Self.plain)
        }
    }
}

/// A response as read from the socket, undecoded.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// Sends `GET path` with `Connection: close` over a plain socket and reads the answer to the end, on a thread of its
/// own so that the blocking calls never hold a cooperative thread.
func rawGet(port: Int, path: String, acceptEncoding: String) async throws -> RawResponse {
    let bytes: [UInt8] = try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(
                with: Result {
                    try blockingExchange(
                        port: port,
                        request:
                            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: \(acceptEncoding)\r\nConnection: close\r\n\r\n"
                    )
                }
            )
        }
        thread.start()
    }
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
        throw RawError(message: "no end of headers in \(bytes.count) bytes")
    }
    let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
    return RawResponse(status: status, headers: headers, body: Array(bytes[(end + separator.count)...]))
}

struct RawError: Error {
    var message: String
}

private func blockingExchange(port: Int, request: String) throws -> [UInt8] {
    let socket = try LoopbackSocket(port: port)
    guard socket.send(request) == request.utf8.count else {
        throw RawError(message: "send: errno \(errno)")
    }
    var received: [UInt8] = []
    while true {
        guard let chunk = socket.receive() else { throw RawError(message: "recv: errno \(errno)") }
        if chunk.isEmpty { return received }
        received += chunk
    }
}

/// Decompresses with the system's `gzip -dc`, independent of zlib's Swift bridge.
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let inputURL = FileManager.default.temporaryDirectory.appendingPathComponent("gunzip-\(UUID()).gz")
    try Data(bytes).write(to: inputURL)
    defer { try? FileManager.default.removeItem(at: inputURL) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc", inputURL.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw RawError(message: "gzip -dc failed") }
    return Array(data)
}
