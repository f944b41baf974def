/// Why a transfer failed below HTTP: the class of the libcurl error.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The class of a transport failure.
    public enum Kind: String, Sendable {
        /// The connect or total timeout ran out (`CURLE_OPERATION_TIMEDOUT`).
        case timeout
        /// The name could not be resolved (`CURLE_COULDNT_RESOLVE_HOST`, `..._PROXY`).
        case dns
        /// The connection was refused or could not be made (`CURLE_COULDNT_CONNECT`).
        case connect
        /// The TLS handshake or certificate check failed (`CURLE_SSL_*`, `CURLE_PEER_FAILED_VERIFICATION`).
        case tls
        /// The peer closed or reset the connection (`CURLE_RECV_ERROR`, `CURLE_SEND_ERROR`, `CURLE_GOT_NOTHING`).
        case reset
        /// Any other libcurl error.
        case other
    }

    /// The class of the failure.
    public var kind: Kind
    /// The libcurl `CURLcode`.
    public var code: Int32
    /// libcurl's text for the code (`curl_easy_strerror`), with the error buffer when it says more.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, code: Int32, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message) (curl code \(code))" }
}

/// An HTTP client over one libcurl multi handle, driven by a dedicated thread.
///
/// Transfers run concurrently up to ``Configuration/maxConcurrentTransfers``; further requests wait in a queue.
/// Connections are kept alive and reused. Proxies come from the environment (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `NO_PROXY`) as libcurl reads them.
///
/// Thread safety: every method may be called from any task.
public final class CurlHTTPClient: Sendable {
    /// Client settings.
    public struct Configuration: Sendable {
        /// The most transfers in flight at once; the rest wait. Default 8.
        public var maxConcurrentTransfers: Int
        /// The most idle connections kept open for reuse. Default: `maxConcurrentTransfers`.
        public var maxIdleConnections: Int

        /// Creates a configuration.
        public init(maxConcurrentTransfers: Int = 8, maxIdleConnections: Int? = nil) {
            self.maxConcurrentTransfers = max(1, maxConcurrentTransfers)
            self.maxIdleConnections = maxIdleConnections ?? max(1, maxConcurrentTransfers)
        }
    }

    /// Counters of what the client did since it started.
    public struct Statistics: Sendable, Equatable {
        /// Transfers completed, successful or not.
        public var transfers: Int
        /// New connections opened (libcurl `CURLINFO_NUM_CONNECTS`, summed); lower than `transfers` when
        /// connections are reused.
        public var connectionsOpened: Int
    }

    /// The settings this client runs with.
    public let configuration: Configuration

    /// Starts the worker thread.
    ///
    /// - Throws: ``TransportError`` when libcurl cannot be initialised.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        fatalError("unimplemented")
    }

    /// Sends `request` and waits for the whole response.
    ///
    /// - Returns: The response, whatever its status.
    /// - Throws: ``TransportError`` when no response arrived; `CancellationError` when the calling task was cancelled
    ///   (the transfer is removed at once) or the client was shut down.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        fatalError("unimplemented")
    }

    /// What the client did so far.
    public var statistics: Statistics { fatalError("unimplemented") }

    /// Fails queued and in-flight transfers with `CancellationError`, stops the worker thread and frees libcurl's
    /// handles. Idempotent.
    public func shutdown() {
        fatalError("unimplemented")
    }
}
