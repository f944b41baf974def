internal import CExporterShims
import Glibc
import LockedValue

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
        /// The proxy refused the request: HTTP 407 Proxy Authentication Required, to a `CONNECT` or to the request
        /// itself (the proxy's credentials are missing or wrong).
        case proxyAuthentication
        /// The body came in a `Content-Encoding` libcurl cannot decode (`CURLE_BAD_CONTENT_ENCODING`); the message
        /// names the coding.
        case contentEncoding
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

    /// A one-line summary: kind, message and curl code.
    public var description: String { "\(kind.rawValue): \(message) (curl code \(code))" }

    /// Classifies a libcurl result code; `detail` is the handle's error buffer, empty for none.
    init(curlCode: CURLcode, detail: String = "") {
        var message = String(cString: curl_easy_strerror(curlCode))
        if !detail.isEmpty && detail != message {
            message += ": " + detail
        }
        self.init(kind: Kind(curlCode: curlCode), code: Int32(truncatingIfNeeded: curlCode.rawValue), message: message)
    }
}

extension TransportError.Kind {
    /// The class of a libcurl result code.
    init(curlCode: CURLcode) {
        switch curlCode {
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .dns
        case CURLE_COULDNT_CONNECT:
            self = .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            self = .tls
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2_STREAM:
            self = .reset
        default:
            self = .other
        }
    }
}

/// libcurl's process-wide initialisation, run once before the first client starts (lazy and thread-safe).
private let curlGlobalInitCode: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// An HTTP client over one libcurl multi handle, driven by a dedicated thread.
///
/// Transfers run concurrently up to ``Configuration/maxConcurrentTransfers``; further requests wait in a first-in,
/// first-out queue, and a request's ``HTTPRequest/timeout`` starts when it leaves the queue. Connections are kept
/// alive and reused. Proxies come from the environment as libcurl reads it (`http_proxy` in lower case only,
/// `https_proxy`/`HTTPS_PROXY`, `all_proxy`/`ALL_PROXY`, `no_proxy`/`NO_PROXY`).
///
/// Call ``shutdown()`` when done; `deinit` calls it too, so the worker thread never outlives the client.
///
/// Thread safety: every method may be called from any task.
public final class CurlHTTPClient: Sendable {
    /// Client settings.
    public struct Configuration: Sendable {
        /// The most transfers in flight at once; the rest wait. Also libcurl's per-host connection limit
        /// (`CURLMOPT_MAX_HOST_CONNECTIONS`). Default 8.
        public var maxConcurrentTransfers: Int
        /// The most idle connections kept open for reuse (`CURLMOPT_MAXCONNECTS`). Default: `maxConcurrentTransfers`.
        public var maxIdleConnections: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - maxConcurrentTransfers: The most transfers in flight at once; values below 1 mean 1.
        ///   - maxIdleConnections: The size of the keep-alive cache; `nil` means `maxConcurrentTransfers`.
        public init(maxConcurrentTransfers: Int = 8, maxIdleConnections: Int? = nil) {
            self.maxConcurrentTransfers = max(1, maxConcurrentTransfers)
            self.maxIdleConnections = maxIdleConnections ?? max(1, maxConcurrentTransfers)
        }
    }

    /// Counters of what the client did since it started.
    public struct Statistics: Sendable, Equatable {
        /// Transfers completed, successful or not (cancelled ones are not counted).
        public var transfers: Int
        /// New connections opened (libcurl `CURLINFO_NUM_CONNECTS`, summed); lower than `transfers` when
        /// connections are reused.
        public var connectionsOpened: Int
    }

    /// The settings this client runs with.
    public let configuration: Configuration

    private let shared: ClientShared
    private let thread: pthread_t

    /// Starts the worker thread.
    ///
    /// - Parameter configuration: Concurrency and connection-cache limits.
    /// - Throws: ``TransportError`` when libcurl cannot be initialised or the thread cannot start.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        let initCode = curlGlobalInitCode
        guard initCode == CURLE_OK else {
            throw TransportError(curlCode: initCode)
        }
        guard let multi = curl_multi_init() else {
            throw TransportError(kind: .other, code: -1, message: "curl_multi_init failed")
        }
        _ = CExporterShims_curl_multi_setopt_long(
            multi,
            CURLMOPT_MAX_HOST_CONNECTIONS,
            configuration.maxConcurrentTransfers
        )
        _ = CExporterShims_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxIdleConnections))

        let shared = ClientShared(multi: multi)
        let worker = Unmanaged.passRetained(CurlWorker(shared: shared, configuration: configuration))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, curlWorkerMain, worker.toOpaque())
        guard status == 0 else {
            worker.release()
            curl_multi_cleanup(multi)
            throw TransportError(
                kind: .other,
                code: -1,
                message: "cannot start the curl worker thread: \(String(cString: strerror(status)))"
            )
        }
        self.shared = shared
        self.thread = thread
    }

    deinit {
        shutdown()
    }

    /// Sends `request` and waits for the whole response.
    ///
    /// - Parameter request: The request; its body is copied, its timeouts apply from the moment the transfer starts.
    /// - Returns: The response, whatever its status.
    /// - Throws: ``TransportError`` when no response arrived (timeout, DNS, connect, TLS, reset, other);
    ///   `CancellationError` when the calling task was cancelled (the transfer is removed at once) or the client was
    ///   shut down.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let shared = self.shared
        let id = shared.makeID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                shared.enqueue(Job(id: id, request: request, continuation: continuation))
            }
        } onCancel: {
            shared.cancel(id)
        }
    }

    /// Refuses every request sent from now on (``send(_:)`` throws `CancellationError` at once, nothing reaches the
    /// network) while queued and in-flight transfers go on; for a graceful stop that starts no new upstream attempt.
    /// Idempotent; ``shutdown()`` still ends the client.
    public func stopStartingRequests() {
        shared.state.withLock { $0.refusesNewRequests = true }
    }

    /// What the client did so far.
    public var statistics: Statistics {
        shared.state.withLock { $0.statistics }
    }

    /// Fails queued and in-flight transfers with `CancellationError`, stops the worker thread and frees libcurl's
    /// handles. Idempotent.
    ///
    /// Blocks the calling thread until the worker thread has exited (normally well under a millisecond, at most the
    /// time libcurl needs to abort its in-flight transfers). A concurrent second call returns without waiting.
    public func shutdown() {
        let shared = self.shared
        let mustJoin = shared.state.withLock { state -> Bool in
            if state.phase == .running {
                state.phase = .stopping
                _ = curl_multi_wakeup(shared.multi)
            }
            if state.isJoined {
                return false
            }
            state.isJoined = true
            return true
        }
        guard mustJoin else {
            return
        }
        if pthread_equal(pthread_self(), thread) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }
}

// MARK: - State shared between callers and the worker thread

/// One queued request and the continuation of the task waiting for it.
private struct Job: Sendable {
    var id: UInt64
    var request: HTTPRequest
    var continuation: CheckedContinuation<HTTPResponse, any Error>
}

/// A first-in, first-out queue of jobs that can also drop a job by id.
private struct JobQueue {
    private var order: [UInt64] = []
    private var head = 0
    private var jobs: [UInt64: Job] = [:]

    var isEmpty: Bool { jobs.isEmpty }

    mutating func append(_ job: Job) {
        order.append(job.id)
        jobs[job.id] = job
    }

    mutating func remove(id: UInt64) -> Job? {
        jobs.removeValue(forKey: id)
    }

    mutating func popFirst(upTo limit: Int) -> [Job] {
        var result: [Job] = []
        while result.count < limit && head < order.count {
            let id = order[head]
            head += 1
            if let job = jobs.removeValue(forKey: id) {
                result.append(job)
            }
        }
        if head == order.count {
            order.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return result
    }

    mutating func removeAll() -> [Job] {
        popFirst(upTo: Int.max)
    }
}

private struct ClientState {
    enum Phase {
        case running
        case stopping
        case stopped
    }

    var phase = Phase.running
    var isJoined = false
    /// Set by ``CurlHTTPClient/stopStartingRequests()``: new requests are refused, transfers in flight go on.
    var refusesNewRequests = false
    /// Whether the worker is (about to be) asleep in `curl_multi_poll` with room for a new transfer: only then does
    /// `enqueue` need to wake it. While it is awake it reads the queue before it sleeps again.
    var wakesOnEnqueue = false
    var nextID: UInt64 = 0
    var queue = JobQueue()
    /// Ids of in-flight transfers whose callers were cancelled; the worker removes them.
    var cancelRequests: [UInt64] = []
    var statistics = CurlHTTPClient.Statistics(transfers: 0, connectionsOpened: 0)
}

/// The lock-protected state plus the multi handle.
///
/// Thread safety: `state` is locked; of `multi`, other threads only call `curl_multi_wakeup` (documented as callable
/// from any thread), and only under the lock while the phase is `running`, so never after the worker freed it.
private final class ClientShared: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    let state = Locked(ClientState())

    init(multi: UnsafeMutableRawPointer) {
        self.multi = multi
    }

    func makeID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    func enqueue(_ job: Job) {
        let rejected = state.withLock { state -> Bool in
            guard state.phase == .running, !state.refusesNewRequests, !Task.isCancelled else {
                return true
            }
            state.queue.append(job)
            if state.wakesOnEnqueue {
                state.wakesOnEnqueue = false
                _ = curl_multi_wakeup(multi)
            }
            return false
        }
        if rejected {
            job.continuation.resume(throwing: CancellationError())
        }
    }

    func cancel(_ id: UInt64) {
        let queued = state.withLock { state -> Job? in
            if let job = state.queue.remove(id: id) {
                return job
            }
            if state.phase == .running {
                state.cancelRequests.append(id)
                _ = curl_multi_wakeup(multi)
            }
            return nil
        }
        queued?.continuation.resume(throwing: CancellationError())
    }
}

// MARK: - The worker thread

private func curlWorkerMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let argument else {
        return nil
    }
    Unmanaged<CurlWorker>.fromOpaque(argument).takeRetainedValue().run()
    return nil
}

/// A libcurl easy handle with its error buffer; reused across transfers (connections live in the multi handle).
private final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// Scratch space for one header field line, reused across transfers.
    var lineBuffer: [UInt8] = []

    init?() {
        guard let raw = curl_easy_init() else {
            return nil
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    var errorText: String { String(cString: errorBuffer) }
}

/// One transfer in flight: its easy handle, the caller, and what has arrived so far.
///
/// Only the worker thread touches it; libcurl's callbacks reach it through an unretained pointer while it sits in
/// the worker's in-flight table.
private final class Transfer {
    let job: Job
    let easy: EasyHandle
    var headerList: UnsafeMutablePointer<curl_slist>?
    var headers: [HTTPHeader] = []
    var body: [UInt8] = []

    init(job: Job, easy: EasyHandle) {
        self.job = job
        self.easy = easy
    }

    deinit {
        curl_slist_free_all(headerList)
    }

    /// Sets every option the request needs on a freshly reset handle.
    func configure() throws(TransportError) {
        let handle = easy.raw
        let request = job.request
        easy.errorBuffer[0] = 0
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(CExporterShims_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, easy.errorBuffer))
        try check(CExporterShims_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(request.url.withCString { CExporterShims_curl_easy_setopt_string(handle, CURLOPT_URL, $0) })
        if let proxy = request.proxy {
            try check(proxy.withCString { CExporterShims_curl_easy_setopt_string(handle, CURLOPT_PROXY, $0) })
        }
        if request.bypassesProxy {
            try check(CExporterShims_curl_easy_setopt_string(handle, CURLOPT_NOPROXY, "*"))
        }
        try check(
            CExporterShims_curl_easy_setopt_long(
                handle,
                CURLOPT_CONNECTTIMEOUT_MS,
                milliseconds(request.connectTimeout)
            )
        )
        try check(CExporterShims_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout)))
        if let tls = request.tls {
            try configure(tls)
        }
        try check(CExporterShims_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        try check(CExporterShims_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        try check(CExporterShims_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        try check(CExporterShims_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context))

        let method = request.method.uppercased()  // a small string: no allocation
        let sendsBody = !request.body.isEmpty || method == "POST"
        if method == "HEAD" && request.body.isEmpty {
            try check(CExporterShims_curl_easy_setopt_long(handle, CURLOPT_NOBODY, 1))
        } else if sendsBody {
            try check(CExporterShims_curl_easy_setopt_long(handle, CURLOPT_POST, 1))
            try check(
                CExporterShims_curl_easy_setopt_off_t(
                    handle,
                    CURLOPT_POSTFIELDSIZE_LARGE,
                    curl_off_t(request.body.count)
                )
            )
            // COPYPOSTFIELDS copies POSTFIELDSIZE bytes now, so the array need not outlive this call.
            // An empty body still needs a valid pointer; the size set above (0) is what counts.
            let bytes = request.body.isEmpty ? [0] : request.body
            let code = bytes.withUnsafeBytes { buffer in
                CExporterShims_curl_easy_setopt_pointer(
                    handle,
                    CURLOPT_COPYPOSTFIELDS,
                    UnsafeMutableRawPointer(mutating: buffer.baseAddress)
                )
            }
            try check(code)
        } else {
            try check(CExporterShims_curl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1))
        }
        if method != "GET" && method != "HEAD" && method != "POST" {
            try check(
                request.method.withCString { CExporterShims_curl_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, $0) }
            )
        }

        // Header fields: the caller's, in order; libcurl's defaults (Accept, Expect, Content-Type) are suppressed
        // with empty "Name:" entries unless the caller gives them.
        var givesAccept = false
        var givesExpect = false
        var givesContentType = false
        for header in request.headers {
            guard isValidHeader(header) else {
                throw TransportError(kind: .other, code: -1, message: "invalid header field \(header.name)")
            }
            if asciiCaseInsensitiveEqual(header.name, "accept-encoding") {
                // libcurl then sends it and decodes the body it names.
                try check(
                    header.value.withCString {
                        CExporterShims_curl_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, $0)
                    }
                )
                continue
            }
            givesAccept = givesAccept || asciiCaseInsensitiveEqual(header.name, "accept")
            givesExpect = givesExpect || asciiCaseInsensitiveEqual(header.name, "expect")
            givesContentType = givesContentType || asciiCaseInsensitiveEqual(header.name, "content-type")
            // "Name;" is libcurl's way to send a field with an empty value.
            try append(header.name, header.value.isEmpty ? ";" : ": ", header.value)
        }
        if !givesAccept {
            try append("Accept", ":", "")
        }
        if !givesExpect {
            try append("Expect", ":", "")
        }
        if sendsBody && !givesContentType {
            try append("Content-Type", ":", "")
        }
        try check(CExporterShims_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
    }

    /// Sets the request's TLS options.
    private func configure(_ tls: TLSOptions) throws(TransportError) {
        let handle = easy.raw
        let files: [(CURLoption, String?)] = [
            (CURLOPT_CAINFO, tls.caFile), (CURLOPT_SSLCERT, tls.clientCertificateFile),
            (CURLOPT_SSLKEY, tls.clientKeyFile), (CURLOPT_SSL_CIPHER_LIST, tls.cipherList),
        ]
        for case (let option, let value?) in files {
            try check(value.withCString { CExporterShims_curl_easy_setopt_string(handle, option, $0) })
        }
        if tls.minVersion != nil || tls.maxVersion != nil {
            let minimum = tls.minVersion.map(curlVersion) ?? Int(CURL_SSLVERSION_DEFAULT)
            let maximum = tls.maxVersion.map { curlVersion($0) << 16 } ?? Int(CURL_SSLVERSION_MAX_DEFAULT)
            try check(CExporterShims_curl_easy_setopt_long(handle, CURLOPT_SSLVERSION, minimum | maximum))
        }
    }

    /// Appends the field line `name` `separator` `value` to the header list, written into the handle's reused
    /// buffer (libcurl copies it).
    private func append(_ name: String, _ separator: StaticString, _ value: String) throws(TransportError) {
        var line = easy.lineBuffer
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: name.utf8)
        line.append(contentsOf: UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount))
        line.append(contentsOf: value.utf8)
        line.append(0)
        let list = line.withUnsafeBytes { bytes in
            curl_slist_append(headerList, bytes.baseAddress?.assumingMemoryBound(to: CChar.self))
        }
        easy.lineBuffer = line
        guard let list else {
            throw TransportError(curlCode: CURLE_OUT_OF_MEMORY)
        }
        headerList = list
    }

    private func check(_ code: CURLcode) throws(TransportError) {
        guard code == CURLE_OK else {
            throw TransportError(curlCode: code, detail: easy.errorText)
        }
    }

    /// Takes one header line as libcurl delivers it (status lines included, CRLF at the end), as bytes: only the
    /// name and the value become strings.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        let line = UnsafeRawBufferPointer(rebasing: bytes[..<end])
        if line.starts(with: "HTTP/".utf8) {
            // A new response (after 100 Continue, a redirect or a proxy CONNECT): keep only the last one's fields.
            headers.removeAll(keepingCapacity: true)
        } else if line.isEmpty {
            return
        } else if isBlank(line[0]), !headers.isEmpty {
            // An obsolete folded continuation line.
            headers[headers.count - 1].value += " " + trimmed(line[...])
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            headers.append(
                HTTPHeader(
                    name: String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
                    value: trimmed(line[(colon + 1)...])
                )
            )
        }
    }
}

/// libcurl's `CURL_SSLVERSION_TLSv1_*` number of a version.
private func curlVersion(_ version: TLSOptions.Version) -> Int {
    switch version {
    case .tls10: Int(CURL_SSLVERSION_TLSv1_0)
    case .tls11: Int(CURL_SSLVERSION_TLSv1_1)
    case .tls12: Int(CURL_SSLVERSION_TLSv1_2)
    case .tls13: Int(CURL_SSLVERSION_TLSv1_3)
    }
}

/// Whether `name` equals `lowercase` (ASCII, lower case) ignoring ASCII case, without building a lower-cased copy.
private func asciiCaseInsensitiveEqual(_ name: String, _ lowercase: StaticString) -> Bool {
    let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
    guard name.utf8.count == expected.count else {
        return false
    }
    return zip(name.utf8, expected).allSatisfy { byte, wanted in
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == wanted
    }
}

private func isValidHeader(_ header: HTTPHeader) -> Bool {
    // Bytes, not Characters: "\r\n" is one Character. One pass over each.
    let forbidden: (UInt8) -> Bool = { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }
    guard !header.name.isEmpty else {
        return false
    }
    for byte in header.name.utf8 where forbidden(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ";") {
        return false
    }
    for byte in header.value.utf8 where forbidden(byte) {
        return false
    }
    return true
}

private func isBlank(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
}

/// The bytes without the spaces and tabs around them, as UTF-8 text.
private func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
    guard let start = bytes.firstIndex(where: { !isBlank($0) }), let end = bytes.lastIndex(where: { !isBlank($0) })
    else {
        return ""
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start...end]), as: UTF8.self)
}

/// `duration` in whole milliseconds, rounded up, at least 1 (libcurl reads 0 as "no timeout").
private func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else {
        return 1
    }
    let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    if overflow || whole > Int64(Int32.max) {
        return Int(Int32.max)
    }
    let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return max(1, Int(whole + fraction))
}

private func curlWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let context, length > 0 else {
        return length
    }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func curlHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let context, length > 0 else {
        return length
    }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// The state only the worker thread touches: the in-flight transfers and the idle easy handles.
private final class CurlWorker {
    private let shared: ClientShared
    private let configuration: CurlHTTPClient.Configuration
    private var inFlight: [UInt64: Transfer] = [:]
    private var idByHandle: [UnsafeMutableRawPointer: UInt64] = [:]
    private var idle: [EasyHandle] = []

    init(shared: ClientShared, configuration: CurlHTTPClient.Configuration) {
        self.shared = shared
        self.configuration = configuration
    }

    func run() {
        let multi = shared.multi
        while true {
            let room = max(0, configuration.maxConcurrentTransfers - inFlight.count)
            let (jobs, cancels, isStopping) = shared.state.withLock { state -> ([Job], [UInt64], Bool) in
                guard state.phase == .running else {
                    return ([], [], true)
                }
                state.wakesOnEnqueue = false
                let cancels = state.cancelRequests
                state.cancelRequests.removeAll()
                return (state.queue.popFirst(upTo: room), cancels, false)
            }
            if isStopping {
                break
            }
            for id in cancels {
                if let transfer = remove(id) {
                    recycle(transfer.easy)
                    transfer.job.continuation.resume(throwing: CancellationError())
                }
            }
            for job in jobs {
                start(job)
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            // Completions free slots: refill them before sleeping, or a full batch finishing at once would leave
            // nothing to wake the poll below (stack notes §3.3).
            if drainCompletions() > 0 {
                continue
            }
            // Sleep only when nothing startable is queued; the decision and the flag change under the same lock as
            // `enqueue`, so a job queued after the check wakes the poll.
            let hasRoom = inFlight.count < configuration.maxConcurrentTransfers
            let sleeps = shared.state.withLock { state -> Bool in
                guard state.phase == .running, state.cancelRequests.isEmpty, !(hasRoom && !state.queue.isEmpty) else {
                    return false
                }
                state.wakesOnEnqueue = hasRoom
                return true
            }
            if sleeps {
                // The flag is cleared at the top of the loop; a wake-up between the two is one spare wake-up.
                _ = curl_multi_poll(multi, nil, 0, 1000, nil)
            }
        }
        finishAll()
    }

    private func start(_ job: Job) {
        guard let easy = idle.popLast() ?? EasyHandle() else {
            job.continuation.resume(throwing: TransportError(kind: .other, code: -1, message: "curl_easy_init failed"))
            return
        }
        curl_easy_reset(easy.raw)
        let transfer = Transfer(job: job, easy: easy)
        do {
            try transfer.configure()
        } catch {
            recycle(easy)
            job.continuation.resume(throwing: error)
            return
        }
        let code = curl_multi_add_handle(shared.multi, easy.raw)
        guard code == CURLM_OK else {
            recycle(easy)
            let message = String(cString: curl_multi_strerror(code))
            job.continuation.resume(
                throwing: TransportError(kind: .other, code: Int32(truncatingIfNeeded: code.rawValue), message: message)
            )
            return
        }
        inFlight[job.id] = transfer
        idByHandle[easy.raw] = job.id
    }

    /// Takes a transfer out of the multi handle and the in-flight table; the caller recycles its easy handle.
    private func remove(_ id: UInt64) -> Transfer? {
        guard let transfer = inFlight.removeValue(forKey: id) else {
            return nil
        }
        idByHandle[transfer.easy.raw] = nil
        _ = curl_multi_remove_handle(shared.multi, transfer.easy.raw)
        return transfer
    }

    private func recycle(_ easy: EasyHandle) {
        if idle.count < configuration.maxConcurrentTransfers {
            idle.append(easy)
        }
    }

    /// Resumes the callers of finished transfers; returns how many finished.
    private func drainCompletions() -> Int {
        var finished = 0
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(shared.multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                let id = idByHandle[handle]
            else {
                continue
            }
            let code = message.pointee.data.result
            var status = 0
            var connects = 0
            _ = CExporterShims_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            _ = CExporterShims_curl_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
            guard let transfer = remove(id) else {
                continue
            }
            finished += 1
            // Counted before the caller resumes, so that a caller reading `statistics` after `send` sees its transfer.
            shared.state.withLock { state in
                state.statistics.transfers += 1
                state.statistics.connectionsOpened += connects
            }
            var connectStatus = 0
            _ = CExporterShims_curl_easy_getinfo_long(handle, CURLINFO_HTTP_CONNECTCODE, &connectStatus)
            if connectStatus == 407 || (code == CURLE_OK && status == 407) {
                transfer.job.continuation.resume(
                    throwing:
                        TransportError.proxyAuthentication(
                            transfer.job.request,
                            curlCode: Int32(truncatingIfNeeded: code.rawValue)
                        )
                )
            } else if code == CURLE_BAD_CONTENT_ENCODING {
                transfer.job.continuation.resume(throwing: TransportError.contentEncoding(transfer.headers))
            } else if code == CURLE_OK {
                let response = HTTPResponse(status: status, headers: transfer.headers, body: transfer.body)
                transfer.job.continuation.resume(returning: response)
            } else {
                transfer.job.continuation.resume(
                    throwing: TransportError(curlCode: code, detail: transfer.easy.errorText)
                )
            }
            recycle(transfer.easy)
        }
        return finished
    }

    /// Fails everything still queued or in flight and frees libcurl's handles.
    private func finishAll() {
        let queued = shared.state.withLock { state -> [Job] in
            state.phase = .stopped
            state.cancelRequests.removeAll()
            return state.queue.removeAll()
        }
        for job in queued {
            job.continuation.resume(throwing: CancellationError())
        }
        for id in Array(inFlight.keys) {
            remove(id)?.job.continuation.resume(throwing: CancellationError())
        }
        idle.removeAll()
        curl_multi_cleanup(shared.multi)
    }
}
