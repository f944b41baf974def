import CurlClient
import Foundation
import HTTPServer
import Testing

/// Requests and responses cross the bridge intact.
struct RoundTripTests {
    @Test func getDecodesPathAndQueryArgumentsInOrder() async throws {
        try await withServer(handler: Echo.handler) { server in
            try await withClient { client in
                let target = url(server, "/a%20dir/metrics?b=2&a=1&name=J%C3%BCrgen%20D%26e&empty=&flag&b=3&plus=a+b")
                let response = try await client.send(HTTPRequest(method: "GET", url: target))
                #expect(response.status == 200)
                let echo = try Echo.decode(response)
                #expect(echo.method == "GET")
                #expect(echo.path == "/a dir/metrics")
                #expect(
                    echo.query == [
                        ["b", "2"], ["a", "1"], ["name", "Jürgen D&e"], ["empty", ""], ["flag", ""], ["b", "3"],
                        ["plus", "a b"],
                    ]
                )
                #expect(echo.body.isEmpty)
            }
        }
    }

    @Test func postBodyAndHeadersRoundTripByteExact() async throws {
        // UTF-8 text, a NUL, CR LF and bytes that are not UTF-8 at all.
        let body = Array("héllo wörld ✓ 日本語\r\n".utf8) + [0x00, 0xFF, 0x80, 0x0D, 0x0A]
        try await withServer(handler: Echo.handler) { server in
            try await withClient { client in
                let request = HTTPRequest(
                    method: "POST",
                    url: url(server, "/upload"),
                    headers: [
                        HTTPHeader(name: "Content-Type", value: "application/octet-stream"),
                        HTTPHeader(name: "X-Custom-Value", value: "a value, with  spaces"),
                        HTTPHeader(name: "X-Utf8", value: "grüße ✓"),
                        HTTPHeader(name: "X-Empty", value: ""),
                    ],
                    body: body
                )
                let response = try await client.send(request)
                #expect(response.status == 200)
                let echo = try Echo.decode(response)
                #expect(echo.method == "POST")
                #expect(echo.body == body)
                #expect(echo.header("content-type") == "application/octet-stream")
                #expect(echo.header("x-custom-value") == "a value, with  spaces")
                #expect(echo.header("x-utf8") == "grüße ✓")
                #expect(echo.header("x-empty") == "")
                #expect(echo.header("content-length") == String(body.count))
                // libcurl's own defaults are suppressed.
                #expect(echo.header("expect") == nil)
                #expect(echo.header("accept") == nil)
                #expect(echo.header("accept-encoding") == nil)
                // Names arrive lower-cased.
                #expect(echo.headers.allSatisfy { $0[0] == $0[0].lowercased() })
            }
        }
    }

    @Test func largePostSendsNoExpectContinue() async throws {
        // libcurl adds "Expect: 100-continue" to large bodies unless told otherwise.
        let body = [UInt8](repeating: 0x61, count: 2 << 20)
        let handler: HTTPServer.Handler = { request in
            ServerResponse(
                status: 200,
                headers: [HTTPHeader(name: "X-Expect", value: request.header("expect") ?? "none")],
                body: request.body
            )
        }
        try await withServer(maxBodySize: 4 << 20, handler: handler) { server in
            try await withClient { client in
                let response = try await client.send(HTTPRequest(method: "POST", url: url(server, "/"), body: body))
                #expect(response.header("x-expect") == "none")
                #expect(response.body == body)
            }
        }
    }

    @Test func acceptEncodingOnlyWhenGiven() async throws {
        try await withServer(handler: Echo.handler) { server in
            try await withClient { client in
                let request = HTTPRequest(
                    method: "GET",
                    url: url(server, "/"),
                    headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip")]
                )
                let echo = try Echo.decode(try await client.send(request))
                #expect(echo.header("accept-encoding") == "gzip")
            }
        }
    }

    @Test func otherMethodsAreSentAsGiven() async throws {
        try await withServer(handler: Echo.handler) { server in
            try await withClient { client in
                let put = try Echo.decode(
                    try await client.send(HTTPRequest(method: "PUT", url: url(server, "/x"), body: Array("put".utf8)))
                )
                #expect(put.method == "PUT")
                #expect(put.body == Array("put".utf8))
                let delete = try Echo.decode(
                    try await client.send(HTTPRequest(method: "DELETE", url: url(server, "/x")))
                )
                #expect(delete.method == "DELETE")
                #expect(delete.body.isEmpty)
            }
        }
    }

    @Test func responseStatusHeadersAndBodyReachTheClient() async throws {
        let handler: HTTPServer.Handler = { _ in
            ServerResponse(
                status: 429,
                headers: [
                    HTTPHeader(name: "Retry-After", value: "7"), HTTPHeader(name: "X-Limit", value: "a, b"),
                    HTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8"),
                ],
                body: Array("slow down ✋\n".utf8)
            )
        }
        try await withServer(handler: handler) { server in
            try await withClient { client in
                let response = try await client.send(HTTPRequest(method: "GET", url: url(server, "/")))
                #expect(response.status == 429)
                #expect(response.header("retry-after") == "7")
                #expect(response.header("X-LIMIT") == "a, b")
                #expect(response.header("content-type") == "text/plain; charset=utf-8")
                #expect(response.header("content-length") == String("slow down ✋\n".utf8.count))
                #expect(response.body == Array("slow down ✋\n".utf8))
                // Only the fields of the response, no status line.
                #expect(!response.headers.contains { $0.name.hasPrefix("HTTP/") })
            }
        }
    }

    @Test func bodyOverLimitGets413WithoutReachingTheHandler() async throws {
        let calls = Counter()
        let handler: HTTPServer.Handler = { request in
            calls.enter()
            return Echo.response(for: request)
        }
        try await withServer(maxBodySize: 1000, handler: handler) { server in
            try await withClient { client in
                let atLimit = try await client.send(
                    HTTPRequest(method: "POST", url: url(server, "/"), body: [UInt8](repeating: 1, count: 1000))
                )
                #expect(atLimit.status == 200)
                let over = try await client.send(
                    HTTPRequest(method: "POST", url: url(server, "/"), body: [UInt8](repeating: 1, count: 1001))
                )
                #expect(over.status == 413)
                // Without Content-Length (chunked), the limit applies while the body streams in.
                let chunked = try await client.send(
                    HTTPRequest(
                        method: "POST",
                        url: url(server, "/"),
                        headers: [HTTPHeader(name: "Transfer-Encoding", value: "chunked")],
                        body: [UInt8](repeating: 1, count: 5000)
                    )
                )
                #expect(chunked.status == 413)
                #expect(calls.entered == 1)
            }
        }
    }
}
