import CExporterShims
import CurlClient

/// The reference of the per-call cost benchmark: the least a libcurl program does to send the same requests, one
/// multi handle driven by the calling thread, easy handles reused, every constant option set once per handle, the
/// body collected into a reused buffer, no header parsing, no queue, no lock, no task.
///
/// Not part of the exporter: it exists only to be measured beside ``CurlHTTPClient`` in the same run.
final class RawCurlReference {
    /// What a run transferred.
    struct Outcome {
        /// Transfers answered with HTTP 200.
        var succeeded = 0
        /// Transfers that failed or were answered with another status.
        var failed = 0
        /// Body bytes received.
        var bodyBytes = 0
    }

    private let multi: UnsafeMutableRawPointer
    private var pool: [RawTransfer] = []

    /// A multi handle with `concurrency` easy handles and as many connections to one host.
    init?(concurrency: Int) {
        guard curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK, let multi = curl_multi_init() else {
            return nil
        }
        self.multi = multi
        _ = CExporterShims_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, concurrency)
        _ = CExporterShims_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, concurrency)
        for _ in 0..<concurrency {
            guard let transfer = RawTransfer() else {
                return nil
            }
            pool.append(transfer)
        }
    }

    deinit {
        pool.removeAll()
        curl_multi_cleanup(multi)
    }

    /// Sends every request (method POST, form body), `concurrency` at a time, and returns when all have finished.
    func run(_ requests: [HTTPRequest]) -> Outcome {
        var outcome = Outcome()
        var idle = pool
        var active: [UnsafeMutableRawPointer: RawTransfer] = [:]
        var next = 0
        while next < requests.count || !active.isEmpty {
            while next < requests.count, let transfer = idle.popLast() {
                transfer.prepare(requests[next])
                next += 1
                _ = curl_multi_add_handle(multi, transfer.easy)
                active[transfer.easy] = transfer
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            var finished = false
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easy)
                else {
                    continue
                }
                var status = 0
                _ = CExporterShims_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                if message.pointee.data.result == CURLE_OK && status == 200 {
                    outcome.succeeded += 1
                } else {
                    outcome.failed += 1
                }
                outcome.bodyBytes += transfer.body.count
                _ = curl_multi_remove_handle(multi, easy)
                transfer.finish()
                idle.append(transfer)
                finished = true
            }
            if !finished {
                _ = curl_multi_poll(multi, nil, 0, 1000, nil)
            }
        }
        return outcome
    }
}

/// One easy handle, its header list and its body buffer.
private final class RawTransfer {
    let easy: UnsafeMutableRawPointer
    var body: [UInt8] = []
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init?() {
        guard let easy = curl_easy_init() else {
            return nil
        }
        self.easy = easy
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = CExporterShims_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = CExporterShims_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 5_000)
        _ = CExporterShims_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, 10_000)
        _ = CExporterShims_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, rawWriteCallback)
        _ = CExporterShims_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        _ = CExporterShims_curl_easy_setopt_long(easy, CURLOPT_POST, 1)
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_easy_cleanup(easy)
    }

    /// Sets what differs per request: URL, body and header fields (as ``CurlHTTPClient`` sends them: the request's
    /// fields, then an empty `Expect:` to suppress libcurl's default).
    func prepare(_ request: HTTPRequest) {
        body.removeAll(keepingCapacity: true)
        _ = request.url.withCString { CExporterShims_curl_easy_setopt_string(easy, CURLOPT_URL, $0) }
        _ = CExporterShims_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
        _ = request.body.withUnsafeBytes { buffer in
            CExporterShims_curl_easy_setopt_pointer(
                easy,
                CURLOPT_COPYPOSTFIELDS,
                UnsafeMutableRawPointer(mutating: buffer.baseAddress)
            )
        }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        headerList = curl_slist_append(headerList, "Expect:")
        _ = CExporterShims_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
    }

    /// Frees the header list of the finished transfer.
    func finish() {
        curl_slist_free_all(headerList)
        headerList = nil
    }
}

private func rawWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    if let data, let context {
        Unmanaged<RawTransfer>.fromOpaque(context).takeUnretainedValue().body
            .append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
    }
    return size * count
}
