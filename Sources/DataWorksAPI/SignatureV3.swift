internal import Crypto
public import CurlClient

/// ACS3-HMAC-SHA256 (signature V3), the SDK's default signature, as pure functions over values.
///
/// Source: api-notes §1.4 (algorithm), §1.3 (headers the SDK sends and signs).
public enum SignatureV3 {
    /// The algorithm name written at the start of `Authorization` and of the string to sign.
    public static let algorithm = "ACS3-HMAC-SHA256"

    /// Every intermediate of one V3 signature, for tests and for error messages.
    public struct Components: Sendable, Equatable {
        /// `key=pct(value)` pairs sorted by key, joined with `&`; empty when there is no query.
        public var canonicalQueryString: String
        /// `name:value\n` for every signed header, names lower-cased and sorted (ends with `\n`).
        public var canonicalHeaders: String
        /// The signed header names, lower-cased, sorted, joined with `;`.
        public var signedHeaders: String
        /// Lowercase hex SHA-256 of the body bytes.
        public var hashedRequestPayload: String
        /// `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nHASH` (with the empty line after the headers).
        public var canonicalRequest: String
        /// `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
        public var stringToSign: String
        /// Lowercase hex HMAC-SHA256 of the string to sign, keyed with the AccessKey secret.
        public var signature: String
        /// `ACS3-HMAC-SHA256 Credential={AccessKeyId},SignedHeaders={signedHeaders},Signature={signature}`.
        public var authorization: String
    }

    /// The canonical query string: keys sorted by code point (not encoded, as in the SDK), values ``PercentEncoding/pct(_:)``-encoded,
    /// `key=value` pairs joined with `&`.
    ///
    /// - Parameter query: The query parameters, decoded.
    /// - Returns: The canonical query string; empty for no parameters.
    public static func canonicalQueryString(_ query: [String: String]) -> String {
        sortedByCodePoint(query).map { $0.key + "=" + PercentEncoding.pct($0.value) }.joined(separator: "&")
    }

    /// The canonical headers and signed header list for `headers`.
    ///
    /// Every header except `Authorization` is signed, as the SDK does. Names are lower-cased; values are trimmed; a
    /// name that occurs more than once gets its values sorted and joined with `,`.
    ///
    /// - Parameter headers: The headers to sign, in any order and case.
    /// - Returns: The canonical header block (each line ending in `\n`) and the `;`-joined signed header names.
    public static func canonicalHeaders(_ headers: [HTTPHeader]) -> (canonical: String, signed: String) {
        // One sorted array instead of a dictionary of arrays: sorted by name, then value, so that the values of a
        // repeated name come out adjacent and in order.
        var entries: [(name: String, value: String)] = []
        entries.reserveCapacity(headers.count)
        var length = 0
        for header in headers {
            let name = header.name.lowercased()
            if name == "authorization" { continue }
            let value = trimmedHeaderValue(header.value)
            length += name.utf8.count + value.utf8.count + 2
            entries.append((name, value))
        }
        entries.sort { lhs, rhs in
            lhs.name == rhs.name ? codePointLess(lhs.value, rhs.value) : codePointLess(lhs.name, rhs.name)
        }
        // Written as bytes, each text made once.
        var canonical: [UInt8] = []
        var signed: [UInt8] = []
        canonical.reserveCapacity(length)
        signed.reserveCapacity(length)
        for (index, entry) in entries.enumerated() {
            if index > 0 && entries[index - 1].name == entry.name {
                // The same name again: its value joins the line with `,`, before the line's `\n`.
                canonical[canonical.count - 1] = UInt8(ascii: ",")
            } else {
                if !signed.isEmpty { signed.append(UInt8(ascii: ";")) }
                signed.append(contentsOf: entry.name.utf8)
                canonical.append(contentsOf: entry.name.utf8)
                canonical.append(UInt8(ascii: ":"))
            }
            canonical.append(contentsOf: entry.value.utf8)
            canonical.append(UInt8(ascii: "\n"))
        }
        return (String(decoding: canonical, as: UTF8.self), String(decoding: signed, as: UTF8.self))
    }

    /// `value` without the spaces, tabs, CRs and LFs around it; the same string, not a copy, when there are none.
    private static func trimmedHeaderValue(_ value: String) -> String {
        let isSpace = { (byte: UInt8) in
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
        }
        let bytes = value.utf8
        guard let first = bytes.first, let last = bytes.last, isSpace(first) || isSpace(last) else {
            return value
        }
        return value.trimmingWhitespace()
    }

    /// Lowercase hex SHA-256 of `bytes` (the `x-acs-content-sha256` value for a body).
    ///
    /// - Parameter bytes: Any bytes; the empty body gives `e3b0c442…b855`.
    public static func hexSHA256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - method: The HTTP method, e.g. `POST`.
    ///   - path: The canonical URI; `/` for DataWorks (RPC style).
    ///   - query: The query parameters (decoded); empty for the SDK's POST form requests.
    ///   - headers: All headers to be sent except `Authorization`; every one is signed.
    ///   - body: The exact body bytes.
    ///   - accessKeyId: The AccessKey ID written as `Credential`.
    ///   - accessKeySecret: The HMAC key.
    /// - Returns: Every intermediate and the `Authorization` value.
    public static func sign(
        method: String,
        path: String = "/",
        query: [String: String] = [:],
        headers: [HTTPHeader],
        body: [UInt8],
        accessKeyId: String,
        accessKeySecret: Secret
    ) -> Components {
        sign(
            method: method,
            path: path,
            query: query,
            headers: headers,
            payloadHash: hexSHA256(body),
            accessKeyId: accessKeyId,
            accessKeySecret: accessKeySecret
        )
    }

    /// ``sign(method:path:query:headers:body:accessKeyId:accessKeySecret:)`` with the body's hex SHA-256 already
    /// computed (``SignedRequestBuilder`` sends it as `x-acs-content-sha256` too).
    static func sign(
        method: String,
        path: String,
        query: [String: String],
        headers: [HTTPHeader],
        payloadHash: String,
        accessKeyId: String,
        accessKeySecret: Secret
    ) -> Components {
        let canonicalQuery = canonicalQueryString(query)
        let (canonical, signed) = canonicalHeaders(headers)
        var requestBytes: [UInt8] = []
        requestBytes.reserveCapacity(
            method.utf8.count + path.utf8.count + canonicalQuery.utf8.count + canonical.utf8.count
                + signed.utf8.count + payloadHash.utf8.count + 5
        )
        for (index, part) in [method, path, canonicalQuery, canonical, signed, payloadHash].enumerated() {
            if index > 0 { requestBytes.append(UInt8(ascii: "\n")) }
            requestBytes.append(contentsOf: part.utf8)
        }
        let canonicalRequest = String(decoding: requestBytes, as: UTF8.self)
        let stringToSign = algorithm + "\n" + hexSHA256(requestBytes)
        let key = SymmetricKey(data: Array(accessKeySecret.value.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        let signature = hex(mac)
        let authorization = "\(algorithm) Credential=\(accessKeyId),SignedHeaders=\(signed),Signature=\(signature)"
        return Components(
            canonicalQueryString: canonicalQuery,
            canonicalHeaders: canonical,
            signedHeaders: signed,
            hashedRequestPayload: payloadHash,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signature: signature,
            authorization: authorization
        )
    }

    /// The parts of an `ACS3-HMAC-SHA256` `Authorization` header value.
    public struct Authorization: Sendable, Equatable {
        /// The AccessKey ID from `Credential=`.
        public var accessKeyId: String
        /// The signed header names from `SignedHeaders=`, in the order given.
        public var signedHeaders: [String]
        /// The hex signature from `Signature=`.
        public var signature: String

        /// Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
        ///
        /// - Parameter value: The header value.
        /// - Returns: The parts, or `nil` when the algorithm is not ACS3-HMAC-SHA256 or a part is missing or empty.
        public init?(parsing value: String) {
            let trimmed = value.trimmingWhitespace()
            let prefix = SignatureV3.algorithm + " "
            guard trimmed.hasPrefix(prefix) else { return nil }
            var fields: [String: String] = [:]
            for part in trimmed.dropFirst(prefix.count).split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2 else { return nil }
                fields[String(pair[0]).trimmingWhitespace()] = String(pair[1]).trimmingWhitespace()
            }
            guard let credential = fields["Credential"], !credential.isEmpty,
                let signedHeaders = fields["SignedHeaders"], !signedHeaders.isEmpty,
                let signature = fields["Signature"], !signature.isEmpty
            else { return nil }
            self.accessKeyId = credential
            self.signedHeaders = signedHeaders.split(separator: ";").map { String($0).lowercased() }
            self.signature = signature
        }
    }
}

private let lowerHexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Lowercase hex of a byte sequence.
func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var out: [UInt8] = []
    out.reserveCapacity(max(64, bytes.underestimatedCount * 2))  // digests say 0; SHA-256 is 32 bytes
    for byte in bytes {
        out.append(lowerHexDigits[Int(byte >> 4)])
        out.append(lowerHexDigits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
