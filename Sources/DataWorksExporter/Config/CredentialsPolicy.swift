import CurlClient
public import DataWorksAPI
import Foundation
public import Logging

extension ExporterConfig {
    /// Where the exporter's AccessKeys come from: the `dataworks.access_key_id_file` and `access_key_secret_file` pair
    /// when set, otherwise the Alibaba Cloud default credentials chain (environment, profile files, OIDC, ECS RAM role),
    /// with its own small libcurl client for the credential endpoints.
    ///
    /// - Parameters:
    ///   - environment: The environment the chain reads; the process's by default.
    ///   - logger: Receives the chain's refresh failures.
    /// - Throws: `CredentialsError` when a file of the pair cannot be read, `TransportError` when libcurl cannot
    ///   start.
    public func credentialsProvider(
        environment: [String: String]? = nil,
        logger: Logger
    ) throws -> any CredentialsProvider {
        if let files = dataworks.credentialFiles {
            return try FileCredentialsProvider(
                accessKeyIdFile: files.accessKeyIdFile,
                accessKeySecretFile: files.accessKeySecretFile
            )
        }
        let context = CredentialsContext(
            environment: environment ?? ProcessInfo.processInfo.environment,
            httpClient: try CurlHTTPClient(configuration: .init(maxConcurrentTransfers: 2)),
            logger: logger
        )
        return DefaultCredentialsChain(context: context)
    }
}

extension CredentialsProvider {
    /// Asks the provider once so that the provider chosen by a chain is known (and logged) at start.
    ///
    /// - Returns: The name of the provider that produced credentials (e.g. `default/env`), or the provider's own name
    ///   when it failed; a failure is logged as a warning (the error text names variables and files, never values)
    ///   and scrapes will report it until credentials appear.
    public func resolvedName(logger: Logger) async -> String {
        do {
            return try await credentials().providerName
        } catch {
            logger.warning("no credentials yet", metadata: ["provider": "\(name)", "error": "\(error)"])
            return name
        }
    }
}
