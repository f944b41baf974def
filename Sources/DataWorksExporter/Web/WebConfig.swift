public import HTTPServer

/// The web configuration (`--web.config.file`), in the Prometheus exporter-toolkit format: TLS, basic auth users and
/// extra response headers.
///
/// Source: exporter-toolkit `docs/web-configuration.md`; `promtool check web-config` accepts the same files. See
/// ``load(path:)`` for what differs.
public struct WebConfig: Sendable {
    /// One extra response header from `http_server_config.headers`, e.g. `X-Frame-Options: deny`.
    public typealias Header = HTTPHeader

    /// HTTPS settings from `tls_server_config`, with the certificate, key and client CA files read; `nil` serves
    /// plain HTTP.
    public var tls: HTTPServer.TLSConfiguration?
    /// Headers added to every response, 401 included, in file order.
    public var headers: [Header]
    /// `basic_auth_users`: user name → bcrypt hash of the password (`$2a$`, `$2b$` or `$2y$`). Empty means no
    /// authentication.
    public var users: [String: String]

    /// Creates a configuration; the defaults serve plain HTTP without authentication.
    public init(tls: HTTPServer.TLSConfiguration? = nil, headers: [Header] = [], users: [String: String] = [:]) {
        self.tls = tls
        self.headers = headers
        self.users = users
    }

    /// The headers `http_server_config.headers` may set, and the values allowed where the toolkit restricts them.
    static let allowedHeaders: [String: [String]] = [
        "Strict-Transport-Security": [],
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["deny", "sameorigin"],
        "X-XSS-Protection": [],
        "Content-Security-Policy": [],
    ]
}
