#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a file cannot be read, from the `errno` of `open(2)`: a missing file and a file that this user may not read
/// (the file's mode, or a directory above it the user cannot search) need different fixes.
enum UnreadableFile: Equatable {
    /// `ENOENT` or `ENOTDIR`: no file at the path.
    case missing
    /// `EACCES` or `EPERM`: the file or a directory above it does not let this user in.
    case permissionDenied
    /// Any other `errno` (or none: the file opened, but reading it failed).
    case other(errno: Int32)

    /// Opens `path` read-only to learn why it cannot be read; closes it again at once.
    init(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        let error = errno
        if descriptor >= 0 {
            close(descriptor)
            self = .other(errno: 0)
            return
        }
        switch error {
        case ENOENT, ENOTDIR: self = .missing
        case EACCES, EPERM: self = .permissionDenied
        default: self = .other(errno: error)
        }
    }

    /// The message for a ``ConfigError`` with code `io`.
    ///
    /// - Parameter missingHint: What to say after "no such file", e.g. which flag names the file.
    func reason(missingHint: String) -> String {
        switch self {
        case .missing:
            return "no such file; " + missingHint
        case .permissionDenied:
            return "permission denied: user \(getuid()) (group \(getgid())) may not read the file or search a "
                + "directory above it; make it readable to the exporter's user or group (under systemd "
                + "DynamicUser=yes, see examples/systemd/dataworks-exporter.service)"
        case .other(let errno):
            return "cannot read the file: \(String(cString: strerror(errno)))"
        }
    }
}
