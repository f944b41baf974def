/// A request as ``HTTPServer`` hands it to its handler.
public struct ServerRequest: Sendable {
    /// The method, for example `GET`.
    public var method: String
    /// The path without the query, percent-decoded by libmicrohttpd, for example `/metrics`.
    public var path: String
    /// Query arguments in the order given, decoded.
    public var query: [(name: String, value: String)]
    /// Header fields with names in lower case.
    public var headers: [(name: String, value: String)]
    /// The body bytes (for `POST`); empty for none.
    public var body: [UInt8]

    /// Creates a request (tests build them directly).
    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first header value named `name` (compared case-insensitively).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    /// The first query value named `name` (case-sensitive).
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

/// A response for ``HTTPServer`` to send.
public struct ServerResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields to send; libmicrohttpd adds `Content-Length`, `Date` and `Connection` itself.
    public var headers: [(name: String, value: String)]
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: Int = 200) -> ServerResponse {
        ServerResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8")],
            body: Array(text.utf8)
        )
    }
}

/// Why the server could not start.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the listen address.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// An HTTP/1.1 server on libmicrohttpd that runs an async handler for every request.
///
/// Each request is suspended inside libmicrohttpd while its handler runs as a Swift task, so libmicrohttpd's
/// threads never block. ``stop()`` resumes or drains every suspended connection before it releases the daemon.
public final class HTTPServer: Sendable {
    /// The async request handler.
    public typealias Handler = @Sendable (ServerRequest) async -> ServerResponse

    /// Server settings.
    public struct Configuration: Sendable {
        /// Listen addresses: `host:port`, `[v6]:port` or `:port` (all interfaces). Port 0 picks a free port.
        public var listenAddresses: [String]
        /// libmicrohttpd worker threads per listen address. Default 2.
        public var threadPoolSize: Int
        /// The most connections at once per listen address. Default 64.
        public var connectionLimit: Int
        /// Seconds an idle connection may stay open. Default 30.
        public var connectionTimeout: Int
        /// The largest body accepted, in bytes; larger gets 413. Default 1 MiB.
        public var maxBodySize: Int

        /// Creates a configuration.
        public init(
            listenAddresses: [String],
            threadPoolSize: Int = 2,
            connectionLimit: Int = 64,
            connectionTimeout: Int = 30,
            maxBodySize: Int = 1 << 20
        ) {
            self.listenAddresses = listenAddresses
            self.threadPoolSize = threadPoolSize
            self.connectionLimit = connectionLimit
            self.connectionTimeout = connectionTimeout
            self.maxBodySize = maxBodySize
        }
    }

    /// Starts listening on every configured address.
    ///
    /// - Throws: ``ServerError`` naming the address that could not be parsed or bound.
    public init(configuration: Configuration, handler: @escaping Handler) throws {
        fatalError("unimplemented")
    }

    /// The ports actually bound, one per listen address, in configuration order.
    public var ports: [Int] { fatalError("unimplemented") }

    /// Stops accepting, waits for in-flight handlers (cancelling them after `gracePeriod`), resumes every suspended
    /// connection, then releases libmicrohttpd. Idempotent.
    public func stop(gracePeriod: Duration = .seconds(5)) async {
        fatalError("unimplemented")
    }
}
