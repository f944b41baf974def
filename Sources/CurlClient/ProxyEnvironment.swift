import Glibc

/// The proxy libcurl takes from the environment for a URL, for naming it in errors.
///
/// libcurl reads `http_proxy` (lower case only: `HTTP_PROXY` is ignored, as a CGI program could be handed it by a
/// client's `Proxy:` header) for `http://` URLs, `https_proxy` or `HTTPS_PROXY` for `https://` URLs, then
/// `all_proxy` or `ALL_PROXY` for both; `no_proxy`/`NO_PROXY` lists hosts that go direct.
///
/// Source: libcurl `CURLOPT_PROXY` ("Environment variables").
enum ProxyEnvironment {
    /// The proxy a request goes through, without any `user:password@` part; `nil` when it goes direct as far as the
    /// request and `environment` tell (`no_proxy` is not evaluated).
    ///
    /// - Parameters:
    ///   - request: The request; its ``HTTPRequest/proxy`` wins over the environment.
    ///   - environment: Looks a variable up; the process environment by default.
    static func proxy(
        for request: HTTPRequest,
        environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) -> String? {
        if request.bypassesProxy {
            return nil
        }
        let given: String?
        if let proxy = request.proxy {
            given = proxy
        } else {
            let isHTTPS = request.url.lowercased().hasPrefix("https://")
            let names = isHTTPS ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy"]
            given = (names + ["all_proxy", "ALL_PROXY"]).compactMap(environment).first { !$0.isEmpty }
        }
        return given.map(withoutCredentials)
    }

    /// `url` without a `user:password@` part before its host.
    static func withoutCredentials(_ url: String) -> String {
        var authorityStart = url.startIndex
        if let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") {
            authorityStart = url.index(colon, offsetBy: 3)
        }
        let authorityEnd = url[authorityStart...].firstIndex(of: "/") ?? url.endIndex
        guard let at = url[authorityStart..<authorityEnd].lastIndex(of: "@") else {
            return url
        }
        return String(url[..<authorityStart]) + String(url[url.index(after: at)...])
    }
}

extension TransportError {
    /// The error for a 407 from the proxy of `request`: names the proxy (never its credentials) and the status;
    /// `curlCode` is the transfer's result (`CURLE_RECV_ERROR` after a refused `CONNECT`, 0 for a plain request).
    static func proxyAuthentication(_ request: HTTPRequest, curlCode: Int32) -> TransportError {
        let proxy = ProxyEnvironment.proxy(for: request) ?? "the proxy"
        return TransportError(
            kind: .proxyAuthentication,
            code: curlCode,
            message: "proxy \(proxy) answered HTTP 407 Proxy Authentication Required"
        )
    }
}
