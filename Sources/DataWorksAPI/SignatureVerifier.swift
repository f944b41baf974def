public import CurlClient

/// The outcome of checking a received request's signature.
public enum SignatureVerification: Sendable, Equatable {
    /// The signature is valid for this AccessKey ID.
    case ok(accessKeyId: String)
    /// The signature is missing, malformed or wrong.
    case failed(SignatureVerificationFailure)

    /// Whether the signature is valid.
    public var isOK: Bool {
        if case .ok = self { true } else { false }
    }
}

/// Why a received request's signature was rejected, with the DataWorks / gateway error code to answer with.
///
/// Source: api-notes §3.2 (gateway codes `SignatureDoesNotMatch`, `IncompleteSignature`,
/// `InvalidAccessKeyId.NotFound`).
public enum SignatureVerificationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `Authorization` header (V3) or no `Signature` parameter (V1).
    case missingSignature
    /// `Authorization` is not `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
    case malformedAuthorization
    /// A required parameter (`AccessKeyId`, `SignatureMethod`, …) is missing or has an unsupported value.
    case missingParameter(String)
    /// A header listed in `SignedHeaders` was not received, or a required header is not signed.
    case missingSignedHeader(String)
    /// The AccessKey ID is unknown to the secret lookup.
    case unknownAccessKeyId(String)
    /// `x-acs-content-sha256` differs from the SHA-256 of the body received.
    case contentHashMismatch(received: String, computed: String)
    /// The signature differs from the one recomputed; carries the server's string to sign.
    case signatureMismatch(expectedStringToSign: String)
    /// `x-acs-date` / `Timestamp` is malformed or too far from the server's clock (the value received).
    case timestampInvalid(String)

    /// The error code DataWorks' gateway answers with.
    public var code: String {
        switch self {
        case .missingSignature, .malformedAuthorization, .missingParameter, .missingSignedHeader:
            "IncompleteSignature"
        case .unknownAccessKeyId: "InvalidAccessKeyId.NotFound"
        case .contentHashMismatch, .signatureMismatch: "SignatureDoesNotMatch"
        case .timestampInvalid: "InvalidTimeStamp.Expired"
        }
    }

    /// The HTTP status to answer with (400 for incomplete signatures, 404 for unknown AccessKeys, 403 otherwise).
    public var httpStatus: Int {
        switch self {
        case .missingSignature, .malformedAuthorization, .missingParameter, .missingSignedHeader: 400
        case .unknownAccessKeyId: 404
        case .contentHashMismatch, .signatureMismatch: 403
        case .timestampInvalid: 400
        }
    }

    /// A message in the style of DataWorks' error `Message`.
    public var message: String {
        switch self {
        case .missingSignature: "The request signature is missing."
        case .malformedAuthorization: "The Authorization header is malformed."
        case .missingParameter(let name): "The parameter \(name) is missing or unsupported."
        case .missingSignedHeader(let name): "The header \(name) is required and must be signed."
        case .unknownAccessKeyId(let id): "Specified access key is not found: \(id)"
        case .contentHashMismatch(let received, let computed):
            "The x-acs-content-sha256 \(received) does not match the body hash \(computed)."
        case .signatureMismatch(let stringToSign):
            "Specified signature does not match our calculation. server string to sign is:\(stringToSign)"
        case .timestampInvalid(let value):
            "Specified time stamp or date value \(value) is malformed or expired."
        }
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}

/// Checks signatures of requests received by the local simulator.
///
/// Source: api-notes §1.4 (V3), §1.5 (V1).
public enum SignatureVerifier {
    /// Headers that a V3 request must sign (with STS also `x-acs-security-token`).
    public static let requiredV3SignedHeaders = [
        "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version",
    ]

    /// Verifies an ACS3-HMAC-SHA256 request.
    ///
    /// Recomputes the signature over the headers named in `SignedHeaders` (as received), the query and the body,
    /// with the secret of the `Credential` AccessKey ID. Also checks that `x-acs-content-sha256`, when present,
    /// equals the body's SHA-256, and that the headers of ``requiredV3SignedHeaders`` are signed.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - path: The request path without the query, normally `/`.
    ///   - query: The decoded query parameters.
    ///   - headers: The headers received.
    ///   - body: The body bytes received.
    ///   - secretForAccessKeyId: Returns the AccessKey secret of an AccessKey ID, or `nil` when unknown.
    /// - Returns: `.ok` with the AccessKey ID, or `.failed` with the reason.
    public static func verifyV3(
        method: String,
        path: String,
        query: [String: String],
        headers: [HTTPHeader],
        body: [UInt8],
        secretForAccessKeyId: (String) -> Secret?
    ) -> SignatureVerification {
        guard let authorizationValue = headers.first(where: { $0.name.lowercased() == "authorization" })?.value else {
            return .failed(.missingSignature)
        }
        guard let authorization = SignatureV3.Authorization(parsing: authorizationValue) else {
            return .failed(.malformedAuthorization)
        }
        let signedNames = Set(authorization.signedHeaders)
        for required in requiredV3SignedHeaders where !signedNames.contains(required) {
            return .failed(.missingSignedHeader(required))
        }
        let received = headers.filter { signedNames.contains($0.name.lowercased()) }
        let receivedNames = Set(received.map { $0.name.lowercased() })
        for name in authorization.signedHeaders where !receivedNames.contains(name) {
            return .failed(.missingSignedHeader(name))
        }
        if headers.contains(where: { $0.name.lowercased() == "x-acs-security-token" })
            && !signedNames.contains("x-acs-security-token")
        {
            return .failed(.missingSignedHeader("x-acs-security-token"))
        }
        let computedHash = SignatureV3.hexSHA256(body)
        if let contentHash = headers.first(where: { $0.name.lowercased() == "x-acs-content-sha256" })?.value,
            contentHash.trimmingWhitespace() != computedHash
        {
            return .failed(.contentHashMismatch(received: contentHash, computed: computedHash))
        }
        guard let secret = secretForAccessKeyId(authorization.accessKeyId) else {
            return .failed(.unknownAccessKeyId(authorization.accessKeyId))
        }
        let expected = SignatureV3.sign(
            method: method,
            path: path,
            query: query,
            headers: received,
            body: body,
            accessKeyId: authorization.accessKeyId,
            accessKeySecret: secret
        )
        guard constantTimeEqual(expected.signature, authorization.signature.lowercased()) else {
            return .failed(.signatureMismatch(expectedStringToSign: expected.stringToSign))
        }
        return .ok(accessKeyId: authorization.accessKeyId)
    }

    /// Verifies an RPC signature V1 (HMAC-SHA1) request.
    ///
    /// The signed set is every query parameter except `Signature`, together with the body parameters.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - query: The decoded query parameters (including `Signature`, `AccessKeyId`, …).
    ///   - bodyParameters: The decoded form body parameters.
    ///   - secretForAccessKeyId: Returns the AccessKey secret of an AccessKey ID, or `nil` when unknown.
    /// - Returns: `.ok` with the AccessKey ID, or `.failed` with the reason.
    public static func verifyV1(
        method: String,
        query: [String: String],
        bodyParameters: [String: String],
        secretForAccessKeyId: (String) -> Secret?
    ) -> SignatureVerification {
        guard let signature = query["Signature"], !signature.isEmpty else { return .failed(.missingSignature) }
        guard let accessKeyId = query["AccessKeyId"], !accessKeyId.isEmpty else {
            return .failed(.missingParameter("AccessKeyId"))
        }
        guard query["SignatureMethod"] == SignatureV1.signatureMethod else {
            return .failed(.missingParameter("SignatureMethod"))
        }
        guard query["SignatureVersion"] == SignatureV1.signatureVersion else {
            return .failed(.missingParameter("SignatureVersion"))
        }
        for name in ["Timestamp", "SignatureNonce"] where (query[name] ?? "").isEmpty {
            return .failed(.missingParameter(name))
        }
        guard let secret = secretForAccessKeyId(accessKeyId) else { return .failed(.unknownAccessKeyId(accessKeyId)) }
        var signed = bodyParameters
        for (name, value) in query where name != "Signature" { signed[name] = value }
        let expected = SignatureV1.sign(method: method, parameters: signed, accessKeySecret: secret)
        guard constantTimeEqual(expected.signature, signature) else {
            return .failed(.signatureMismatch(expectedStringToSign: expected.stringToSign))
        }
        return .ok(accessKeyId: accessKeyId)
    }

    /// Checks a received `x-acs-date` (V3) or `Timestamp` (V1) against the server's clock.
    ///
    /// The V3 docs allow 15 minutes of skew (api-notes §1.4).
    ///
    /// - Parameters:
    ///   - timestamp: The received value, `yyyy-MM-ddTHH:mm:ssZ`.
    ///   - nowEpochSeconds: The server's current time, seconds since the Unix epoch.
    ///   - toleranceSeconds: The largest accepted difference either way; 900 by default.
    /// - Returns: `nil` when acceptable, else ``SignatureVerificationFailure/timestampInvalid(_:)``.
    public static func checkTimestamp(
        _ timestamp: String,
        nowEpochSeconds: Int64,
        toleranceSeconds: Int64 = 900
    ) -> SignatureVerificationFailure? {
        guard let seconds = ACSTimestamp.parse(timestamp), abs(seconds - nowEpochSeconds) <= toleranceSeconds else {
            return .timestampInvalid(timestamp)
        }
        return nil
    }

    private static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
