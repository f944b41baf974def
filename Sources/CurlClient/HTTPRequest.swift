// The header type is part of this bridge's API (requests and responses carry it), shared with HTTPServer.
@_exported public import HTTPHeaders

/// A request for ``CurlHTTPClient/send(_:)``.
public struct HTTPRequest: Sendable {
    /// The method, for example `POST` or `GET`. `GET` and `HEAD` without a body use libcurl's own verbs; `POST` or any
    /// request with a body sends the body (`CURLOPT_COPYPOSTFIELDS`); other methods are sent as given
    /// (`CURLOPT_CUSTOMREQUEST`).
    public var method: String
    /// The absolute URL, for example `https://dataworks.cn-zhangjiakou.aliyuncs.com/` or `http://127.0.0.1:8080/`.
    public var url: String
    /// Header fields in the order they are sent.
    ///
    /// libcurl adds only `Host` and (with a body) `Content-Length` unless these are given here; its usual `Accept`,
    /// `Expect: 100-continue` and form `Content-Type` are suppressed. An `Accept-Encoding` field is not sent as
    /// written but handed to libcurl (`CURLOPT_ACCEPT_ENCODING`), which sends it and decodes the body accordingly;
    /// without one, none is sent. An empty value sends the field with an empty value. Names or values containing
    /// CR, LF or NUL make ``CurlHTTPClient/send(_:)`` throw a ``TransportError`` of kind `other`.
    public var headers: [HTTPHeader]
    /// The exact body bytes; empty for none.
    public var body: [UInt8]
    /// The time allowed to establish the connection (TCP and TLS), rounded up to whole milliseconds.
    public var connectTimeout: Duration
    /// The time allowed for the whole transfer, connection included, rounded up to whole milliseconds. Time spent
    /// waiting in the client's queue does not count.
    public var timeout: Duration
    /// A proxy URL for this request (`CURLOPT_PROXY`), e.g. `http://127.0.0.1:3128`; nil to use the environment's
    /// `http_proxy`/`HTTPS_PROXY`/`NO_PROXY` as libcurl reads them.
    public var proxy: String?
    /// Whether to connect directly even when a proxy is set here or in the environment (`CURLOPT_NOPROXY "*"`),
    /// e.g. for the ECS metadata service, which only answers on the instance's own link.
    public var bypassesProxy: Bool
    /// TLS settings for an `https` URL; `nil` uses libcurl's defaults (the system CAs, no client certificate).
    public var tls: TLSOptions?

    /// Creates a request.
    public init(
        method: String,
        url: String,
        headers: [HTTPHeader] = [],
        body: [UInt8] = [],
        connectTimeout: Duration = .seconds(5),
        timeout: Duration = .seconds(10),
        proxy: String? = nil,
        bypassesProxy: Bool = false,
        tls: TLSOptions? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.proxy = proxy
        self.bypassesProxy = bypassesProxy
        self.tls = tls
    }
}

/// Per-request TLS settings of ``HTTPRequest`` (libcurl over OpenSSL). libcurl reuses a connection only for a request
/// with the same settings.
public struct TLSOptions: Sendable, Hashable {
    /// A TLS protocol version.
    public enum Version: Sendable, Hashable {
        /// TLS 1.0.
        case tls10
        /// TLS 1.1.
        case tls11
        /// TLS 1.2.
        case tls12
        /// TLS 1.3.
        case tls13
    }

    /// A PEM file of the CAs that the server's certificate must chain to (`CURLOPT_CAINFO`) instead of the system's.
    public var caFile: String?
    /// A PEM file with the client certificate to present (`CURLOPT_SSLCERT`).
    public var clientCertificateFile: String?
    /// A PEM file with the client certificate's private key (`CURLOPT_SSLKEY`).
    public var clientKeyFile: String?
    /// The oldest version offered (`CURLOPT_SSLVERSION`); `nil` for libcurl's default.
    public var minVersion: Version?
    /// The newest version offered (the `CURL_SSLVERSION_MAX_*` part of `CURLOPT_SSLVERSION`); `nil` for no limit.
    public var maxVersion: Version?
    /// An OpenSSL cipher list for TLS 1.2 and older (`CURLOPT_SSL_CIPHER_LIST`), e.g. `DEFAULT:@SECLEVEL=0`, which
    /// OpenSSL 3 needs before it speaks TLS 1.0 or 1.1.
    public var cipherList: String?

    /// Creates TLS settings; every `nil` keeps libcurl's default.
    public init(
        caFile: String? = nil,
        clientCertificateFile: String? = nil,
        clientKeyFile: String? = nil,
        minVersion: Version? = nil,
        maxVersion: Version? = nil,
        cipherList: String? = nil
    ) {
        self.caFile = caFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.cipherList = cipherList
    }
}

/// A complete response from ``CurlHTTPClient/send(_:)``.
public struct HTTPResponse: Sendable {
    /// The HTTP status code, for example 200 or 429.
    public var status: Int
    /// The header fields of the final response (not of any `100 Continue` or proxy `CONNECT` answer), in the order
    /// received.
    public var headers: [HTTPHeader]
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header field named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
