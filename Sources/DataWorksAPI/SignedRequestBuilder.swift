public import CurlClient

/// The values that vary per attempt and per caller, passed in so that signing stays pure.
///
/// Source: api-notes §1.3 (headers), §1.5 (V1 common parameters), §3.3 (retry headers).
public struct RequestSigningContext: Sendable {
    /// Where the request goes; its ``Endpoint/hostHeader`` is signed as `host`.
    public var endpoint: Endpoint
    /// The AccessKey (and STS token) to sign with.
    public var credentials: Credentials
    /// `x-acs-date` (V3) or `Timestamp` (V1), `yyyy-MM-ddTHH:mm:ssZ` UTC; see ``ACSTimestamp``.
    public var timestamp: String
    /// `x-acs-signature-nonce` (V3) or `SignatureNonce` (V1); must be new on every attempt.
    public var nonce: String
    /// The `user-agent` header, sent and signed when not `nil`.
    public var userAgent: String?
    /// Whether to send (and sign) `x-acs-credentials-provider: {credentials.providerName}` as the SDK does.
    public var sendsCredentialsProvider: Bool
    /// The retry headers of a retried attempt, `nil` on the first attempt.
    public var retry: RetryAttempt?

    /// The signed retry headers the SDK adds on a retry.
    public struct RetryAttempt: Sendable, Equatable {
        /// `x-acs-retry-attempts`: how many attempts were made before this one (1 on the first retry).
        public var attempts: Int
        /// `x-acs-retry-delay`: the backoff before this attempt, in milliseconds.
        public var delayMilliseconds: Int

        /// Creates retry header values.
        public init(attempts: Int, delayMilliseconds: Int) {
            self.attempts = attempts
            self.delayMilliseconds = delayMilliseconds
        }
    }

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - endpoint: The resolved endpoint.
    ///   - credentials: The credentials to sign with.
    ///   - timestamp: The request time, formatted with ``ACSTimestamp/format(epochSeconds:)``.
    ///   - nonce: A fresh random nonce (the SDK sends 32 lowercase hex characters).
    ///   - userAgent: The `user-agent` header, or `nil` to send none.
    ///   - sendsCredentialsProvider: Whether to send `x-acs-credentials-provider`.
    ///   - retry: Retry header values, or `nil` on a first attempt.
    public init(
        endpoint: Endpoint,
        credentials: Credentials,
        timestamp: String,
        nonce: String,
        userAgent: String? = nil,
        sendsCredentialsProvider: Bool = false,
        retry: RetryAttempt? = nil
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.timestamp = timestamp
        self.nonce = nonce
        self.userAgent = userAgent
        self.sendsCredentialsProvider = sendsCredentialsProvider
        self.retry = retry
    }
}

/// A request ready for the transport, with the signing intermediates for tests and logs.
public struct SignedRequest: Sendable {
    /// The request: method `POST` with a form body, or `GET` with the parameters in the query (see
    /// ``ParameterPlacement``); URL `endpoint.url + "/"` plus the query, headers in the SDK's order.
    public var request: HTTPRequest
    /// The form body as text (the bytes of ``request`` `.body`); empty for a `GET`.
    public var bodyText: String
    /// The signature version used.
    public var signatureVersion: SignatureVersion
    /// The V3 intermediates, when ``signatureVersion`` is `.v3`.
    public var v3: SignatureV3.Components?
    /// The V1 intermediates, when ``signatureVersion`` is `.v1`.
    public var v1: SignatureV1.Components?
    /// The query parameters in wire order: for V1 the common ones with `Signature` last, for a V3 `GET` the API
    /// parameters sorted; empty for a V3 `POST`.
    public var query: [(name: String, value: String)]
}

/// Builds signed DataWorks OpenAPI requests (RPC style): `POST /` with a form body, or `GET /?…` with the parameters
/// in the query (the 2024-05-18 pipeline-run reads).
///
/// The query is written as the SDK writes it (`urlencode`: a space is `+`) and signed with ``PercentEncoding/pct(_:)``
/// (a space is `%20`), so the request matches the SDK's byte for byte.
///
/// Source: api-notes §1.1 (operation), §1.3–§1.5 (request shape and signing), §6.2.1 and §6.2.5 (`GET`).
public enum SignedRequestBuilder {
    /// The API version, `2020-05-18`.
    public static let apiVersion = "2020-05-18"
    /// The content type of the form body.
    public static let formContentType = "application/x-www-form-urlencoded"

    /// Builds a signed request with the chosen signature version.
    ///
    /// - Parameters:
    ///   - action: The API name, e.g. `GetDeployment`.
    ///   - parameters: The API parameters (e.g. `DeploymentId`, `ProjectId`).
    ///   - placement: `.formBody` (`POST`, the default) or `.query` (`GET`).
    ///   - context: Endpoint, credentials, timestamp, nonce and optional headers.
    ///   - signatureVersion: `.v3` (default) or `.v1`.
    ///   - version: The API version, `2020-05-18` by default.
    /// - Returns: The request and its intermediates.
    public static func build(
        action: String,
        parameters: [String: String],
        placement: ParameterPlacement = .formBody,
        context: RequestSigningContext,
        signatureVersion: SignatureVersion = .v3,
        version: String = apiVersion
    ) -> SignedRequest {
        switch signatureVersion {
        case .v3:
            buildV3(action: action, parameters: parameters, placement: placement, context: context, version: version)
        case .v1:
            buildV1(action: action, parameters: parameters, placement: placement, context: context, version: version)
        }
    }

    /// Builds an ACS3-HMAC-SHA256 request.
    ///
    /// Headers, in the SDK's order: `host`, `x-acs-version`, `x-acs-action`, [`user-agent`], `x-acs-date`,
    /// `x-acs-signature-nonce`, `accept: application/json`, [`x-acs-retry-attempts`, `x-acs-retry-delay`],
    /// `content-type` (only with a body), `x-acs-content-sha256`, [`x-acs-credentials-provider`], with STS
    /// `x-acs-accesskey-id` and `x-acs-security-token`, then `Authorization`. All but `Authorization` are signed.
    /// A `GET` has no body, so no `content-type`, and `x-acs-content-sha256` is the hash of the empty string.
    ///
    /// - Parameters:
    ///   - action: The API name.
    ///   - parameters: The API parameters, for the form body or the query.
    ///   - placement: `.formBody` (`POST`, the default) or `.query` (`GET`).
    ///   - context: Endpoint, credentials, timestamp, nonce and optional headers.
    ///   - version: The API version.
    /// - Returns: The request with ``SignedRequest/v3`` set.
    public static func buildV3(
        action: String,
        parameters: [String: String],
        placement: ParameterPlacement = .formBody,
        context: RequestSigningContext,
        version: String = apiVersion
    ) -> SignedRequest {
        let inQuery = placement == .query
        let bodyText = inQuery ? "" : PercentEncoding.formBody(parameters)
        let body = Array(bodyText.utf8)
        var headers = [
            HTTPHeader(name: "host", value: context.endpoint.hostHeader),
            HTTPHeader(name: "x-acs-version", value: version),
            HTTPHeader(name: "x-acs-action", value: action),
        ]
        if let userAgent = context.userAgent {
            headers.append(HTTPHeader(name: "user-agent", value: userAgent))
        }
        headers.append(HTTPHeader(name: "x-acs-date", value: context.timestamp))
        headers.append(HTTPHeader(name: "x-acs-signature-nonce", value: context.nonce))
        headers.append(HTTPHeader(name: "accept", value: "application/json"))
        if let retry = context.retry {
            headers.append(HTTPHeader(name: "x-acs-retry-attempts", value: String(retry.attempts)))
            headers.append(HTTPHeader(name: "x-acs-retry-delay", value: String(retry.delayMilliseconds)))
        }
        if !body.isEmpty {
            headers.append(HTTPHeader(name: "content-type", value: formContentType))
        }
        let payloadHash = SignatureV3.hexSHA256(body)
        headers.append(HTTPHeader(name: "x-acs-content-sha256", value: payloadHash))
        if context.sendsCredentialsProvider {
            headers.append(HTTPHeader(name: "x-acs-credentials-provider", value: context.credentials.providerName))
        }
        if let token = context.credentials.securityToken {
            headers.append(HTTPHeader(name: "x-acs-accesskey-id", value: context.credentials.accessKeyId))
            headers.append(HTTPHeader(name: "x-acs-security-token", value: token.value))
        }
        let components = SignatureV3.sign(
            method: placement.httpMethod,
            path: "/",
            query: inQuery ? parameters : [:],
            headers: headers,
            payloadHash: payloadHash,
            accessKeyId: context.credentials.accessKeyId,
            accessKeySecret: context.credentials.accessKeySecret
        )
        headers.append(HTTPHeader(name: "Authorization", value: components.authorization))
        let query = inQuery ? sortedByCodePoint(parameters).map { (name: $0.key, value: $0.value) } : []
        let request = HTTPRequest(
            method: placement.httpMethod,
            url: context.endpoint.url + "/" + wireQuery(query),
            headers: headers,
            body: body
        )
        return SignedRequest(
            request: request,
            bodyText: bodyText,
            signatureVersion: .v3,
            v3: components,
            v1: nil,
            query: query
        )
    }

    /// Builds an RPC signature V1 (HMAC-SHA1) request.
    ///
    /// Query, in the SDK's order: `Action`, `Format=json`, `Version`, `Timestamp`, `SignatureNonce`, the
    /// `extraQuery` pairs, [`SecurityToken`], `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`, `AccessKeyId`,
    /// `Signature`; a `GET` puts its API parameters (sorted) right after the `extraQuery` pairs. Written as the SDK's
    /// `urlencode` writes it (``PercentEncoding/formComponent(_:)``: a space is `+`). Headers: `host`,
    /// `x-acs-version`, `x-acs-action`, [`user-agent`], `content-type` (only with a body),
    /// [`x-acs-credentials-provider`]. The signed set is query ∪ body parameters.
    ///
    /// - Parameters:
    ///   - action: The API name.
    ///   - parameters: The API parameters, for the form body or the query.
    ///   - placement: `.formBody` (`POST`, the default) or `.query` (`GET`).
    ///   - extraQuery: Extra query parameters the SDK calls global queries (e.g. `RegionId`); normally empty.
    ///   - context: Endpoint, credentials, timestamp, nonce and optional headers (retry headers are not sent in V1).
    ///   - version: The API version.
    /// - Returns: The request with ``SignedRequest/v1`` and ``SignedRequest/query`` set.
    public static func buildV1(
        action: String,
        parameters: [String: String],
        placement: ParameterPlacement = .formBody,
        extraQuery: [(name: String, value: String)] = [],
        context: RequestSigningContext,
        version: String = apiVersion
    ) -> SignedRequest {
        let inQuery = placement == .query
        let bodyParameters = inQuery ? [:] : parameters
        let bodyText = PercentEncoding.formBody(bodyParameters)
        let body = Array(bodyText.utf8)
        var query: [(name: String, value: String)] = [
            ("Action", action),
            ("Format", "json"),
            ("Version", version),
            ("Timestamp", context.timestamp),
            ("SignatureNonce", context.nonce),
        ]
        query += extraQuery
        if inQuery {
            query += sortedByCodePoint(parameters).map { (name: $0.key, value: $0.value) }
        }
        if let token = context.credentials.securityToken {
            query.append(("SecurityToken", token.value))
        }
        query.append(("SignatureMethod", SignatureV1.signatureMethod))
        query.append(("SignatureVersion", SignatureV1.signatureVersion))
        query.append(("AccessKeyId", context.credentials.accessKeyId))
        var signed = bodyParameters
        for (name, value) in query { signed[name] = value }
        let components = SignatureV1.sign(
            method: placement.httpMethod,
            parameters: signed,
            accessKeySecret: context.credentials.accessKeySecret
        )
        query.append(("Signature", components.signature))

        var headers = [
            HTTPHeader(name: "host", value: context.endpoint.hostHeader),
            HTTPHeader(name: "x-acs-version", value: version),
            HTTPHeader(name: "x-acs-action", value: action),
        ]
        if let userAgent = context.userAgent {
            headers.append(HTTPHeader(name: "user-agent", value: userAgent))
        }
        if !body.isEmpty {
            headers.append(HTTPHeader(name: "content-type", value: formContentType))
        }
        if context.sendsCredentialsProvider {
            headers.append(HTTPHeader(name: "x-acs-credentials-provider", value: context.credentials.providerName))
        }
        let request = HTTPRequest(
            method: placement.httpMethod,
            url: context.endpoint.url + "/" + wireQuery(query),
            headers: headers,
            body: body
        )
        return SignedRequest(
            request: request,
            bodyText: bodyText,
            signatureVersion: .v1,
            v3: nil,
            v1: components,
            query: query
        )
    }

    /// `?name=value&…` written as the SDK's `urlencode` (``PercentEncoding/formComponent(_:)``), or empty.
    static func wireQuery(_ query: [(name: String, value: String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?"
            + query.map { PercentEncoding.formComponent($0.name) + "=" + PercentEncoding.formComponent($0.value) }
            .joined(separator: "&")
    }
}
