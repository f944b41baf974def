import Crypto
import Dispatch
import Foundation
public import HTTPServer
import LockedValue

/// Checks HTTP basic auth credentials (RFC 7617) against bcrypt hashes, as exporter-toolkit does.
///
/// Hashing runs through libxcrypt's `crypt_r` (``PasswordHash``) on one serial queue, off Swift's cooperative
/// threads; results are cached by user, stored hash and a SHA-256 of the password, so a scraper that sends the same
/// credentials every 15 s costs one bcrypt computation. An unknown user is hashed against a dummy hash of the
/// configured cost, so the answer takes as long as for a known user with a wrong password.
///
/// Thread safety: every method may be called from any task.
public final class BasicAuthenticator: Sendable {
    /// Computes the hash of a password with a setting (a stored hash), or `nil` when the setting is refused.
    public typealias Hasher = @Sendable (_ password: String, _ setting: String) -> String?

    /// The most cached answers; past it the oldest are forgotten.
    public static let cacheCapacity = 256

    private let users: [String: String]
    private let dummySetting: String
    private let hasher: Hasher
    private let cache = Locked(AnswerCache())
    private let queue = DispatchQueue(label: "dataworks-exporter.bcrypt")

    /// Creates an authenticator.
    ///
    /// - Parameters:
    ///   - users: User name → bcrypt hash, from `basic_auth_users`.
    ///   - hasher: The hash function; tests count its calls. Default: libxcrypt `crypt_r`.
    public init(users: [String: String], hasher: @escaping Hasher = PasswordHash.crypt) {
        self.users = users
        self.hasher = hasher
        // The highest configured cost, so that unknown users cost as much as the dearest known one.
        let cost = users.values.compactMap { Int(String($0.dropFirst(4).prefix(2))) }.max() ?? 10
        self.dummySetting =
            "$2b$" + (cost < 10 ? "0\(cost)" : "\(cost)") + "$" + "dataworksexporterdummy"
            + "uHMhxvQ7HLGp8Z6FrDk8uF1yzXbJ6e/A2"
    }

    /// Whether an `Authorization` header value carries the credentials of a configured user.
    ///
    /// - Parameter authorization: The header value, e.g. `Basic dXNlcjpwYXNz`; `nil` when absent.
    /// - Returns: `true` only for `Basic` credentials whose password matches the user's hash. Malformed headers,
    ///   unknown users and wrong passwords give `false`.
    public func isAuthorized(_ authorization: String?) async -> Bool {
        guard let (user, password) = Self.credentials(authorization) else {
            return false
        }
        let stored = users[user]
        let setting = stored ?? dummySetting
        let key = Self.cacheKey(user: user, setting: setting, password: password)
        if let answer = cache.withLock({ $0.answer(for: key) }) {
            return answer && stored != nil
        }
        let hasher = self.hasher
        let computed = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            queue.async { continuation.resume(returning: hasher(password, setting)) }
        }
        let answer = stored != nil && computed.map { Self.constantTimeEqual($0, setting) } == true
        cache.withLock { $0.store(answer, for: key) }
        return answer
    }

    /// The user and password of a `Basic` header value; `nil` for another scheme or bad base64 or UTF-8.
    static func credentials(_ authorization: String?) -> (user: String, password: String)? {
        guard let authorization else {
            return nil
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1].trimmingCharacters(in: .whitespaces))),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else {
            return nil
        }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// SHA-256 over user, stored hash and password, NUL-separated: the cache never holds a password.
    static func cacheKey(user: String, setting: String, password: String) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data(user.utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(setting.utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(password.utf8))
        return Data(hasher.finalize())
    }

    /// Compares without an early exit, so the time does not tell how many leading bytes matched.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else {
            return false
        }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }
}

/// Answers by key, forgetting the oldest past ``BasicAuthenticator/cacheCapacity``.
private struct AnswerCache {
    var answers: [Data: Bool] = [:]
    var order: [Data] = []

    func answer(for key: Data) -> Bool? {
        answers[key]
    }

    mutating func store(_ answer: Bool, for key: Data) {
        if answers.updateValue(answer, forKey: key) == nil {
            order.append(key)
        }
        while order.count > BasicAuthenticator.cacheCapacity {
            answers[order.removeFirst()] = nil
        }
    }
}
