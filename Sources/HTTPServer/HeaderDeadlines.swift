internal import CMicroHTTPD
internal import CServerShims
import Glibc
import LockedValue

/// Closes connections whose request headers are not complete within a limit counted from the connection's start
/// (or from the end of the previous response on it), however slowly the bytes trickle in.
///
/// libmicrohttpd's `MHD_OPTION_CONNECTION_TIMEOUT` is an idle timeout that restarts with every byte, so a client
/// sending one header byte every few seconds would hold its connection forever. This table learns of each
/// connection from `MHD_OPTION_NOTIFY_CONNECTION`, of complete headers from the access handler and of finished
/// requests from the completion callback; ``sweep(now:)`` shuts down (`shutdown(2)`, never `close`) the socket of
/// every connection past its deadline, and libmicrohttpd then closes it as it would a peer's hang-up.
///
/// Thread safety: every method may be called from any thread. The socket is shut down under the lock, and
/// libmicrohttpd reports a connection closed (``closed(_:)``, which takes the lock) before it closes the socket, so
/// a descriptor number is never shut down after it was reused; as a second guard, a descriptor is shut down only
/// while its local and peer addresses are still those the connection started with.
final class HeaderDeadlines: Sendable {
    private struct Entry {
        var socket: Int32
        /// The socket's local and peer addresses when the connection started: a descriptor is shut down only while
        /// it still names this connection, whatever libmicrohttpd reported.
        var identity: [UInt8]
        /// Since when the connection waits for complete request headers; `nil` while a request is being handled.
        var waitingSince: ContinuousClock.Instant?
    }

    /// The time allowed for complete request headers.
    let limit: Duration
    private let entries = Locked([UInt: Entry]())

    init(limit: Duration) {
        self.limit = limit
    }

    /// A new connection: its headers are due within ``limit`` from now.
    func started(_ connection: OpaquePointer) {
        let socket = CServerShims_MHD_connection_socket(connection)
        guard socket >= 0, let identity = Self.identity(of: socket) else { return }
        let now = ContinuousClock.now
        entries.withLock { $0[key(connection)] = Entry(socket: socket, identity: identity, waitingSince: now) }
    }

    /// The request headers are complete: no deadline until the request is done.
    func headersComplete(_ connection: OpaquePointer) {
        entries.withLock { $0[key(connection)]?.waitingSince = nil }
    }

    /// A request is done; the next one's headers are due within ``limit`` from now.
    func requestDone(_ connection: OpaquePointer) {
        let now = ContinuousClock.now
        entries.withLock { $0[key(connection)]?.waitingSince = now }
    }

    /// libmicrohttpd is about to close the connection.
    func closed(_ connection: OpaquePointer) {
        _ = entries.withLock { $0.removeValue(forKey: key(connection)) }
    }

    /// Shuts down the socket of every connection whose headers are overdue; returns how many.
    @discardableResult
    func sweep(now: ContinuousClock.Instant = .now) -> Int {
        let limit = self.limit
        return entries.withLock { entries in
            var count = 0
            for (connection, entry) in entries {
                guard let since = entry.waitingSince, since.duration(to: now) >= limit else { continue }
                guard Self.identity(of: entry.socket) == entry.identity else {
                    // The descriptor no longer names this connection: never touch it.
                    entries[connection] = nil
                    continue
                }
                shutdown(entry.socket, Int32(SHUT_RDWR))
                entries[connection]?.waitingSince = nil
                count += 1
            }
            return count
        }
    }

    /// How often ``sweep(now:)`` should run: a tenth of the limit, between 100 ms and 1 s.
    var sweepInterval: Duration {
        min(.seconds(1), max(.milliseconds(100), limit / 10))
    }

    /// The local and peer addresses of `socket`, or `nil` when it is not a connected socket.
    private static func identity(of socket: Int32) -> [UInt8]? {
        var local = sockaddr_storage()
        var peer = sockaddr_storage()
        var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &local) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &localLength) }
        }
        let connected = withUnsafeMutablePointer(to: &peer) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(socket, $0, &peerLength) }
        }
        guard named == 0, connected == 0 else { return nil }
        let localBytes = withUnsafeBytes(of: local) { Array($0.prefix(Int(localLength))) }
        let peerBytes = withUnsafeBytes(of: peer) { Array($0.prefix(Int(peerLength))) }
        return localBytes + peerBytes
    }

    private func key(_ connection: OpaquePointer) -> UInt {
        UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))
    }
}

/// libmicrohttpd's connection notice (`MHD_OPTION_NOTIFY_CONNECTION`); `cls` is the ``HeaderDeadlines``.
func connectionNotice(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ code: MHD_ConnectionNotificationCode
) {
    guard let cls, let connection else { return }
    let deadlines = Unmanaged<HeaderDeadlines>.fromOpaque(cls).takeUnretainedValue()
    switch code {
    case .CONNECTION_NOTIFY_STARTED: deadlines.started(connection)
    case .CONNECTION_NOTIFY_CLOSED: deadlines.closed(connection)
    }
}
