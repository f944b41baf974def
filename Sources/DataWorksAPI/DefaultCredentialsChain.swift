internal import Foundation

/// The default credential chain of this version: environment variables, then the credentials file.
///
/// Returned credentials carry the provider name `default/<provider>` (e.g. `default/env`). Nothing here contacts
/// the ECS metadata service (100.100.100.200); OIDC, the CLI config and ECS RAM roles are not part of this chain yet.
///
/// Source: api-notes §4.1 (steps 1 and 4, chain behaviour).
public struct DefaultCredentialsChain: CredentialsProvider {
    private let providers: [any CredentialsProvider]

    /// `default`.
    public var name: String { "default" }

    /// Creates the chain.
    ///
    /// - Parameters:
    ///   - environment: The environment for both providers.
    ///   - homeDirectory: The home directory for the credentials file; `nil` means `HOME` from `environment`.
    public init(environment: [String: String], homeDirectory: String? = nil) {
        providers = [
            EnvironmentCredentialsProvider(environment: environment),
            ProfileFileCredentialsProvider(environment: environment, homeDirectory: homeDirectory),
        ]
    }

    /// Reads the process environment.
    public init() {
        self.init(environment: ProcessInfo.processInfo.environment)
    }

    /// The providers' names in the order they are tried.
    public var providerNames: [String] { providers.map(\.name) }

    /// Returns the first provider's credentials that load, renamed `default/<provider>`.
    ///
    /// - Throws: ``CredentialsError/chainExhausted(_:)`` listing every provider and why it failed.
    public func credentials() async throws -> Credentials {
        var failures: [CredentialsError.ProviderFailure] = []
        for provider in providers {
            do {
                var credentials = try await provider.credentials()
                credentials.providerName = "\(name)/\(provider.name)"
                return credentials
            } catch {
                failures.append(.init(provider: provider.name, reason: String(describing: error)))
            }
        }
        throw CredentialsError.chainExhausted(failures)
    }
}
