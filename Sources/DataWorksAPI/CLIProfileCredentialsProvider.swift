internal import Foundation

/// Credentials from the Alibaba Cloud CLI's `~/.aliyun/config.json`.
///
/// Skipped (throws ``CredentialsError/disabled(variable:)``) when `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`. The
/// profile is `ALIBABA_CLOUD_PROFILE`, else the file's `current`. Supported `mode`s:
///
/// | `mode` | keys |
/// |---|---|
/// | `AK` | `access_key_id`, `access_key_secret` |
/// | `StsToken` | also `sts_token` |
/// | `RamRoleArn` | also `ram_role_arn`, optional `ram_session_name`, `expired_seconds`, `policy`, `external_id`, `sts_region`, `enable_vpc` |
/// | `EcsRamRole` | optional `ram_role_name` |
/// | `OIDC` | `ram_role_arn`, `oidc_provider_arn`, `oidc_token_file`, optional `role_session_name`, `expired_seconds`, `policy`, `sts_region`, `enable_vpc` |
/// | `ChainableRamRoleArn` | `source_profile` plus the `RamRoleArn` role keys |
///
/// `expired_seconds` of 0 (the CLI's "unset") means 3600; other values below 900 are rejected. The file is read on
/// first use and the resulting provider kept. Credentials carry the name `cli_profile/<inner>`.
///
/// Source: api-notes §4.1 step 3 (`cli_profile.py`).
public struct CLIProfileCredentialsProvider: CredentialsProvider {
    /// The variable that switches this provider off.
    public static let disabledVariable = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"
    /// The variable naming the profile.
    public static let profileVariable = "ALIBABA_CLOUD_PROFILE"

    private let context: CredentialsContext
    private let lazy = LazyProvider()

    /// `cli_profile`.
    public var name: String { "cli_profile" }

    /// Creates the provider; the file is not read yet.
    ///
    /// - Parameter context: The environment, home directory, HTTP client and overrides.
    public init(context: CredentialsContext) {
        self.context = context
    }

    /// `{home}/.aliyun/config.json`.
    ///
    /// - Throws: ``CredentialsError/homeDirectoryUnknown`` without `HOME` or `HOMEPATH`.
    public func path() throws(CredentialsError) -> String {
        guard let home = context.home else { throw .homeDirectoryUnknown }
        return (home.hasSuffix("/") ? home : home + "/") + ".aliyun/config.json"
    }

    /// Reads the file (first time) and returns the profile's credentials.
    ///
    /// - Throws: ``CredentialsError`` naming the file, profile and key when something is missing or invalid, or the
    ///   error of STS or the metadata service.
    public func credentials() async throws -> Credentials {
        if environmentFlag(context.environment, Self.disabledVariable) {
            throw CredentialsError.disabled(variable: Self.disabledVariable)
        }
        let provider = try lazy.provider { try makeProvider() }
        return renamed(try await provider.credentials(), prefix: name)
    }

    struct File: Decodable {
        var current: String?
        var profiles: [Profile]?
    }

    struct Profile: Decodable {
        var name: String?
        var mode: String?
        var accessKeyId: String?
        var accessKeySecret: String?
        var stsToken: String?
        var ramRoleArn: String?
        var ramSessionName: String?
        var roleSessionName: String?
        var expiredSeconds: Int?
        var policy: String?
        var externalId: String?
        var stsRegion: String?
        var enableVpc: Bool?
        var ramRoleName: String?
        var oidcProviderArn: String?
        var oidcTokenFile: String?
        var sourceProfile: String?

        enum CodingKeys: String, CodingKey {
            case name, mode, policy
            case accessKeyId = "access_key_id"
            case accessKeySecret = "access_key_secret"
            case stsToken = "sts_token"
            case ramRoleArn = "ram_role_arn"
            case ramSessionName = "ram_session_name"
            case roleSessionName = "role_session_name"
            case expiredSeconds = "expired_seconds"
            case externalId = "external_id"
            case stsRegion = "sts_region"
            case enableVpc = "enable_vpc"
            case ramRoleName = "ram_role_name"
            case oidcProviderArn = "oidc_provider_arn"
            case oidcTokenFile = "oidc_token_file"
            case sourceProfile = "source_profile"
        }
    }

    func makeProvider() throws(CredentialsError) -> any CredentialsProvider {
        let path = try path()
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileUnreadable(path: path) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw .fileInvalid(path: path, reason: JSONPlace.describe(error))
        }
        guard let name = environmentValue(context.environment, Self.profileVariable) ?? file.current, !name.isEmpty
        else {
            throw .fileInvalid(
                path: path,
                reason: "no profile chosen: current is empty and \(Self.profileVariable) unset"
            )
        }
        return try provider(for: name, in: file, path: path, visited: [])
    }

    private func provider(
        for name: String,
        in file: File,
        path: String,
        visited: [String]
    ) throws(CredentialsError) -> any CredentialsProvider {
        guard !visited.contains(name) else { throw .sourceProfileCycle(path: path, profiles: visited + [name]) }
        guard let profile = file.profiles?.first(where: { $0.name == name }) else {
            throw .fileInvalid(path: path, reason: "no profile named \(name) in profiles")
        }
        func required(_ value: String?, _ key: String) throws(CredentialsError) -> String {
            guard let value, !value.isEmpty else {
                throw .valueInvalid(path: path, profile: name, key: key, reason: "is missing or empty")
            }
            return value
        }
        func parameters(sessionName: String?) throws(CredentialsError) -> AssumeRoleParameters {
            let roleArn = try required(profile.ramRoleArn, "ram_role_arn")
            let seconds = profile.expiredSeconds ?? 0
            do {
                return try AssumeRoleParameters(
                    roleArn: roleArn,
                    roleSessionName: sessionName,
                    durationSeconds: seconds == 0 ? 3600 : seconds,
                    policy: profile.policy,
                    externalId: profile.externalId
                )
            } catch {
                throw .valueInvalid(
                    path: path,
                    profile: name,
                    key: "expired_seconds",
                    reason: "must be 0 (default 3600) or at least 900 seconds, got \(seconds)"
                )
            }
        }
        func accessKey() throws(CredentialsError) -> StaticCredentialsProvider {
            StaticCredentialsProvider(
                accessKeyId: try required(profile.accessKeyId, "access_key_id"),
                accessKeySecret: Secret(try required(profile.accessKeySecret, "access_key_secret"))
            )
        }
        let mode = try required(profile.mode, "mode")
        switch mode {
        case "AK":
            return try accessKey()
        case "StsToken":
            return StaticCredentialsProvider(
                accessKeyId: try required(profile.accessKeyId, "access_key_id"),
                accessKeySecret: Secret(try required(profile.accessKeySecret, "access_key_secret")),
                securityToken: Secret(try required(profile.stsToken, "sts_token"))
            )
        case "RamRoleArn", "ChainableRamRoleArn":
            let source: any CredentialsProvider
            if mode == "RamRoleArn" {
                source = try accessKey()
            } else {
                let sourceName = try required(profile.sourceProfile, "source_profile")
                source = try provider(for: sourceName, in: file, path: path, visited: visited + [name])
            }
            return RAMRoleARNCredentialsProvider(
                source: source,
                parameters: try parameters(sessionName: profile.ramSessionName),
                stsEndpoint: context.stsEndpoint(region: profile.stsRegion, vpc: profile.enableVpc),
                httpClient: context.httpClient,
                policy: context.refreshPolicy,
                logger: context.logger
            )
        case "EcsRamRole":
            return context.ecsProvider(roleName: profile.ramRoleName)
        case "OIDC":
            let parameters = try parameters(sessionName: profile.roleSessionName)
            return OIDCRoleARNCredentialsProvider(
                parameters: parameters,
                oidcProviderArn: try required(profile.oidcProviderArn, "oidc_provider_arn"),
                tokenFile: try required(profile.oidcTokenFile, "oidc_token_file"),
                stsEndpoint: context.stsEndpoint(region: profile.stsRegion, vpc: profile.enableVpc),
                httpClient: context.httpClient,
                policy: context.refreshPolicy,
                logger: context.logger
            )
        default:
            throw .modeNotSupported(path: path, profile: name, mode: mode)
        }
    }
}
