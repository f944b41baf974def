import CurlClient
import HTTPServer
import LockedValue
import Testing

/// Bodies made of shared segments: sent by libmicrohttpd without a copy, compressed piece by piece, released when
/// libmicrohttpd is done with them.
@Suite struct SegmentedBodyTests {
    /// A large shared piece (like a snapshot's deployment families) and a small per-request tail.
    static let large = SharedBytes(CompressionTests.plain + CompressionTests.plain)
    static let tail = Array("dataworks_up 1\n# EOF\n".utf8)
    static let joined = large.array + tail

    static func handler(_ request: ServerRequest) async -> ServerResponse {
        var response = ServerResponse(status: 200, segments: [large, SharedBytes([]), SharedBytes(tail)])
        response.isCompressible = true
        return response
    }

    @Test func segmentsJoinInOrder() {
        let response = ServerResponse(status: 200, segments: [SharedBytes("ab".utf8), SharedBytes("c".utf8)])
        #expect(response.body == Array("abc".utf8))
        #expect(response.bodyCount == 3)
        var replaced = response
        replaced.body = Array("xyz".utf8)
        #expect(replaced.segments.count == 1 && replaced.body == Array("xyz".utf8))
    }

    @Test func gzipOfSegmentsIsOneMemberOfTheirConcatenation() throws {
        let pieces = [
            SharedBytes(CompressionTests.plain.prefix(1_000)), SharedBytes([]),
            SharedBytes(CompressionTests.plain.dropFirst(1_000)), SharedBytes(Self.tail),
        ]
        let compressed = try #require(Gzip.compress(segments: pieces)).flatMap(\.array)
        // The system's gzip checks the CRC-32 and the length in the trailer.
        #expect(try gunzip(compressed) == pieces.flatMap(\.array))
        #expect(try gunzip(try #require(Gzip.compress(segments: []).map { $0.flatMap(\.array) })).isEmpty)
    }

    @Test func aSharedSegmentIsCompressedOnce() throws {
        let first = try #require(Gzip.compress(segments: [Self.large, SharedBytes(Self.tail)]))
        let second = try #require(Gzip.compress(segments: [Self.large, SharedBytes(Array("other\n".utf8))]))
        // Header, the large piece's deflate form, the tail's, trailer.
        #expect(first.count == 4 && second.count == 4)
        #expect(first[1] === second[1])
        #expect(first[2] !== second[2])
    }

    @Test func clientsGetTheJoinedBodyPlainAndGzipped() async throws {
        try await withServer(handler: Self.handler) { server in
            try await withClient { client in
                let url = "http://127.0.0.1:\(server.ports[0])/metrics"
                let plain = try await client.send(HTTPRequest(method: "GET", url: url))
                #expect(plain.body == Self.joined)
                #expect(plain.header("Content-Length") == String(Self.joined.count))
                let zipped = try await client.send(
                    HTTPRequest(method: "GET", url: url, headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip")])
                )
                #expect(zipped.header("Content-Encoding") == "gzip")
                #expect(zipped.body == Self.joined)
            }
            let raw = try await rawGet(port: server.ports[0], path: "/metrics", acceptEncoding: "gzip")
            #expect(raw.headers["content-length"] == String(raw.body.count))
            #expect(try gunzip(raw.body) == Self.joined)
        }
    }

    @Test func segmentsAreReleasedOnceSent() async throws {
        final class Weak: Sendable {
            let piece = Locked<[() -> SharedBytes?]>([])
        }
        let sent = Weak()
        let handler: HTTPServer.Handler = { _ in
            let piece = SharedBytes(CompressionTests.plain)
            sent.piece.withLock { $0.append { [weak piece] in piece } }
            return ServerResponse(status: 200, segments: [piece])
        }
        try await withServer(handler: handler) { server in
            for _ in 0..<3 {
                let raw = try await rawGet(port: server.ports[0], path: "/", acceptEncoding: "identity")
                #expect(raw.body == CompressionTests.plain)
            }
        }
        let pieces = sent.piece.withLock { $0 }
        #expect(pieces.count == 3)
        #expect(pieces.allSatisfy { $0() == nil })
    }
}
