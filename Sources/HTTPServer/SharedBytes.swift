internal import CZlib
import LockedValue

/// Bytes that never change once made, shared by every response that sends them.
///
/// libmicrohttpd sends a response's ``SharedBytes`` from where they are (`MHD_create_response_from_iovec`), so a
/// body rendered once, for example the deployment families of one collection, costs no copy per request. The gzip
/// form of the bytes (``Gzip``) is made on first use and kept beside them.
///
/// Thread safety: the bytes are immutable; the kept gzip form is locked.
public final class SharedBytes: Sendable {
    /// A raw deflate (RFC 1951) encoding of the bytes that ends on a byte boundary without a final block
    /// (zlib's `Z_SYNC_FLUSH`), so encodings of consecutive pieces can be concatenated; with the CRC-32 of the
    /// bytes, to build a gzip trailer.
    struct Deflated: Sendable {
        let bytes: SharedBytes
        let crc32: UInt32
    }

    nonisolated(unsafe) private let storage: UnsafeMutableRawBufferPointer
    private let deflatedForm: Locked<Deflated?> = Locked(nil)

    /// Copies `bytes` once into storage of their own.
    ///
    /// - Parameter bytes: The bytes, of any length.
    public init(_ bytes: some Collection<UInt8>) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        // One memcpy for arrays and other contiguous collections; element by element otherwise.
        let copied: Bool? = bytes.withContiguousStorageIfAvailable { [storage] source in
            storage.copyMemory(from: UnsafeRawBufferPointer(source))
            return true
        }
        if copied == nil {
            _ = storage.initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    deinit {
        storage.deallocate()
    }

    /// The number of bytes.
    public var count: Int { storage.count }

    /// The bytes, read in place; `body` must not keep the pointer.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// A copy of the bytes.
    public var array: [UInt8] { Array(UnsafeRawBufferPointer(storage)) }

    /// The start of the storage, valid while `self` lives; for libmicrohttpd, which only reads it.
    var baseAddress: UnsafeRawPointer? { UnsafeRawPointer(storage.baseAddress) }

    /// The raw deflate form, made on first use at ``Gzip/level``; `nil` when zlib cannot start (out of memory).
    /// Two threads asking at once may both compress; the first result is kept.
    var deflated: Deflated? {
        if let kept = deflatedForm.withLock({ $0 }) {
            return kept
        }
        guard let made = Gzip.deflateFlushed(UnsafeRawBufferPointer(storage)) else {
            return nil
        }
        return deflatedForm.withLock { kept in
            if let kept { return kept }
            kept = made
            return made
        }
    }
}
