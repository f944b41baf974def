internal import Foundation

/// Credentials from `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (both non-empty) and the
/// optional `ALIBABA_CLOUD_SECURITY_TOKEN`.
///
/// Source: api-notes §4.1 step 1 (`EnvironmentVariableCredentialsProvider`).
///
/// Its reflection mirror lists the variable names it read, never their values.
public struct EnvironmentCredentialsProvider: CredentialsProvider, CustomReflectable {
    /// The AccessKey ID variable.
    public static let accessKeyIdVariable = "ALIBABA_CLOUD_ACCESS_KEY_ID"
    /// The AccessKey secret variable.
    public static let accessKeySecretVariable = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    /// The STS token variable.
    public static let securityTokenVariable = "ALIBABA_CLOUD_SECURITY_TOKEN"

    private let environment: [String: String]

    /// `env`.
    public var name: String { "env" }

    /// Reads the given environment (for tests).
    ///
    /// - Parameter environment: Variable names and values.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Reads the process environment.
    public init() {
        self.init(environment: ProcessInfo.processInfo.environment)
    }

    /// The names of the environment's variables only, so `dump` never reaches a value.
    public var customMirror: Mirror {
        Mirror(self, children: ["variables": environment.keys.sorted()], displayStyle: .struct)
    }

    /// Returns the credentials from the environment, with provider name `env`.
    ///
    /// - Throws: ``CredentialsError/environmentVariablesMissing(_:)`` naming the variables that are unset or empty.
    public func credentials() async throws -> Credentials {
        try load()
    }

    func load() throws(CredentialsError) -> Credentials {
        let id = environment[Self.accessKeyIdVariable] ?? ""
        let secret = environment[Self.accessKeySecretVariable] ?? ""
        var missing: [String] = []
        if id.isEmpty { missing.append(Self.accessKeyIdVariable) }
        if secret.isEmpty { missing.append(Self.accessKeySecretVariable) }
        guard missing.isEmpty else { throw .environmentVariablesMissing(missing) }
        let token = environment[Self.securityTokenVariable].flatMap { $0.isEmpty ? nil : Secret($0) }
        return Credentials(accessKeyId: id, accessKeySecret: Secret(secret), securityToken: token, providerName: name)
    }
}
