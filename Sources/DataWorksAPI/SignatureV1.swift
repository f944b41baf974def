internal import Crypto

/// RPC signature V1 (`HMAC-SHA1` in the `Signature` query parameter), as pure functions over values.
///
/// Source: api-notes §1.5.
public enum SignatureV1 {
    /// The `SignatureMethod` value.
    public static let signatureMethod = "HMAC-SHA1"
    /// The `SignatureVersion` value.
    public static let signatureVersion = "1.0"

    /// Every intermediate of one V1 signature.
    public struct Components: Sendable, Equatable {
        /// `pct(key)=pct(value)` for every signed parameter, sorted by key, joined with `&`.
        public var canonicalizedQueryString: String
        /// `METHOD&%2F&` + `pct(canonicalizedQueryString)`.
        public var stringToSign: String
        /// Base64 of HMAC-SHA1 over the string to sign, keyed with `AccessKeySecret + "&"`.
        public var signature: String
    }

    /// The canonicalized query string over `parameters` (query ∪ body, without `Signature`).
    ///
    /// - Parameter parameters: Decoded parameter names and values.
    /// - Returns: Sorted `pct(key)=pct(value)` pairs joined with `&`.
    public static func canonicalizedQueryString(_ parameters: [String: String]) -> String {
        sortedByCodePoint(parameters)
            .map { PercentEncoding.pct($0.key) + "=" + PercentEncoding.pct($0.value) }
            .joined(separator: "&")
    }

    /// Signs the parameter set.
    ///
    /// - Parameters:
    ///   - method: The HTTP method, e.g. `POST`.
    ///   - parameters: Every signed parameter: the common query parameters (without `Signature`) and the API
    ///     parameters from the body.
    ///   - accessKeySecret: The AccessKey secret; the HMAC key is the secret followed by `&`.
    /// - Returns: The canonicalized query string, the string to sign and the Base64 signature.
    public static func sign(method: String, parameters: [String: String], accessKeySecret: Secret) -> Components {
        let canonical = canonicalizedQueryString(parameters)
        let stringToSign = method + "&" + PercentEncoding.pct("/") + "&" + PercentEncoding.pct(canonical)
        let key = SymmetricKey(data: Array((accessKeySecret.value + "&").utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return Components(
            canonicalizedQueryString: canonical,
            stringToSign: stringToSign,
            signature: base64(Array(mac))
        )
    }
}

private let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

/// Standard Base64 with `=` padding.
func base64(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
        let b0 = bytes[index]
        let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
        let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
        out.append(base64Alphabet[Int(b0 >> 2)])
        out.append(base64Alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
        out.append(index + 1 < bytes.count ? base64Alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
        out.append(index + 2 < bytes.count ? base64Alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
        index += 3
    }
    return String(decoding: out, as: UTF8.self)
}
