import Glibc

/// Why a ``LoopbackSocket`` could not connect.
public struct LoopbackSocketError: Error, CustomStringConvertible {
    /// What failed, with the port and `errno`.
    public var description: String
}

/// A blocking TCP connection to 127.0.0.1, for tests and fuzzers that put raw bytes on the wire (requests cut short,
/// bytes that no HTTP client would send, connections that send nothing).
///
/// Blocking calls: use it on a thread of its own, not on the cooperative pool, when a call may wait long.
public final class LoopbackSocket: @unchecked Sendable {
    private var descriptor: Int32

    /// Connects to 127.0.0.1:`port`.
    ///
    /// - Parameters:
    ///   - port: The TCP port.
    ///   - receiveTimeout: How long one ``receive(upTo:)`` waits for data, in seconds (`SO_RCVTIMEO`).
    /// - Throws: ``LoopbackSocketError`` when the socket cannot be made or the connection is refused.
    public init(port: Int, receiveTimeout: Int = 10) throws(LoopbackSocketError) {
        descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw LoopbackSocketError(description: "socket: errno \(errno)")
        }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = LoopbackSocketError(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
            close()
            throw error
        }
    }

    deinit { close() }

    /// Sends `bytes` as they are; returns the count the kernel took, or -1.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
    }

    /// Sends `bytes` as they are; returns the count the kernel took, or -1.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { send($0) }
    }

    /// Sends the UTF-8 bytes of `text`; returns the count the kernel took, or -1.
    @discardableResult
    public func send(_ text: String) -> Int {
        send(Array(text.utf8))
    }

    /// Ends the sending side (`shutdown(SHUT_WR)`): the server reads end of input.
    public func endSending() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Waits for data: up to `count` bytes, an empty array when the server closed the connection, `nil` on an error
    /// or when the receive timeout passed (`errno` says which).
    public func receive(upTo count: Int = 16_384) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let received = recv(descriptor, &buffer, count, 0)
        guard received >= 0 else { return nil }
        return Array(buffer[..<received])
    }

    /// Reads until the server closes the connection or a receive times out or fails; returns what came.
    public func receiveAll() -> [UInt8] {
        var received: [UInt8] = []
        while let chunk = receive(), !chunk.isEmpty {
            received += chunk
        }
        return received
    }

    /// Closes the connection. Idempotent.
    public func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }
}
