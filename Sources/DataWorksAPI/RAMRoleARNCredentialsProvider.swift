public import CurlClient
public import Logging

/// Credentials of a RAM role, assumed through STS `AssumeRole` with the credentials of a source provider, and
/// refreshed before they expire (``RefreshingCredentialsProvider``).
///
/// The source is asked for credentials on every refresh, so a refreshing source (e.g. an ECS RAM role, or another
/// role in a `ChainableRamRoleArn` profile) works.
///
/// Source: api-notes §4.3 (`ram_role_arn.py`).
public struct RAMRoleARNCredentialsProvider: CredentialsProvider {
    /// `ram_role_arn`.
    public var name: String { "ram_role_arn" }
    private let cache: RefreshingCredentialsProvider

    /// Creates the provider; nothing is sent until the first ``credentials()``.
    ///
    /// - Parameters:
    ///   - source: Credentials that may assume the role (signs the call; its STS token is sent as `SecurityToken`).
    ///   - parameters: `RoleArn`, `RoleSessionName`, `DurationSeconds`, `Policy`, `ExternalId`.
    ///   - stsEndpoint: The STS base URL, e.g. from ``STSEndpoint/resolve(override:region:vpc:environment:)``.
    ///   - httpClient: The libcurl client.
    ///   - policy: Refresh margin and clock.
    ///   - logger: Receives refresh events (never values).
    public init(
        source: any CredentialsProvider,
        parameters: AssumeRoleParameters,
        stsEndpoint: String,
        httpClient: any HTTPTransport,
        policy: RefreshPolicy = RefreshPolicy(),
        logger: Logger
    ) {
        let sts = STSClient(endpoint: stsEndpoint, httpClient: httpClient, provider: "ram_role_arn", now: policy.now)
        let providerName = "ram_role_arn/\(source.name)"
        cache = RefreshingCredentialsProvider(name: "ram_role_arn", policy: policy, logger: logger) {
            let sourceCredentials = try await source.credentials()
            return try await sts.assumeRole(parameters, source: sourceCredentials, providerName: providerName)
        }
    }

    /// Returns the role's credentials, calling STS when there are none or they are due for refresh.
    ///
    /// - Throws: ``CredentialsError`` from the source or STS when no unexpired credentials are cached.
    public func credentials() async throws -> Credentials {
        try await cache.credentials()
    }
}
