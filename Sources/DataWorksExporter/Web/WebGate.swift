public import HTTPServer

/// What a web configuration does to every request before and after the routes: basic auth and extra headers.
///
/// As in exporter-toolkit, every path is protected (`/-/healthy` and `/-/ready` included) when users are configured,
/// and the extra headers go on every response, 401 included.
public struct WebGate: Sendable {
    /// The `WWW-Authenticate` value of a 401.
    public static let challenge = "Basic realm=\"dataworks-exporter\""

    private let headers: [WebConfig.Header]
    private let authenticator: BasicAuthenticator?

    /// Creates the gate of a web configuration.
    ///
    /// - Parameters:
    ///   - config: The web configuration; its `tls` part is the server's business, not the gate's.
    ///   - hasher: The password hash function, see ``BasicAuthenticator/init(users:hasher:)``.
    public init(config: WebConfig, hasher: @escaping BasicAuthenticator.Hasher = PasswordHash.crypt) {
        self.headers = config.headers
        self.authenticator = config.users.isEmpty ? nil : BasicAuthenticator(users: config.users, hasher: hasher)
    }

    /// Answers `request` with `next` when its credentials pass (or none are configured), else with 401; adds the
    /// extra headers either way.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - next: The routes.
    /// - Returns: The response, with the configured headers that it does not already carry.
    public func handle(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async -> ServerResponse
    ) async -> ServerResponse {
        var response: ServerResponse
        if let authenticator, !(await authenticator.isAuthorized(request.header("authorization"))) {
            response = .text("Unauthorized\n", status: 401)
            response.headers.append(HTTPHeader(name: "WWW-Authenticate", value: Self.challenge))
        } else {
            response = await next(request)
        }
        for header in headers {
            let name = header.name.lowercased()
            if !response.headers.contains(where: { $0.name.lowercased() == name }) {
                response.headers.append(header)
            }
        }
        return response
    }
}
