/// The signature algorithm of a request.
///
/// Source: api-notes §1.2 (dispatch), §1.4 (V3), §1.5 (V1).
public enum SignatureVersion: String, Sendable, CaseIterable {
    /// `ACS3-HMAC-SHA256` in the `Authorization` header (the SDK default).
    case v3
    /// `HMAC-SHA1` in the `Signature` query parameter (RPC signature V1).
    case v1
}
