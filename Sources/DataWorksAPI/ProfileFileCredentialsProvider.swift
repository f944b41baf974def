internal import Foundation

/// Credentials from the INI file `~/.alibabacloud/credentials.ini`.
///
/// The path is `ALIBABA_CLOUD_CREDENTIALS_FILE` when set (a leading `~/` is expanded), else
/// `{home}/.alibabacloud/credentials.ini`. The section is `ALIBABA_CLOUD_PROFILE` when set, else `default`. Its
/// `type` is one of:
///
/// | `type` | keys |
/// |---|---|
/// | `access_key` | `access_key_id`, `access_key_secret` |
/// | `ram_role_arn` | `access_key_id`, `access_key_secret`, `role_arn`, optional `role_session_name`, `policy` |
/// | `oidc_role_arn` | `role_arn`, `oidc_provider_arn`, `oidc_token_file_path`, optional `role_session_name`, `policy` |
/// | `ecs_ram_role` | optional `role_name` |
///
/// Other types (`rsa_key_pair`) throw ``CredentialsError/typeNotSupported(path:profile:type:)``. Lines starting with
/// `#` or `;` and inline `#`/`;` comments are ignored, so values cannot contain those characters. The file is read
/// on first use; once it yields a provider, that provider (and its cached temporary credentials) is kept. Credentials
/// carry the provider name `profile/<inner>`, e.g. `profile/static_ak` or `profile/ram_role_arn/static_ak`.
///
/// Source: api-notes §4.1 step 4 (`ProfileCredentialsProvider`).
public struct ProfileFileCredentialsProvider: CredentialsProvider {
    /// The variable naming the file.
    public static let fileVariable = "ALIBABA_CLOUD_CREDENTIALS_FILE"
    /// The variable naming the section.
    public static let profileVariable = "ALIBABA_CLOUD_PROFILE"

    private let context: CredentialsContext
    private let lazy = LazyProvider()

    /// `profile`.
    public var name: String { "profile" }

    /// Creates the provider; the file is not read yet.
    ///
    /// - Parameter context: The environment (`ALIBABA_CLOUD_CREDENTIALS_FILE`, `ALIBABA_CLOUD_PROFILE`, `HOME`), home
    ///   directory, HTTP client and overrides for the role types.
    public init(context: CredentialsContext) {
        self.context = context
    }

    /// The section name that will be read.
    public var profile: String {
        environmentValue(context.environment, Self.profileVariable) ?? "default"
    }

    /// The file path that will be read.
    ///
    /// - Throws: ``CredentialsError/homeDirectoryUnknown`` when neither the variable nor a home directory is set.
    public func path() throws(CredentialsError) -> String {
        let home = context.home
        if let file = environmentValue(context.environment, Self.fileVariable) {
            if file.hasPrefix("~/"), let home { return home + String(file.dropFirst(1)) }
            return file
        }
        guard let home else { throw .homeDirectoryUnknown }
        return (home.hasSuffix("/") ? home : home + "/") + ".alibabacloud/credentials.ini"
    }

    /// Reads the file (first time) and returns the section's credentials.
    ///
    /// - Throws: ``CredentialsError`` when the file, section or a key is missing, a value or the type is not
    ///   supported, or (role types) STS or the metadata service fails.
    public func credentials() async throws -> Credentials {
        let provider = try lazy.provider { try makeProvider() }
        return renamed(try await provider.credentials(), prefix: name)
    }

    func makeProvider() throws(CredentialsError) -> any CredentialsProvider {
        let path = try path()
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(bytes: data, encoding: .utf8)
        else { throw .fileUnreadable(path: path) }
        let profile = profile
        guard let section = Self.parseINI(text)[profile] else { throw .profileNotFound(path: path, profile: profile) }
        func required(_ key: String) throws(CredentialsError) -> String {
            guard let value = section[key], !value.isEmpty else {
                throw .keyMissing(path: path, profile: profile, key: key)
            }
            return value
        }
        func parameters() throws(CredentialsError) -> AssumeRoleParameters {
            let roleArn = try required("role_arn")
            do {
                return try AssumeRoleParameters(
                    roleArn: roleArn,
                    roleSessionName: section["role_session_name"],
                    policy: section["policy"]
                )
            } catch {
                throw .valueInvalid(path: path, profile: profile, key: "role_arn", reason: error.description)
            }
        }
        let type = try required("type")
        switch type {
        case "access_key":
            return StaticCredentialsProvider(
                accessKeyId: try required("access_key_id"),
                accessKeySecret: Secret(try required("access_key_secret"))
            )
        case "ram_role_arn":
            let source = StaticCredentialsProvider(
                accessKeyId: try required("access_key_id"),
                accessKeySecret: Secret(try required("access_key_secret"))
            )
            return RAMRoleARNCredentialsProvider(
                source: source,
                parameters: try parameters(),
                stsEndpoint: context.stsEndpoint(region: nil, vpc: nil),
                httpClient: context.httpClient,
                policy: context.refreshPolicy,
                logger: context.logger
            )
        case "oidc_role_arn":
            let parameters = try parameters()
            return OIDCRoleARNCredentialsProvider(
                parameters: parameters,
                oidcProviderArn: try required("oidc_provider_arn"),
                tokenFile: try required("oidc_token_file_path"),
                stsEndpoint: context.stsEndpoint(region: nil, vpc: nil),
                httpClient: context.httpClient,
                policy: context.refreshPolicy,
                logger: context.logger
            )
        case "ecs_ram_role":
            return context.ecsProvider(roleName: section["role_name"])
        default:
            throw .typeNotSupported(path: path, profile: profile, type: type)
        }
    }

    /// Parses INI text into `[section: [key: value]]`; keys are lower-cased, values trimmed, comments dropped.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(
            omittingEmptySubsequences: true,
            whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        ) {
            var line = Substring(rawLine)
            if let comment = line.firstIndex(where: { $0 == "#" || $0 == ";" }) {
                line = line[..<comment]
            }
            let trimmed = String(line).trimmingWhitespace()
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                let name = String(trimmed.dropFirst().dropLast()).trimmingWhitespace()
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(trimmed[..<separator]).trimmingWhitespace().lowercased()
            let value = String(trimmed[trimmed.index(after: separator)...]).trimmingWhitespace()
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
