/// An AccessKey pair, with a security token for STS credentials.
///
/// The textual forms show the AccessKey ID and the provider name only; the secret and the token render as
/// `<secret>`.
///
/// Source: api-notes §4 (credentials), §1.3 (`x-acs-credentials-provider`, `x-acs-security-token`).
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The AccessKey ID (not secret; it appears in `Authorization`).
    public var accessKeyId: String
    /// The AccessKey secret.
    public var accessKeySecret: Secret
    /// The STS security token, sent as `x-acs-security-token` (V3) or `SecurityToken` (V1).
    public var securityToken: Secret?
    /// The provider that produced these, for logs and `x-acs-credentials-provider`, e.g. `default/env`.
    public var providerName: String

    /// Creates credentials.
    ///
    /// - Parameters:
    ///   - accessKeyId: The AccessKey ID.
    ///   - accessKeySecret: The AccessKey secret.
    ///   - securityToken: The STS security token, or `nil` for a long-term AccessKey.
    ///   - providerName: The provider name, e.g. `static_ak` or `default/env`.
    public init(accessKeyId: String, accessKeySecret: Secret, securityToken: Secret? = nil, providerName: String) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.providerName = providerName
    }

    /// Whether these are STS credentials (a security token is present).
    public var isSTS: Bool { securityToken != nil }

    /// `Credentials(accessKeyId: …, provider: …, sts: true|false)`; never the secret or the token.
    public var description: String {
        "Credentials(accessKeyId: \(accessKeyId), provider: \(providerName), sts: \(isSTS))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}
