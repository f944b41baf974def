/// Fixed credentials, e.g. from a configuration file or tests.
///
/// Source: api-notes §4 (`static_ak` / `static_sts` provider names).
public struct StaticCredentialsProvider: CredentialsProvider {
    /// The credentials returned on every call.
    public let fixedCredentials: Credentials

    /// `static_sts` when a security token is present, else `static_ak`.
    public var name: String { fixedCredentials.providerName }

    /// Wraps an AccessKey pair and optional STS token.
    ///
    /// - Parameters:
    ///   - accessKeyId: The AccessKey ID.
    ///   - accessKeySecret: The AccessKey secret.
    ///   - securityToken: The STS token, or `nil`.
    public init(accessKeyId: String, accessKeySecret: Secret, securityToken: Secret? = nil) {
        fixedCredentials = Credentials(
            accessKeyId: accessKeyId,
            accessKeySecret: accessKeySecret,
            securityToken: securityToken,
            providerName: securityToken == nil ? "static_ak" : "static_sts"
        )
    }

    /// Returns the fixed credentials.
    public func credentials() async throws -> Credentials { fixedCredentials }
}
