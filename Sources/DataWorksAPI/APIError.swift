public import CurlClient

/// An error answer from DataWorks or its gateway (a response with a `Code`, or `Success: false`).
///
/// Source: api-notes §3.2 (error body `{RequestId, HostId, Code, Message}`; exception mapping; retry-after).
public struct ServiceError: Sendable, Equatable, CustomStringConvertible {
    /// The error code, from `Code` (or `ErrorCode`), e.g. `Throttling.User`; ``APIError/unknownErrorCode`` when a
    /// `Success: false` body names none.
    public var code: String
    /// The error message, from `Message` (or `ErrorMessage`); empty when absent.
    public var message: String
    /// The HTTP status of the response, e.g. 429 (200 for `Success: false` on HTTP 200).
    public var httpStatus: Int
    /// The `RequestId` of the response, when present.
    public var requestId: String?
    /// The wait the server asked for: `x-acs-retry-after` (milliseconds) or `Retry-After` (seconds).
    public var retryAfter: Duration?

    /// Creates a service error.
    public init(code: String, message: String, httpStatus: Int, requestId: String?, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.requestId = requestId
        self.retryAfter = retryAfter
    }

    /// `code (HTTP status): message [RequestId: …]`.
    public var description: String {
        var text = "\(code) (HTTP \(httpStatus))"
        if !message.isEmpty { text += ": \(message)" }
        if let requestId { text += " [RequestId: \(requestId)]" }
        if let retryAfter { text += " [retry after \(retryAfter)]" }
        return text
    }
}

/// Why a DataWorks OpenAPI call failed.
///
/// Source: api-notes §3.2 (errors), §3.3 and §8 (what to retry).
public enum APIError: Error, Sendable, CustomStringConvertible {
    /// DataWorks or the gateway answered with an error code (HTTP 4xx/5xx with `Code`, or `Success: false`).
    case service(ServiceError)
    /// An HTTP error status without a readable error code (e.g. an HTML 502 page from a proxy).
    ///
    /// - `status`: the HTTP status; `requestId`: from the body if any; `bodyPrefix`: the start of the body.
    case httpStatus(status: Int, requestId: String?, bodyPrefix: String)
    /// No HTTP response arrived (timeout, DNS, connect, TLS, reset).
    case transport(TransportError)
    /// A 2xx response whose body is not a usable answer (not JSON/XML, wrong types, no `Data.Deployment`, …).
    ///
    /// - `reason`: what was wrong; `httpStatus`: the status; `bodyPrefix`: the start of the body.
    case parse(reason: String, httpStatus: Int, bodyPrefix: String)

    /// The code used when a `Success: false` body carries no error code.
    public static let unknownErrorCode = "UnknownError"

    /// Metric class for timeouts.
    public static let clientTimeout = "client_timeout"
    /// Metric class for DNS, connect and connection-reset failures.
    public static let clientConnect = "client_connect"
    /// Metric class for TLS failures.
    public static let clientTLS = "client_tls"
    /// Metric class for a proxy's HTTP 407 (Proxy Authentication Required).
    public static let clientProxy = "client_proxy"
    /// Metric class for other transport failures.
    public static let clientOther = "client_other"
    /// Metric class for unusable response bodies.
    public static let clientParse = "client_parse"

    /// Every DataWorks error code of api-notes §3.2, with `HTTP` statuses as documented.
    public static let dataWorksErrorCodes = [
        "InternalError.System",
        "InternalError.UserId.Missing",
        "ResourceNotAuthorized.Api",
        "Throttling.Api",
        "Throttling.System",
        "Throttling.User",
        "Throttling.Api.Risk",
        "Throttling.Resource",
        "Forbidden.Not.Server",
        "Forbidden.Access",
    ]

    /// The common gateway codes of api-notes §3.2, plus the plain `Throttling` seen in samples.
    public static let gatewayErrorCodes = [
        "Throttling",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
        "IncompleteSignature",
        "InvalidTimeStamp.Expired",
        "SignatureNonceUsed",
        "InternalError",
        "ServiceUnavailable",
    ]

    /// The client-side classes of ``errorClass``.
    public static let clientErrorClasses = [
        clientTimeout, clientConnect, clientTLS, clientProxy, clientOther, clientParse,
    ]

    /// Every ``errorClass`` known in advance (DataWorks codes, gateway codes, ``unknownErrorCode`` and the
    /// client classes). `http_<status>` values are not listed.
    public static let knownErrorClasses: [String] =
        dataWorksErrorCodes + gatewayErrorCodes + [unknownErrorCode] + clientErrorClasses

    /// The former name of ``knownErrorClasses``.
    @available(*, deprecated, renamed: "knownErrorClasses")
    public static var knownErrorCodes: [String] { knownErrorClasses }

    /// Codes that are retried as `throttled`.
    private static let retryableThrottlingCodes: Set<String> = [
        "Throttling", "Throttling.User", "Throttling.System", "Throttling.Api",
    ]

    /// Codes that are never retried whatever their status: daily or edition quota, region not served.
    private static let nonRetryableCodes: Set<String> = [
        "Throttling.Api.Risk", "Throttling.Resource", "Forbidden.Not.Server",
    ]

    /// The error's class, one of few values: the API code (e.g. `Throttling.User`), `http_<status>` for an error
    /// status without a code, or a client class (`client_timeout`, `client_connect` for DNS/connect/reset,
    /// `client_tls`, `client_proxy` for a proxy's 407, `client_other`, `client_parse` for unusable bodies, an
    /// unknown `Content-Encoding` included).
    public var errorClass: String {
        switch self {
        case .service(let error): error.code
        case .httpStatus(let status, _, _): "http_\(status)"
        case .parse: Self.clientParse
        case .transport(let error):
            switch error.kind {
            case .timeout: Self.clientTimeout
            case .dns, .connect, .reset: Self.clientConnect
            case .tls: Self.clientTLS
            case .proxyAuthentication: Self.clientProxy
            case .contentEncoding: Self.clientParse
            case .other: Self.clientOther
            }
        }
    }

    /// The former name of ``errorClass``.
    @available(*, deprecated, renamed: "errorClass")
    public var metricCode: String { errorClass }

    /// Why the call may be retried, or `nil` when it should not be.
    ///
    /// - `throttled`: `Throttling`, `Throttling.User`, `Throttling.System`, `Throttling.Api`, or HTTP 429 without
    ///   a code.
    /// - `server_error`: HTTP 5xx, `InternalError*`, `ServiceUnavailable`.
    /// - `timeout`, `connect` (DNS, connect, reset): transport failures.
    /// - `nil`: `Throttling.Api.Risk`, `Throttling.Resource`, `Forbidden.Not.Server`, other 4xx (authentication,
    ///   permissions, parameters), TLS and other transport failures, parse errors.
    public var retryReason: String? {
        switch self {
        case .service(let error):
            if Self.nonRetryableCodes.contains(error.code) { return nil }
            if Self.retryableThrottlingCodes.contains(error.code) { return "throttled" }
            if error.code.hasPrefix("InternalError") || error.code == "ServiceUnavailable" || error.httpStatus >= 500 {
                return "server_error"
            }
            return nil
        case .httpStatus(let status, _, _):
            if status == 429 { return "throttled" }
            return status >= 500 ? "server_error" : nil
        case .transport(let error):
            switch error.kind {
            case .timeout: return "timeout"
            case .dns, .connect, .reset: return "connect"
            case .tls, .proxyAuthentication, .contentEncoding, .other: return nil
            }
        case .parse:
            return nil
        }
    }

    /// The wait the server asked for, for service errors that carried one.
    public var retryAfter: Duration? {
        if case .service(let error) = self { return error.retryAfter }
        return nil
    }

    /// The RequestId, when the response had one.
    public var requestId: String? {
        switch self {
        case .service(let error): error.requestId
        case .httpStatus(_, let requestId, _): requestId
        case .transport, .parse: nil
        }
    }

    /// The HTTP status, when a response arrived.
    public var httpStatus: Int? {
        switch self {
        case .service(let error): error.httpStatus
        case .httpStatus(let status, _, _): status
        case .parse(_, let status, _): status
        case .transport: nil
        }
    }

    /// A one-line explanation for logs.
    public var description: String {
        switch self {
        case .service(let error): "DataWorks error \(error)"
        case .httpStatus(let status, let requestId, let prefix):
            "HTTP \(status) without an error code" + (requestId.map { " [RequestId: \($0)]" } ?? "")
                + ", body starts: \(prefix)"
        case .transport(let error): "transport error \(error)"
        case .parse(let reason, let status, let prefix):
            "unusable response (HTTP \(status)): \(reason); body starts: \(prefix)"
        }
    }
}
