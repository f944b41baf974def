internal import CServerShims
import Glibc

/// Password hashing through libxcrypt's `crypt_r` (bcrypt `$2b$`, `$2y$`, `$2a$`, and the other methods libxcrypt
/// supports).
public enum PasswordHash {
    /// Hashes `password` with the method, cost and salt that `setting` names.
    ///
    /// Thread safety: each call has its own `crypt_data`, so calls may run concurrently. A bcrypt hash of cost 10
    /// takes about 50–100 milliseconds of CPU.
    ///
    /// - Parameters:
    ///   - password: The password; at most the first 72 bytes count for bcrypt.
    ///   - setting: A stored hash (e.g. `$2b$10$…`, 60 characters) or a salt string in the same form.
    /// - Returns: The full hash, to be compared with the stored one; `nil` when the password contains a NUL byte or
    ///   libxcrypt rejects the setting (it then answers a string starting with `*`).
    public static func crypt(password: String, setting: String) -> String? {
        guard !password.utf8.contains(0), !setting.utf8.contains(0) else {
            return nil
        }
        guard let raw = calloc(1, MemoryLayout<crypt_data>.size) else {
            return nil
        }
        defer {
            // The work area holds the password; clear it before giving it back.
            explicit_bzero(raw, MemoryLayout<crypt_data>.size)
            free(raw)
        }
        let data = raw.bindMemory(to: crypt_data.self, capacity: 1)
        guard let result = crypt_r(password, setting, data) else {
            return nil
        }
        let text = String(cString: result)
        return text.hasPrefix("*") ? nil : text
    }
}
