import HTTPServer
import Testing

@testable import CurlClient

/// A proxy that answers 407 is a failure of its own kind, named by the proxy and the status, never its credentials.
struct ProxyAuthenticationTests {
    private static let secret = "Pr0xyS3cret"

    private static let refusingProxy: HTTPServer.Handler = { _ in
        ServerResponse(
            status: 407,
            headers: [HTTPHeader(name: "Proxy-Authenticate", value: "Basic realm=\"proxy\"")],
            body: Array("auth required".utf8)
        )
    }

    /// `http://` through the proxy (the 407 answers the request itself) and `https://` (it answers `CONNECT`).
    @Test(arguments: ["http", "https"])
    func proxyAuthenticationFailureIsItsOwnKind(scheme: String) async throws {
        try await withServer(handler: Self.refusingProxy) { proxy in
            try await withClient { client in
                let proxyURL = "http://user:\(Self.secret)@127.0.0.1:\(proxy.ports[0])"
                let error = await #expect(throws: TransportError.self) {
                    try await client.send(
                        HTTPRequest(
                            method: "GET",
                            url: "\(scheme)://127.0.0.1:9/",
                            // Generous: the whole suite starts at once on 2 cores.
                            connectTimeout: .seconds(30),
                            timeout: .seconds(30),
                            proxy: proxyURL
                        )
                    )
                }
                #expect(error?.kind == .proxyAuthentication, "\(String(describing: error))")
                let text = error.map(String.init(describing:)) ?? ""
                #expect(text.contains("http://127.0.0.1:\(proxy.ports[0])"), "\(text)")
                #expect(text.contains("407"), "\(text)")
                #expect(!text.contains(Self.secret), "\(text)")
            }
        }
    }

    /// The names libcurl reads: `http_proxy` only in lower case, `HTTPS_PROXY` in either case, then `ALL_PROXY`.
    @Test func environmentNamesAsLibcurlReadsThem() {
        let environment = [
            "HTTP_PROXY": "http://upper:1", "HTTPS_PROXY": "http://a:b@secure:2", "ALL_PROXY": "http://all:3",
        ]
        let lookup: (String) -> String? = { environment[$0] }
        #expect(
            ProxyEnvironment.proxy(for: HTTPRequest(method: "GET", url: "http://h/"), environment: lookup)
                == "http://all:3"
        )
        #expect(
            ProxyEnvironment.proxy(for: HTTPRequest(method: "GET", url: "https://h/"), environment: lookup)
                == "http://secure:2"
        )
        let lower: (String) -> String? = { $0 == "http_proxy" ? "http://lower:4" : nil }
        #expect(
            ProxyEnvironment.proxy(for: HTTPRequest(method: "GET", url: "http://h/"), environment: lower)
                == "http://lower:4"
        )
        #expect(
            ProxyEnvironment.proxy(
                for: HTTPRequest(method: "GET", url: "http://h/", bypassesProxy: true),
                environment: lower
            ) == nil
        )
    }
}
