public import CurlClient
public import Logging

/// Credentials of the ECS instance's RAM role, from the instance metadata service (IMDS).
///
/// One fetch:
/// 1. IMDSv2 token: `PUT {base}/latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds: 21600`.
/// 2. Role name: the configured one (`ALIBABA_CLOUD_ECS_METADATA`), else
///    `GET {base}/latest/meta-data/ram/security-credentials/`.
/// 3. `GET {base}/latest/meta-data/ram/security-credentials/<role>`, JSON with `Code == "Success"`, `AccessKeyId`,
///    `AccessKeySecret`, `SecurityToken`, `Expiration`.
///
/// Requests 2 and 3 carry `X-aliyun-ecs-metadata-token` when a token was obtained. IMDSv1 fallback: when the token
/// request fails, or a request with the token fails, it is made again without a token, unless IMDSv1 is disabled
/// (`ALIBABA_CLOUD_IMDSV1_DISABLED=true`), in which case the failure is thrown. Each request has a 1 s connect timeout
/// and 2 s in all (1 s connect + 1 s read). When ``Options/disabled`` is set (`ALIBABA_CLOUD_ECS_METADATA_DISABLED`),
/// no request is ever made. Credentials are refreshed 15 minutes before they expire.
///
/// Source: api-notes §4.2 (`ecs_ram_role.py`).
public struct ECSRAMRoleCredentialsProvider: CredentialsProvider {
    /// The metadata service of every ECS instance.
    public static let defaultMetadataBaseURL = "http://100.100.100.200"
    /// The role name variable.
    public static let roleNameVariable = "ALIBABA_CLOUD_ECS_METADATA"
    /// The variable that switches the metadata service off.
    public static let disabledVariable = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
    /// The variable that forbids requests without an IMDSv2 token.
    public static let imdsV1DisabledVariable = "ALIBABA_CLOUD_IMDSV1_DISABLED"
    /// The exporter's variable that points the provider at another metadata service base URL (a metadata proxy or
    /// sidecar, or a stand-in), e.g. `http://127.0.0.1:8100`; not an Alibaba Cloud SDK variable.
    public static let metadataURLVariable = "DATAWORKS_EXPORTER_ECS_METADATA_URL"

    /// How the metadata service is reached.
    public struct Options: Sendable {
        /// The RAM role name; `nil` asks the metadata service.
        public var roleName: String?
        /// The metadata service base URL, without a trailing slash. Default `http://100.100.100.200`; tests point it
        /// at a loopback fake.
        public var metadataBaseURL: String
        /// Whether requests without a token are forbidden.
        public var imdsV1Disabled: Bool
        /// Whether the metadata service must not be contacted at all (every fetch throws
        /// ``CredentialsError/disabled(variable:)``).
        public var disabled: Bool

        /// Creates options.
        public init(
            roleName: String? = nil,
            metadataBaseURL: String = ECSRAMRoleCredentialsProvider.defaultMetadataBaseURL,
            imdsV1Disabled: Bool = false,
            disabled: Bool = false
        ) {
            self.roleName = roleName.flatMap { $0.isEmpty ? nil : $0 }
            self.metadataBaseURL = metadataBaseURL.hasSuffix("/") ? String(metadataBaseURL.dropLast()) : metadataBaseURL
            self.imdsV1Disabled = imdsV1Disabled
            self.disabled = disabled
        }

        /// Options from `ALIBABA_CLOUD_ECS_METADATA`, `ALIBABA_CLOUD_IMDSV1_DISABLED`,
        /// `ALIBABA_CLOUD_ECS_METADATA_DISABLED` and `DATAWORKS_EXPORTER_ECS_METADATA_URL`.
        ///
        /// - Parameters:
        ///   - environment: The variables.
        ///   - roleName: A role name that wins over `ALIBABA_CLOUD_ECS_METADATA` (from a profile).
        ///   - metadataBaseURL: The base URL; `nil` means `DATAWORKS_EXPORTER_ECS_METADATA_URL`, else
        ///     `http://100.100.100.200`.
        public static func fromEnvironment(
            _ environment: [String: String],
            roleName: String? = nil,
            metadataBaseURL: String? = nil
        ) -> Options {
            Options(
                roleName: roleName.flatMap { $0.isEmpty ? nil : $0 } ?? environmentValue(environment, roleNameVariable),
                metadataBaseURL: metadataBaseURL ?? environmentValue(environment, metadataURLVariable)
                    ?? ECSRAMRoleCredentialsProvider.defaultMetadataBaseURL,
                imdsV1Disabled: environmentFlag(environment, imdsV1DisabledVariable),
                disabled: environmentFlag(environment, disabledVariable)
            )
        }
    }

    /// `ecs_ram_role`.
    public var name: String { "ecs_ram_role" }
    private let cache: RefreshingCredentialsProvider

    /// Creates the provider; nothing is sent until the first ``credentials()``.
    ///
    /// - Parameters:
    ///   - options: Role name, base URL, IMDSv1 and disabled flags.
    ///   - httpClient: The libcurl client.
    ///   - policy: Refresh margin and clock.
    ///   - logger: Receives refresh events and IMDSv1 fallbacks (never values).
    public init(
        options: Options,
        httpClient: any HTTPTransport,
        policy: RefreshPolicy = RefreshPolicy(),
        logger: Logger
    ) {
        let fetcher = MetadataFetcher(
            options: options,
            http: CredentialsHTTP(client: httpClient, provider: "ecs_ram_role", bypassesProxy: true),
            logger: logger
        )
        cache = RefreshingCredentialsProvider(name: "ecs_ram_role", policy: policy, logger: logger) {
            try await fetcher.fetch()
        }
    }

    /// Returns the role's credentials, asking the metadata service when due.
    ///
    /// - Throws: ``CredentialsError`` (`disabled`, `requestFailed`, `requestRejected`, `responseInvalid`) when no
    ///   unexpired credentials are cached.
    public func credentials() async throws -> Credentials {
        try await cache.credentials()
    }
}

private struct MetadataFetcher: Sendable {
    let options: ECSRAMRoleCredentialsProvider.Options
    let http: CredentialsHTTP
    let logger: Logger

    static let credentialsPath = "/latest/meta-data/ram/security-credentials/"

    func fetch() async throws -> ExpiringCredentials {
        guard !options.disabled else {
            throw CredentialsError.disabled(variable: ECSRAMRoleCredentialsProvider.disabledVariable)
        }
        let token = try await metadataToken()
        let roleName: String
        if let configured = options.roleName {
            roleName = configured
        } else {
            let response = try await get(Self.credentialsPath, token: token)
            roleName = String(decoding: response.body, as: UTF8.self).trimmingWhitespace()
            guard !roleName.isEmpty else {
                throw CredentialsError.responseInvalid(
                    provider: http.provider,
                    endpoint: options.metadataBaseURL + Self.credentialsPath,
                    reason: "no RAM role is attached to the instance"
                )
            }
        }
        let path = Self.credentialsPath + PercentEncoding.pct(roleName)
        let response = try await get(path, token: token)
        let display = options.metadataBaseURL + path
        return try http.successfulTemporaryCredentials(from: response, display: display, providerName: "ecs_ram_role")
    }

    /// The IMDSv2 token, or `nil` to go on with IMDSv1.
    private func metadataToken() async throws -> Secret? {
        let display = options.metadataBaseURL + "/latest/api/token"
        do {
            let response = try await http.send(
                method: "PUT",
                display,
                display: display,
                headers: [HTTPHeader(name: "X-aliyun-ecs-metadata-token-ttl-seconds", value: "21600")],
                connectTimeout: .seconds(1),
                timeout: .seconds(2)
            )
            let token = String(decoding: response.body, as: UTF8.self).trimmingWhitespace()
            guard response.status == 200, !token.isEmpty else {
                throw CredentialsError.requestRejected(
                    provider: http.provider,
                    endpoint: display,
                    status: response.status,
                    code: nil,
                    requestId: nil
                )
            }
            return Secret(token)
        } catch let error as CredentialsError {
            if options.imdsV1Disabled { throw error }
            logger.debug(
                "IMDSv2 token unavailable, falling back to IMDSv1",
                metadata: ["provider": "\(http.provider)", "error": "\(error)"]
            )
            return nil
        }
    }

    /// A 200 response for `path`, with the token when there is one and without it as the IMDSv1 fallback.
    private func get(_ path: String, token: Secret?) async throws -> HTTPResponse {
        let display = options.metadataBaseURL + path
        func attempt(_ token: Secret?) async throws -> HTTPResponse {
            let response = try await http.send(
                display,
                display: display,
                headers: token.map { [HTTPHeader(name: "X-aliyun-ecs-metadata-token", value: $0.value)] } ?? [],
                connectTimeout: .seconds(1),
                timeout: .seconds(2)
            )
            guard response.status == 200 else {
                throw CredentialsError.requestRejected(
                    provider: http.provider,
                    endpoint: display,
                    status: response.status,
                    code: nil,
                    requestId: nil
                )
            }
            return response
        }
        guard let token else { return try await attempt(nil) }
        do {
            return try await attempt(token)
        } catch let error as CredentialsError {
            if options.imdsV1Disabled { throw error }
            logger.debug(
                "IMDSv2 request failed, retrying with IMDSv1",
                metadata: ["provider": "\(http.provider)", "error": "\(error)"]
            )
            return try await attempt(nil)
        }
    }
}
