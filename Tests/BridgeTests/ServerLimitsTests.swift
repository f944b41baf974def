import CurlClient
import Foundation
import Glibc
import HTTPServer
import LoopbackSocket
import Testing

/// Limits that keep a reachable server safe: header and URL sizes, clients that never finish their headers.
@Suite struct ServerLimitsTests {
    static func server(maxHeaderSize: Int = 32 << 10, connectionTimeout: Int = 30) throws -> HTTPServer {
        try HTTPServer(
            configuration: HTTPServer.Configuration(
                listenAddresses: ["127.0.0.1:0"],
                connectionTimeout: connectionTimeout,
                maxHeaderSize: maxHeaderSize
            )
        ) { _ in .text("ok") }
    }

    @Test func oversizedHeadersGet431AndOversizedURLs414() async throws {
        let server = try Self.server(maxHeaderSize: 8 << 10)
        try await withClient { client in
            let base = "http://127.0.0.1:\(server.ports[0])"
            let small = try await client.send(
                HTTPRequest(method: "GET", url: base + "/", headers: [HTTPHeader(name: "X-Pad", value: "a")])
            )
            #expect(small.status == 200)
            let headers = try await client.send(
                HTTPRequest(
                    method: "GET",
                    url: base + "/",
                    headers: [HTTPHeader(name: "X-Pad", value: String(repeating: "a", count: 16 << 10))]
                )
            )
            #expect(headers.status == 431)
            let url = try await client.send(
                HTTPRequest(method: "GET", url: base + "/" + String(repeating: "u", count: 16 << 10))
            )
            #expect(url.status == 414)
        }
        await server.stop()
    }

    @Test func clientThatNeverFinishesItsHeadersIsDisconnected() async throws {
        let server = try Self.server(connectionTimeout: 1)
        // Wait at most 10 s for the server to hang up; without the timeout the read times out instead.
        let socket = try LoopbackSocket(port: server.ports[0], receiveTimeout: 10)
        let partial = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        #expect(socket.send(partial) == partial.utf8.count)
        let received = socket.receive(upTo: 512)
        // Empty: the server closed the connection (orderly shutdown), as the idle timeout does.
        #expect(received == [], "recv returned \(String(describing: received)), errno \(errno)")
        socket.close()
        await server.stop()
    }
}

@Suite struct CloseWithoutAnswerTests {
    /// A handler that returns ``ServerResponse/closeWithoutAnswer`` makes the client see a connection closed with no
    /// answer at all; the next request on a new connection is served.
    @Test func closeWithoutAnswerSendsNothing() async throws {
        let handler: HTTPServer.Handler = { request in
            request.path == "/reset" ? .closeWithoutAnswer : .text("ok\n")
        }
        try await withServer(handler: handler) { server in
            try await withClient { client in
                await #expect(throws: (any Error).self) {
                    _ = try await client.send(HTTPRequest(method: "GET", url: url(server, "/reset")))
                }
                let next = try await client.send(HTTPRequest(method: "GET", url: url(server, "/ok")))
                #expect(next.status == 200)
            }
        }
    }
}
