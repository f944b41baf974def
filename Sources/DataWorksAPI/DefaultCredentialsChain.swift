internal import LockedValue

/// The Alibaba Cloud default credential chain, in the official SDK's order:
///
/// 1. `env`: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (and `ALIBABA_CLOUD_SECURITY_TOKEN`).
/// 2. `oidc_role_arn`: only when `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and
///    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set.
/// 3. `cli_profile`: `~/.aliyun/config.json` (skipped when `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`).
/// 4. `profile`: `~/.alibabacloud/credentials.ini` or `ALIBABA_CLOUD_CREDENTIALS_FILE`.
/// 5. `ecs_ram_role`: the ECS metadata service, unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` (then it is not
///    even created, and nothing contacts 100.100.100.200).
/// 6. `credentials_uri`: only when `ALIBABA_CLOUD_CREDENTIALS_URI` is set.
///
/// The environment is read once, at creation. The first provider that succeeds is kept for good: later calls go to
/// it alone, and its errors are thrown as they are. Credentials carry the provider name `default/<provider>`, e.g.
/// `default/env` or `default/cli_profile/ram_role_arn/static_ak`.
///
/// Source: api-notes §4.1 (`DefaultCredentialsProvider`, `reuse_last_provider_enabled=True`).
public struct DefaultCredentialsChain: CredentialsProvider {
    private let providers: [any CredentialsProvider]
    private let chosen = Locked<Int?>(nil)

    /// `default`.
    public var name: String { "default" }

    /// Creates the chain; no provider reads a file or calls out until ``credentials()``.
    ///
    /// - Parameter context: The environment (the process environment in production), home directory, HTTP client,
    ///   endpoint overrides (tests point STS, the metadata service and the URI at loopback fakes), refresh policy and
    ///   logger.
    public init(context: CredentialsContext) {
        let environment = context.environment
        var providers: [any CredentialsProvider] = [EnvironmentCredentialsProvider(environment: environment)]
        if let oidc = OIDCRoleARNCredentialsProvider.fromEnvironment(
            environment,
            stsEndpoint: context.stsEndpoint,
            httpClient: context.httpClient,
            policy: context.refreshPolicy,
            logger: context.logger
        ) {
            providers.append(oidc)
        }
        if !environmentFlag(environment, CLIProfileCredentialsProvider.disabledVariable) {
            providers.append(CLIProfileCredentialsProvider(context: context))
        }
        providers.append(ProfileFileCredentialsProvider(context: context))
        if !environmentFlag(environment, ECSRAMRoleCredentialsProvider.disabledVariable) {
            providers.append(context.ecsProvider(roleName: nil))
        }
        if let uri = environmentValue(environment, URICredentialsProvider.uriVariable) {
            providers.append(
                URICredentialsProvider(
                    uri: uri,
                    httpClient: context.httpClient,
                    policy: context.refreshPolicy,
                    logger: context.logger
                )
            )
        }
        self.providers = providers
    }

    /// The providers' names in the order they are tried.
    public var providerNames: [String] { providers.map(\.name) }

    /// The provider that succeeded first, `nil` before any success.
    public var chosenProviderName: String? {
        chosen.withLock { $0 }.map { providers[$0].name }
    }

    /// Returns the credentials of the provider chosen earlier, or of the first provider that succeeds.
    ///
    /// - Throws: ``CredentialsError/chainExhausted(_:)`` listing every provider and why it failed, before one has
    ///   succeeded; afterwards, the chosen provider's error.
    public func credentials() async throws -> Credentials {
        if let index = chosen.withLock({ $0 }) {
            return renamed(try await providers[index].credentials(), prefix: name)
        }
        var failures: [CredentialsError.ProviderFailure] = []
        for (index, provider) in providers.enumerated() {
            do {
                let credentials = try await provider.credentials()
                chosen.withLock { if $0 == nil { $0 = index } }
                return renamed(credentials, prefix: name)
            } catch let error as CancellationError {
                throw error
            } catch {
                failures.append(.init(provider: provider.name, reason: String(describing: error)))
            }
        }
        throw CredentialsError.chainExhausted(failures)
    }
}
