public import CurlClient
internal import Foundation
public import Logging

/// Credentials from an HTTP endpoint (`ALIBABA_CLOUD_CREDENTIALS_URI`), e.g. a sidecar.
///
/// `GET <uri>`; the JSON answer has `Code == "Success"`, `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and
/// `Expiration`. Timeouts: connect 5 s, whole request 10 s. Refreshed 15 minutes before expiry.
///
/// Source: api-notes §4.1 step 6 (`URLCredentialsProvider`).
public struct URICredentialsProvider: CredentialsProvider {
    /// The variable holding the URI.
    public static let uriVariable = "ALIBABA_CLOUD_CREDENTIALS_URI"

    /// `credentials_uri`.
    public var name: String { "credentials_uri" }
    private let cache: RefreshingCredentialsProvider

    /// Creates the provider; nothing is sent until the first ``credentials()``.
    ///
    /// - Parameters:
    ///   - uri: The full URL to `GET`. Only its scheme, host and path appear in errors.
    ///   - httpClient: The libcurl client.
    ///   - policy: Refresh margin and clock.
    ///   - logger: Receives refresh events (never values).
    public init(uri: String, httpClient: any HTTPTransport, policy: RefreshPolicy = RefreshPolicy(), logger: Logger) {
        let http = CredentialsHTTP(client: httpClient, provider: "credentials_uri")
        let display = Self.display(uri)
        cache = RefreshingCredentialsProvider(name: "credentials_uri", policy: policy, logger: logger) {
            let response = try await http.send(
                uri,
                display: display,
                connectTimeout: .seconds(5),
                timeout: .seconds(10)
            )
            guard response.status == 200 else {
                throw CredentialsError.requestRejected(
                    provider: http.provider,
                    endpoint: display,
                    status: response.status,
                    code: http.code(of: response, display: display),
                    requestId: nil
                )
            }
            return try http.successfulTemporaryCredentials(
                from: response,
                display: display,
                providerName: "credentials_uri"
            )
        }
    }

    /// Returns the credentials, asking the URI when due.
    ///
    /// - Throws: ``CredentialsError`` when no unexpired credentials are cached and the URI fails.
    public func credentials() async throws -> Credentials {
        try await cache.credentials()
    }

    /// The URI without query, fragment or user info, for messages.
    static func display(_ uri: String) -> String {
        var text = Substring(uri)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                text = text[..<scheme.upperBound] + rest[rest.index(after: at)...]
            }
        }
        return String(text)
    }
}
