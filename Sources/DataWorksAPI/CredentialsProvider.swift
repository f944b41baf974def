/// A source of credentials for signing.
///
/// Source: api-notes §4 (credential providers and the default chain).
public protocol CredentialsProvider: Sendable {
    /// A short name for logs and `x-acs-credentials-provider`, e.g. `env`, `profile`, `static_ak`.
    var name: String { get }

    /// Returns the current credentials.
    ///
    /// - Throws: ``CredentialsError`` when this provider has no usable credentials. Error text never contains a
    ///   secret value.
    func credentials() async throws -> Credentials
}

/// Why credentials could not be loaded. The text names variables, files, sections and keys, never values.
///
/// Source: api-notes §4.1.
public enum CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Required environment variables are not set or empty (their names are listed).
    case environmentVariablesMissing([String])
    /// No home directory is known to find `~/.alibabacloud/credentials.ini`.
    case homeDirectoryUnknown
    /// The credentials file does not exist.
    case fileNotFound(path: String)
    /// The credentials file exists but cannot be read as UTF-8 text.
    case fileUnreadable(path: String)
    /// The file has no such section.
    case profileNotFound(path: String, profile: String)
    /// The section lacks a key (or it is empty).
    case keyMissing(path: String, profile: String, key: String)
    /// The section's `type` is not handled by this version.
    case typeNotSupported(path: String, profile: String, type: String)
    /// Every provider of a chain failed; one `(provider name, reason)` per provider, in order.
    case chainExhausted([ProviderFailure])
    /// The provider is switched off by an environment variable (its name is given), e.g.
    /// `ALIBABA_CLOUD_ECS_METADATA_DISABLED`.
    case disabled(variable: String)
    /// A configuration file (e.g. `~/.aliyun/config.json`) is not in the expected shape; `reason` names the place
    /// (a JSON path such as `profiles[1].expired_seconds`), never a value.
    case fileInvalid(path: String, reason: String)
    /// A profile's value is present but unusable (e.g. `expired_seconds` below 900); `reason` never quotes secrets.
    case valueInvalid(path: String, profile: String, key: String, reason: String)
    /// A `~/.aliyun/config.json` profile's `mode` is not handled (e.g. `CloudSSO`).
    case modeNotSupported(path: String, profile: String, mode: String)
    /// `ChainableRamRoleArn` profiles refer to each other in a loop (the profile names in order).
    case sourceProfileCycle(path: String, profiles: [String])
    /// A programmatic argument is invalid, e.g. `DurationSeconds` below 900.
    case argumentInvalid(name: String, reason: String)
    /// The OIDC token file cannot be read or is empty.
    case tokenFileUnreadable(path: String)
    /// No response from a credentials endpoint (connect, timeout, TLS, ...). `endpoint` never holds a query.
    case requestFailed(provider: String, endpoint: String, reason: String)
    /// A credentials endpoint answered with an error: HTTP status and, when the body has them, the error `Code` and
    /// `RequestId` (STS), never the body itself.
    case requestRejected(provider: String, endpoint: String, status: Int, code: String?, requestId: String?)
    /// A credentials endpoint answered 200 with a body that lacks a field or has `Code` other than `Success`.
    case responseInvalid(provider: String, endpoint: String, reason: String)

    /// One provider's failure in a chain.
    public struct ProviderFailure: Sendable, Equatable {
        /// The provider name, e.g. `env`.
        public var provider: String
        /// Why it failed, from the provider's error description.
        public var reason: String

        /// Creates a failure record.
        public init(provider: String, reason: String) {
            self.provider = provider
            self.reason = reason
        }
    }

    /// A one-line explanation without secret values.
    public var description: String {
        switch self {
        case .environmentVariablesMissing(let names):
            "environment variables not set or empty: \(names.joined(separator: ", "))"
        case .homeDirectoryUnknown:
            "no home directory (HOME is not set) to find .alibabacloud/credentials.ini"
        case .fileNotFound(let path):
            "credentials file \(path) does not exist"
        case .fileUnreadable(let path):
            "credentials file \(path) cannot be read as UTF-8 text"
        case .profileNotFound(let path, let profile):
            "credentials file \(path) has no [\(profile)] section"
        case .keyMissing(let path, let profile, let key):
            "credentials file \(path) section [\(profile)] has no non-empty \(key)"
        case .typeNotSupported(let path, let profile, let type):
            "credentials file \(path) section [\(profile)] has type = \(type), which is not supported "
                + "(supported: access_key, ram_role_arn, oidc_role_arn, ecs_ram_role)"
        case .chainExhausted(let failures):
            "unable to load credentials from any provider in the chain: "
                + failures.map { "\($0.provider): \($0.reason)" }.joined(separator: "; ")
        case .disabled(let variable):
            "disabled by \(variable)=true"
        case .fileInvalid(let path, let reason):
            "configuration file \(path) is invalid: \(reason)"
        case .valueInvalid(let path, let profile, let key, let reason):
            "configuration file \(path) profile \(profile): \(key) \(reason)"
        case .modeNotSupported(let path, let profile, let mode):
            "configuration file \(path) profile \(profile) has mode \(mode), which is not supported "
                + "(supported: AK, StsToken, RamRoleArn, EcsRamRole, OIDC, ChainableRamRoleArn)"
        case .sourceProfileCycle(let path, let profiles):
            "configuration file \(path): source_profile loop \(profiles.joined(separator: " -> "))"
        case .argumentInvalid(let name, let reason):
            "\(name) \(reason)"
        case .tokenFileUnreadable(let path):
            "OIDC token file \(path) cannot be read or is empty"
        case .requestFailed(let provider, let endpoint, let reason):
            "\(provider): no response from \(endpoint): \(reason)"
        case .requestRejected(let provider, let endpoint, let status, let code, let requestId):
            "\(provider): \(endpoint) answered HTTP \(status)"
                + (code.map { " code \($0)" } ?? "") + (requestId.map { " request_id \($0)" } ?? "")
        case .responseInvalid(let provider, let endpoint, let reason):
            "\(provider): unusable answer from \(endpoint): \(reason)"
        }
    }
}
