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
            "credentials file \(path) section [\(profile)] has type = \(type), which is not supported yet "
                + "(only access_key)"
        case .chainExhausted(let failures):
            "unable to load credentials from any provider in the chain: "
                + failures.map { "\($0.provider): \($0.reason)" }.joined(separator: "; ")
        }
    }
}
