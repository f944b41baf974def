public import CurlClient
internal import Foundation
public import Logging

/// Credentials of a RAM role assumed with an OIDC token (ACK RRSA), through STS `AssumeRoleWithOIDC`.
///
/// The token file is read again on every refresh (Kubernetes rotates it). Refreshed 15 minutes before expiry.
///
/// Source: api-notes §4.1 step 2, §4.3 (`oidc.py`).
public struct OIDCRoleARNCredentialsProvider: CredentialsProvider {
    /// `ALIBABA_CLOUD_ROLE_ARN`.
    public static let roleArnVariable = "ALIBABA_CLOUD_ROLE_ARN"
    /// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.
    public static let providerArnVariable = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.
    public static let tokenFileVariable = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
    /// `ALIBABA_CLOUD_ROLE_SESSION_NAME`.
    public static let sessionNameVariable = "ALIBABA_CLOUD_ROLE_SESSION_NAME"

    /// `oidc_role_arn`.
    public var name: String { "oidc_role_arn" }
    private let cache: RefreshingCredentialsProvider

    /// Creates the provider; the token file is not read until the first ``credentials()``.
    ///
    /// - Parameters:
    ///   - parameters: `RoleArn`, `RoleSessionName`, `DurationSeconds`, `Policy` (`ExternalId` is ignored).
    ///   - oidcProviderArn: `OIDCProviderArn`.
    ///   - tokenFile: The path of the OIDC token file.
    ///   - stsEndpoint: The STS base URL.
    ///   - httpClient: The libcurl client.
    ///   - policy: Refresh margin and clock.
    ///   - logger: Receives refresh events (never values).
    public init(
        parameters: AssumeRoleParameters,
        oidcProviderArn: String,
        tokenFile: String,
        stsEndpoint: String,
        httpClient: any HTTPTransport,
        policy: RefreshPolicy = RefreshPolicy(),
        logger: Logger
    ) {
        let sts = STSClient(endpoint: stsEndpoint, httpClient: httpClient, provider: "oidc_role_arn", now: policy.now)
        cache = RefreshingCredentialsProvider(name: "oidc_role_arn", policy: policy, logger: logger) {
            let token = try Self.readToken(tokenFile)
            return try await sts.assumeRoleWithOIDC(
                parameters,
                oidcProviderArn: oidcProviderArn,
                oidcToken: token,
                providerName: "oidc_role_arn"
            )
        }
    }

    /// The provider the environment describes, or `nil` unless `ALIBABA_CLOUD_ROLE_ARN`,
    /// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all non-empty.
    ///
    /// `ALIBABA_CLOUD_ROLE_SESSION_NAME`, `ALIBABA_CLOUD_STS_REGION` and `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED` are read
    /// too; `stsEndpoint` overrides them.
    public static func fromEnvironment(
        _ environment: [String: String],
        stsEndpoint: String? = nil,
        httpClient: any HTTPTransport,
        policy: RefreshPolicy = RefreshPolicy(),
        logger: Logger
    ) -> OIDCRoleARNCredentialsProvider? {
        guard let roleArn = environmentValue(environment, roleArnVariable),
            let providerArn = environmentValue(environment, providerArnVariable),
            let tokenFile = environmentValue(environment, tokenFileVariable),
            let parameters = try? AssumeRoleParameters(
                roleArn: roleArn,
                roleSessionName: environmentValue(environment, sessionNameVariable)
            )
        else { return nil }
        return OIDCRoleARNCredentialsProvider(
            parameters: parameters,
            oidcProviderArn: providerArn,
            tokenFile: tokenFile,
            stsEndpoint: STSEndpoint.resolve(override: stsEndpoint, environment: environment),
            httpClient: httpClient,
            policy: policy,
            logger: logger
        )
    }

    /// Returns the role's credentials, reading the token and calling STS when due.
    ///
    /// - Throws: ``CredentialsError/tokenFileUnreadable(path:)`` or an STS error when no unexpired credentials are
    ///   cached.
    public func credentials() async throws -> Credentials {
        try await cache.credentials()
    }

    private static func readToken(_ path: String) throws(CredentialsError) -> Secret {
        guard let data = FileManager.default.contents(atPath: path) else { throw .tokenFileUnreadable(path: path) }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .tokenFileUnreadable(path: path) }
        return Secret(token)
    }
}
