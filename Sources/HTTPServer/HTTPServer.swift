internal import CServerShims
import Glibc
// The header type is part of this bridge's API (requests and responses carry it), shared with CurlClient.
@_exported public import HTTPHeaders
import LockedValue

/// A request as ``HTTPServer`` hands it to its handler.
public struct ServerRequest: Sendable {
    /// The method, for example `GET`.
    public var method: String
    /// The path without the query, percent-decoded by libmicrohttpd, for example `/metrics`.
    public var path: String
    /// Query arguments in the order given, repeated names included, decoded by libmicrohttpd (`%XX` escapes and `+`
    /// as a space). An argument without `=` has an empty value.
    public var query: [(name: String, value: String)]
    /// Header fields in the order received, names in lower case, values as sent.
    public var headers: [HTTPHeader]
    /// The body bytes (for `POST`); empty for none.
    public var body: [UInt8]

    /// Creates a request (tests build them directly).
    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [HTTPHeader] = [],
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
    public var headers: [HTTPHeader]
    /// The body, as pieces sent one after the other without being copied (libmicrohttpd's
    /// `MHD_create_response_from_iovec`); a piece may be shared by many responses.
    public var segments: [SharedBytes]
    /// Whether the server may gzip the body for a client whose `Accept-Encoding` allows it; it then adds
    /// `Content-Encoding: gzip`, and `Accept-Encoding` to `Vary` either way. Default `false`.
    public var isCompressible = false
    /// When `true` the connection is closed without any answer (a reset as the client sees it); status, headers and
    /// body are ignored. Fault injection uses it; see ``closeWithoutAnswer``.
    public var closesWithoutAnswer = false

    /// Creates a response whose body is a copy of `body`.
    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.init(status: status, headers: headers, segments: body.isEmpty ? [] : [SharedBytes(body)])
    }

    /// Creates a response whose body is `segments`, one after the other, sent without a copy.
    public init(status: Int, headers: [HTTPHeader] = [], segments: [SharedBytes]) {
        self.status = status
        self.headers = headers
        self.segments = segments
    }

    /// The body bytes, joined into one array (a copy; for tests and small bodies). Setting it replaces
    /// ``segments``.
    public var body: [UInt8] {
        get { segments.flatMap(\.array) }
        set { segments = newValue.isEmpty ? [] : [SharedBytes(newValue)] }
    }

    /// The length of the body in bytes.
    public var bodyCount: Int {
        segments.reduce(0) { $0 + $1.count }
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: Int = 200) -> ServerResponse {
        ServerResponse(
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8")],
            body: Array(text.utf8)
        )
    }

    /// No answer at all: libmicrohttpd closes the connection once the handler returns this.
    public static var closeWithoutAnswer: ServerResponse {
        var response = ServerResponse(status: 500)
        response.closesWithoutAnswer = true
        return response
    }
}

/// Why the server could not start.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the listen address.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// An HTTP/1.1 server on libmicrohttpd that runs an async handler for every request.
///
/// Each request is suspended inside libmicrohttpd while its handler runs as a Swift task, so libmicrohttpd's
/// threads never block. ``stop(gracePeriod:)`` resumes or drains every suspended connection before it releases the
/// daemon. Call it before dropping the server; `deinit` only does a hard stop (handlers still running are cancelled
/// and their clients get `503`).
///
/// Requests whose body exceeds ``Configuration/maxBodySize`` get `413` without reaching the handler; requests that
/// arrive on open keep-alive connections while the server stops get `503` with `Connection: close`.
///
/// Thread safety: every method may be called from any task.
public final class HTTPServer: Sendable {
    /// The async request handler. It runs in a task per request; it is cancelled when ``stop(gracePeriod:)`` runs
    /// out of grace.
    public typealias Handler = @Sendable (ServerRequest) async -> ServerResponse

    /// Server settings.
    public struct Configuration: Sendable {
        /// Listen addresses: `host:port` with a numeric IPv4 host, `[v6]:port` (`[::]:port` is dual-stack: IPv4
        /// connections arrive IPv4-mapped), or `:port` for all interfaces (IPv6 dual-stack, or IPv4 only where IPv6
        /// is unavailable). Port 0 picks a free port; see ``HTTPServer/ports``.
        public var listenAddresses: [String]
        /// libmicrohttpd worker threads per listen address. Default 1: one internal thread that waits on epoll and
        /// never blocks (handlers run as tasks) serves every connection in turn. With a pool, libmicrohttpd binds each
        /// connection to the thread that accepted it, and an uneven split starves some clients: under `wrk` with 32
        /// connections fetching a 13.7 MB body on 2 cores, 2 threads gave a p99 latency of 2.9–5.0 s against
        /// 0.3–0.7 s for 1 thread, which also served more requests per second (180–221 against 158–172).
        public var threadPoolSize: Int
        /// The most connections at once per listen address. Default 64.
        public var connectionLimit: Int
        /// Seconds an idle connection may stay open, and the time a connection has for complete request headers from
        /// its start (or from the end of its previous response), however slowly they arrive. Default 30; 0 for none.
        public var connectionTimeout: Int
        /// The largest body accepted, in bytes; larger gets 413. Default 1 MiB.
        public var maxBodySize: Int
        /// Bytes per connection for the request line and headers (`MHD_OPTION_CONNECTION_MEMORY_LIMIT`); a longer
        /// URL gets 414 and longer headers 431. Default 32 KiB.
        public var maxHeaderSize: Int
        /// Whether libmicrohttpd writes its own error messages (accept failures, out of memory, ...) to standard
        /// error (`MHD_USE_ERROR_LOG`). Default `false`.
        public var logsErrors: Bool
        /// HTTPS settings; `nil` (the default) serves plain HTTP.
        public var tls: TLSConfiguration?

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - listenAddresses: Where to listen, see ``listenAddresses``.
        ///   - threadPoolSize: libmicrohttpd worker threads per address; 1 or less means one internal thread.
        ///   - connectionLimit: The most simultaneous connections per address.
        ///   - connectionTimeout: Idle connection timeout in seconds; 0 means none.
        ///   - maxBodySize: The largest request body in bytes.
        ///   - maxHeaderSize: Bytes per connection for the request line and headers.
        ///   - logsErrors: Whether libmicrohttpd prints its error messages to standard error.
        ///   - tls: HTTPS settings, or `nil` for plain HTTP.
        public init(
            listenAddresses: [String],
            threadPoolSize: Int = 1,
            connectionLimit: Int = 64,
            connectionTimeout: Int = 30,
            maxBodySize: Int = 1 << 20,
            maxHeaderSize: Int = 32 << 10,
            logsErrors: Bool = false,
            tls: TLSConfiguration? = nil
        ) {
            self.listenAddresses = listenAddresses
            self.threadPoolSize = threadPoolSize
            self.connectionLimit = connectionLimit
            self.connectionTimeout = connectionTimeout
            self.maxBodySize = maxBodySize
            self.maxHeaderSize = maxHeaderSize
            self.logsErrors = logsErrors
            self.tls = tls
        }
    }

    private let core: ServerCore

    /// The ports actually bound, one per listen address, in configuration order.
    public let ports: [Int]

    /// Starts listening on every configured address.
    ///
    /// - Parameters:
    ///   - configuration: Addresses and limits.
    ///   - handler: Called once per request, concurrently.
    /// - Throws: ``ServerError`` naming the address that could not be parsed or bound (for example because the port
    ///   is in use), or the TLS setting that GnuTLS refused (see ``TLSConfiguration/validate()``); addresses already
    ///   started are stopped again.
    public init(configuration: Configuration, handler: @escaping Handler) throws {
        try configuration.tls?.validate()
        let core = ServerCore(configuration: configuration, handler: handler)
        var listeners: [Listener] = []
        for address in configuration.listenAddresses {
            do {
                listeners.append(try Listener(address: address, core: core))
            } catch {
                core.install(listeners)
                core.stopNow()
                throw error
            }
        }
        core.install(listeners)
        core.startSweeping()
        self.core = core
        self.ports = listeners.map(\.port)
    }

    deinit {
        core.stopNow()
    }

    /// Stops accepting, waits for in-flight handlers (cancelling them after `gracePeriod`), resumes every suspended
    /// connection, then releases libmicrohttpd. Idempotent; concurrent calls all wait for the same stop.
    ///
    /// A handler that has not returned one second after its cancellation is abandoned: its client gets `503` and its
    /// result is discarded. Cancelling the calling task does not interrupt the stop.
    ///
    /// - Parameter gracePeriod: How long handlers may keep running before they are cancelled.
    public func stop(gracePeriod: Duration = .seconds(5)) async {
        await core.stop(gracePeriod: gracePeriod)
    }
}

// MARK: - Server core: the state shared by MHD's threads, the handler tasks and stop()

private struct InFlight {
    var task: Task<Void, Never>
    var connection: ConnectionState
}

private struct CoreState {
    enum Phase {
        case running
        case stopping
        case stopped
    }

    var phase = Phase.running
    var nextID: UInt64 = 0
    var inFlight: [UInt64: InFlight] = [:]
    var listeners: [Listener] = []
    var stopTask: Task<Void, Never>?
    /// Closes connections whose headers are overdue (``HeaderDeadlines``); cancelled by `stopNow()`.
    var sweeper: Task<Void, Never>?
}

/// What libmicrohttpd's callbacks reach through their `cls` pointer.
///
/// Lifetime: passed unretained; the ``HTTPServer`` owns it and stops every daemon (in `stop` or `deinit`) before
/// releasing it. Thread safety: `state` is locked, the rest is immutable.
private final class ServerCore: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let handler: HTTPServer.Handler
    let state = Locked(CoreState())
    /// Header deadlines counted from each connection's start; `nil` when ``HTTPServer/Configuration/connectionTimeout``
    /// is 0.
    let deadlines: HeaderDeadlines?

    init(configuration: HTTPServer.Configuration, handler: @escaping HTTPServer.Handler) {
        self.configuration = configuration
        self.handler = handler
        deadlines =
            configuration.connectionTimeout > 0
            ? HeaderDeadlines(limit: .seconds(configuration.connectionTimeout)) : nil
    }

    /// Starts the task that closes connections whose request headers are overdue.
    func startSweeping() {
        guard let deadlines else { return }
        let sweeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: deadlines.sweepInterval)
                deadlines.sweep()
            }
        }
        state.withLock { $0.sweeper = sweeper }
    }

    func install(_ listeners: [Listener]) {
        state.withLock { $0.listeners = listeners }
    }

    /// Suspends `connection` and starts its handler task; `false` when the server is stopping.
    ///
    /// Called on an MHD thread from the access handler, as libmicrohttpd requires for `MHD_suspend_connection`.
    /// Suspending under the lock means `stop()` never sees a task whose connection is not yet suspended.
    func dispatch(_ request: ServerRequest, on connection: ConnectionState) -> Bool {
        let handler = self.handler
        return state.withLock { state in
            guard state.phase == .running else {
                return false
            }
            MHD_suspend_connection(connection.raw)
            connection.markSuspended()
            state.nextID += 1
            let id = state.nextID
            connection.id = id
            // The entry stays until MHD reports the request complete (`completed(_:)`), which cannot happen before
            // the task resumes the connection.
            let acceptEncoding = request.header("accept-encoding")
            let task = Task {
                connection.deliver(await handler(request).encoded(acceptEncoding: acceptEncoding))
            }
            state.inFlight[id] = InFlight(task: task, connection: connection)
            return true
        }
    }

    /// Forgets a dispatched request once libmicrohttpd has finished with it (response sent or connection closed).
    func completed(_ id: UInt64) {
        state.withLock { _ = $0.inFlight.removeValue(forKey: id) }
    }

    func stop(gracePeriod: Duration) async {
        let task = state.withLock { state -> Task<Void, Never> in
            if let task = state.stopTask {
                return task
            }
            if state.phase == .running {
                state.phase = .stopping
            }
            let task = Task { await self.drain(gracePeriod: gracePeriod) }
            state.stopTask = task
            return task
        }
        await task.value
    }

    private var hasInFlight: Bool {
        state.withLock { !$0.inFlight.isEmpty }
    }

    /// The graceful part of a stop. A request counts as in flight until libmicrohttpd reports it complete, so a
    /// response that a handler returned is also sent before the daemon goes away.
    private func drain(gracePeriod: Duration) async {
        for listener in state.withLock({ $0.listeners }) {
            listener.quiesce()
        }
        // 1. Let handlers finish within the grace period.
        await waitForInFlight(upTo: gracePeriod)
        // 2. Cancel the rest and give them a moment to return.
        for entry in state.withLock({ Array($0.inFlight.values) }) {
            entry.task.cancel()
        }
        await waitForInFlight(upTo: .seconds(1))
        // 3. Answer whatever still hangs with 503 and let MHD send it.
        for entry in state.withLock({ Array($0.inFlight.values) }) {
            entry.connection.deliver(stoppingResponse())
        }
        await waitForInFlight(upTo: .seconds(1))
        stopNow()
    }

    private func waitForInFlight(upTo limit: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while hasInFlight && clock.now < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Stops at once: cancels the handlers still running, resumes their connections with `503`, then stops every
    /// daemon (which may close those connections before the `503` is sent). Synchronous, so `deinit` and a failed
    /// `init` can use it. Idempotent.
    func stopNow() {
        let (entries, listeners) = state.withLock { state -> ([InFlight], [Listener]) in
            state.phase = .stopped
            state.sweeper?.cancel()
            state.sweeper = nil
            let entries = Array(state.inFlight.values)
            state.inFlight.removeAll()
            let listeners = state.listeners
            state.listeners.removeAll()
            return (entries, listeners)
        }
        for entry in entries {
            entry.task.cancel()
            entry.connection.deliver(stoppingResponse())
        }
        // Every connection is resumed now; MHD_stop_daemon resumes them internally and then closes them.
        for listener in listeners {
            listener.stop()
        }
    }
}

private func stoppingResponse() -> ServerResponse {
    ServerResponse(
        status: 503,
        headers: [
            HTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8"),
            HTTPHeader(name: "Connection", value: "close"),
        ],
        body: Array("server is stopping\n".utf8)
    )
}

// MARK: - Per-request state

/// One request on one connection, from its first access-handler call to MHD's completion notice.
///
/// Lifetime: retained in MHD's per-request pointer (`*req_cls`) and released in the completion callback; the handler
/// task holds its own reference. Thread safety: `id`, `body`, `isTooLarge` and `isDispatched` are only touched by
/// the access handler and the completion callback, which MHD never runs concurrently for one connection; `phase` is locked.
private final class ConnectionState: @unchecked Sendable {
    enum Phase {
        case receiving
        case suspended
        case ready(ServerResponse)
        case done
    }

    let raw: OpaquePointer
    /// The in-flight id once dispatched; written under the core lock before the task starts.
    var id: UInt64?
    var body: [UInt8] = []
    var isTooLarge = false
    var isDispatched = false
    private let phase = Locked(Phase.receiving)

    init(raw: OpaquePointer) {
        self.raw = raw
    }

    func markSuspended() {
        phase.withLock { $0 = .suspended }
    }

    /// Stores the response and resumes the connection, unless that already happened.
    ///
    /// `MHD_resume_connection` runs under the lock, so once another caller sees the phase past `suspended`, the
    /// resume is complete and `MHD_stop_daemon` may follow.
    func deliver(_ response: ServerResponse) {
        phase.withLock { phase in
            guard case .suspended = phase else {
                return
            }
            phase = .ready(response)
            MHD_resume_connection(raw)
        }
    }

    /// The response of the handler once the connection is resumed.
    func takeResponse() -> ServerResponse? {
        phase.withLock { phase in
            guard case .ready(let response) = phase else {
                return nil
            }
            phase = .done
            return response
        }
    }
}

// MARK: - libmicrohttpd callbacks

private func accessHandler(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?,
    _ version: UnsafePointer<CChar>?,
    _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let uploadDataSize, let requestContext else {
        return .NO
    }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()

    guard let existing = requestContext.pointee else {
        // First call: only the headers are known.
        core.deadlines?.headersComplete(connection)
        let state = ConnectionState(raw: connection)
        requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
        if let length = MHD_lookup_connection_value(connection, .HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH),
            let declared = Int(String(cString: length)), declared > core.configuration.maxBodySize
        {
            state.isTooLarge = true
            return queue(tooLargeResponse(core.configuration.maxBodySize), on: connection)
        }
        return .YES
    }
    let state = Unmanaged<ConnectionState>.fromOpaque(existing).takeUnretainedValue()

    if uploadDataSize.pointee > 0 {
        // A chunk of the body.
        let count = uploadDataSize.pointee
        if !state.isTooLarge, let uploadData {
            if state.body.count + count > core.configuration.maxBodySize {
                state.isTooLarge = true
                state.body = []
            } else {
                state.body.append(contentsOf: UnsafeRawBufferPointer(start: uploadData, count: count))
            }
        }
        uploadDataSize.pointee = 0
        return .YES
    }

    if state.isDispatched {
        // Called again after the resume: send what the handler returned.
        guard let response = state.takeResponse() else {
            return .YES
        }
        // MHD_NO makes libmicrohttpd close the connection without sending anything.
        return response.closesWithoutAnswer ? .NO : queue(response, on: connection)
    }
    if state.isTooLarge {
        return queue(tooLargeResponse(core.configuration.maxBodySize), on: connection)
    }
    let request = ServerRequest(
        method: method.map { String(cString: $0) } ?? "",
        path: url.map { String(cString: $0) } ?? "",
        query: values(of: connection, kind: .GET_ARGUMENT_KIND, lowercasingNames: false),
        headers: values(of: connection, kind: .HEADER_KIND, lowercasingNames: true).map {
            HTTPHeader(name: $0.name, value: $0.value)
        },
        body: state.body
    )
    state.body = []
    state.isDispatched = true
    guard core.dispatch(request, on: state) else {
        return queue(stoppingResponse(), on: connection)
    }
    return .YES
}

private func requestCompleted(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ termination: MHD_RequestTerminationCode
) {
    if let cls, let connection {
        Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().deadlines?.requestDone(connection)
    }
    guard let requestContext, let pointer = requestContext.pointee else {
        return
    }
    requestContext.pointee = nil
    let state = Unmanaged<ConnectionState>.fromOpaque(pointer).takeRetainedValue()
    if let cls, let id = state.id {
        Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().completed(id)
    }
}

private func tooLargeResponse(_ limit: Int) -> ServerResponse {
    .text("request body larger than \(limit) bytes\n", status: 413)
}

/// Hands `response` to libmicrohttpd, which sends the body's segments from where they are and releases them
/// (`releaseSegments`) when it destroys the response.
private func queue(_ response: ServerResponse, on connection: OpaquePointer) -> MHD_Result {
    let segments = response.segments
    let vectors = segments.map { MHD_IoVec(iov_base: $0.baseAddress, iov_len: $0.count) }
    let retained = Unmanaged.passRetained(SegmentsBox(segments)).toOpaque()
    let created = vectors.withUnsafeBufferPointer { vectors in
        MHD_create_response_from_iovec(vectors.baseAddress, UInt32(vectors.count), releaseSegments, retained)
    }
    guard let created else {
        // libmicrohttpd calls no free callback when it fails to create a response.
        Unmanaged<SegmentsBox>.fromOpaque(retained).release()
        return .NO
    }
    defer { MHD_destroy_response(created) }
    for header in response.headers {
        // MHD refuses fields it manages itself or that contain line breaks; those are dropped.
        _ = MHD_add_response_header(created, header.name, header.value)
    }
    let status = (100...999).contains(response.status) ? response.status : 500
    return MHD_queue_response(connection, UInt32(status), created)
}

/// Keeps a response's segments alive until libmicrohttpd is done with them.
private final class SegmentsBox {
    let segments: [SharedBytes]

    init(_ segments: [SharedBytes]) {
        self.segments = segments
    }
}

/// libmicrohttpd's free callback for a response made by `queue`: releases its ``SegmentsBox``.
private func releaseSegments(_ cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    Unmanaged<SegmentsBox>.fromOpaque(cls).release()
}

/// Collects name/value pairs of one kind in the order libmicrohttpd parsed them.
private final class PairCollector {
    var pairs: [(name: String, value: String)] = []
    let lowercasingNames: Bool

    init(lowercasingNames: Bool) {
        self.lowercasingNames = lowercasingNames
    }
}

private func values(
    of connection: OpaquePointer,
    kind: MHD_ValueKind,
    lowercasingNames: Bool
) -> [(name: String, value: String)] {
    let collector = PairCollector(lowercasingNames: lowercasingNames)
    _ = MHD_get_connection_values(connection, kind, collectPair, Unmanaged.passUnretained(collector).toOpaque())
    return collector.pairs
}

private func collectPair(
    _ cls: UnsafeMutableRawPointer?,
    _ kind: MHD_ValueKind,
    _ key: UnsafePointer<CChar>?,
    _ value: UnsafePointer<CChar>?
) -> MHD_Result {
    guard let cls, let key else {
        return .YES
    }
    let collector = Unmanaged<PairCollector>.fromOpaque(cls).takeUnretainedValue()
    let name = String(cString: key)
    collector.pairs.append(
        (name: collector.lowercasingNames ? name.lowercased() : name, value: value.map { String(cString: $0) } ?? "")
    )
    return .YES
}

// MARK: - Listening

/// A parsed listen address.
private enum ListenAddress {
    case ipv4(in_addr, port: UInt16)
    case ipv6(in6_addr, port: UInt16)
    case any(port: UInt16)

    init(parsing text: String) throws(ServerError) {
        let hostPart: Substring
        let portPart: Substring
        let isBracketed = text.hasPrefix("[")
        if isBracketed {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ServerError("invalid listen address \(text): expected [v6-address]:port")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ServerError("invalid listen address \(text): expected host:port, [v6-address]:port or :port")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !portPart.isEmpty, portPart.allSatisfy(\.isASCII), portPart.allSatisfy(\.isNumber),
            let port = UInt16(portPart)
        else {
            throw ServerError("invalid listen address \(text): the port must be a number from 0 to 65535")
        }
        if hostPart.isEmpty && !isBracketed {
            self = .any(port: port)
            return
        }
        let host = String(hostPart)
        if isBracketed {
            var address = in6_addr()
            guard inet_pton(AF_INET6, host, &address) == 1 else {
                throw ServerError("invalid listen address \(text): \(host) is not a numeric IPv6 address")
            }
            self = .ipv6(address, port: port)
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, host, &address) == 1 else {
                throw ServerError(
                    "invalid listen address \(text): \(host) is not a numeric IPv4 address (write IPv6 as [address]:port)"
                )
            }
            self = .ipv4(address, port: port)
        }
    }
}

/// Whether `address` is `::`, the IPv6 unspecified address.
private func isUnspecified(_ address: in6_addr) -> Bool {
    withUnsafeBytes(of: address) { bytes in bytes.allSatisfy { $0 == 0 } }
}

/// One libmicrohttpd daemon on one address.
///
/// Thread safety: the mutable parts (quiesced socket, stopped flag) are locked.
private final class Listener: @unchecked Sendable {
    let address: String
    let port: Int
    private let daemon: OpaquePointer
    private let lifecycle = Locked((quiescedSocket: Int32(-1), isStopped: false))
    /// The PEM texts and priority string handed to libmicrohttpd, which keeps the pointers; freed after the daemon.
    private let tlsStrings: TLSStrings?

    init(address: String, core: ServerCore) throws(ServerError) {
        let parsed = try ListenAddress(parsing: address)
        let configuration = core.configuration
        let context = Unmanaged.passUnretained(core).toOpaque()
        let tlsStrings = configuration.tls.map(TLSStrings.init)
        let baseFlags =
            MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
            | (configuration.logsErrors ? MHD_USE_ERROR_LOG.rawValue : 0)
            | (tlsStrings != nil ? MHD_USE_TLS.rawValue : 0)

        func start(flags: UInt32, sockaddr: UnsafeMutableRawPointer) -> (OpaquePointer?, Int32) {
            let notify: MHD_RequestCompletedCallback = requestCompleted
            var options: [MHD_OptionItem] = [
                MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: sockaddr),
                MHD_OptionItem(
                    option: .CONNECTION_LIMIT,
                    value: max(1, configuration.connectionLimit),
                    ptr_value: nil
                ),
                MHD_OptionItem(
                    option: .CONNECTION_TIMEOUT,
                    value: max(0, configuration.connectionTimeout),
                    ptr_value: nil
                ),
                MHD_OptionItem(
                    option: .CONNECTION_MEMORY_LIMIT,
                    value: max(4 << 10, configuration.maxHeaderSize),
                    ptr_value: nil
                ),
                MHD_OptionItem(
                    option: .NOTIFY_COMPLETED,
                    value: unsafeBitCast(notify, to: Int.self),
                    ptr_value: context
                ),
            ]
            if let deadlines = core.deadlines {
                let notice: MHD_NotifyConnectionCallback = connectionNotice
                options.append(
                    MHD_OptionItem(
                        option: .NOTIFY_CONNECTION,
                        value: unsafeBitCast(notice, to: Int.self),
                        ptr_value: Unmanaged.passUnretained(deadlines).toOpaque()
                    )
                )
            }
            if let tlsStrings {
                options += tlsStrings.options(context: context)
            }
            if configuration.threadPoolSize > 1 {
                options.append(
                    MHD_OptionItem(option: .THREAD_POOL_SIZE, value: configuration.threadPoolSize, ptr_value: nil)
                )
            }
            options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            errno = 0
            let daemon = options.withUnsafeMutableBufferPointer { buffer in
                CServerShims_MHD_start_daemon(flags, 0, nil, nil, accessHandler, context, buffer.baseAddress)
            }
            return (daemon, errno)
        }

        var result: (OpaquePointer?, Int32)
        switch parsed {
        case .ipv4(let host, let port):
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = port.bigEndian
            socketAddress.sin_addr = host
            result = start(flags: baseFlags, sockaddr: &socketAddress)
        case .ipv6(let host, let port):
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = port.bigEndian
            socketAddress.sin6_addr = host
            // `[::]`, the unspecified address, is dual-stack (IPV6_V6ONLY off), as `:port` is and Go exporters do.
            let family = isUnspecified(host) ? MHD_USE_DUAL_STACK.rawValue : MHD_USE_IPv6.rawValue
            result = start(flags: baseFlags | family, sockaddr: &socketAddress)
        case .any(let port):
            var dualStack = sockaddr_in6()
            dualStack.sin6_family = sa_family_t(AF_INET6)
            dualStack.sin6_port = port.bigEndian
            dualStack.sin6_addr = in6addr_any
            result = start(flags: baseFlags | MHD_USE_DUAL_STACK.rawValue, sockaddr: &dualStack)
            if result.0 == nil {
                // No IPv6 on this host: all IPv4 interfaces.
                var ipv4 = sockaddr_in()
                ipv4.sin_family = sa_family_t(AF_INET)
                ipv4.sin_port = port.bigEndian
                ipv4.sin_addr = in_addr(s_addr: INADDR_ANY)
                let fallback = start(flags: baseFlags, sockaddr: &ipv4)
                if fallback.0 != nil {
                    result = fallback
                }
            }
        }
        guard let daemon = result.0 else {
            tlsStrings?.free()
            let reason = result.1 != 0 ? String(cString: strerror(result.1)) : "libmicrohttpd could not start"
            throw ServerError("cannot listen on \(address): \(reason)")
        }
        guard let info = CServerShims_MHD_get_daemon_info(daemon, .DAEMON_INFO_BIND_PORT) else {
            MHD_stop_daemon(daemon)
            tlsStrings?.free()
            throw ServerError("cannot listen on \(address): the bound port is unknown")
        }
        self.address = address
        self.daemon = daemon
        self.tlsStrings = tlsStrings
        self.port = Int(info.pointee.port)
    }

    /// Stops accepting new connections at once (they are refused); open connections keep being served.
    func quiesce() {
        lifecycle.withLock { state in
            guard !state.isStopped, state.quiescedSocket < 0 else {
                return
            }
            state.quiescedSocket = MHD_quiesce_daemon(daemon)
            if state.quiescedSocket >= 0 {
                // The socket stays open until MHD_stop_daemon (microhttpd.h), and the kernel would go on completing
                // handshakes into its backlog; shutting it down makes new connections be refused at once (Linux).
                shutdown(state.quiescedSocket, Int32(SHUT_RDWR))
            }
        }
    }

    /// Stops the daemon (every connection must be resumed by now), then closes the quiesced listen socket, as
    /// microhttpd.h asks for internal-thread daemons.
    func stop() {
        lifecycle.withLock { state in
            guard !state.isStopped else {
                return
            }
            state.isStopped = true
            MHD_stop_daemon(daemon)
            tlsStrings?.free()
            if state.quiescedSocket >= 0 {
                close(state.quiescedSocket)
                state.quiescedSocket = -1
            }
        }
    }
}
