// Interface sketch for the skeleton; each declaration moves to its own file when implemented.

/// A secret string (AccessKey secret, security token) whose description never shows the value.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret value; read it only to sign.
    public let value: String
    /// Wraps a value.
    public init(_ value: String) { self.value = value }
    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}

/// An AccessKey pair, with a security token for STS credentials.
public struct Credentials: Sendable, Hashable {
    /// The AccessKey ID (not secret; it appears in `Authorization`).
    public var accessKeyId: String
    /// The AccessKey secret.
    public var accessKeySecret: Secret
    /// The STS security token, sent as `x-acs-security-token` (V3) or `SecurityToken` (V1).
    public var securityToken: Secret?
    /// The provider that produced these, for logs and `x-acs-credentials-provider`, e.g. `default/env`.
    public var providerName: String

    /// Creates credentials.
    public init(accessKeyId: String, accessKeySecret: Secret, securityToken: Secret? = nil, providerName: String) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.providerName = providerName
    }
}

/// The signature algorithm of a request.
public enum SignatureVersion: String, Sendable, CaseIterable {
    /// `ACS3-HMAC-SHA256` in the `Authorization` header (the SDK default).
    case v3
    /// `HMAC-SHA1` in the `Signature` query parameter (RPC signature V1).
    case v1
}
