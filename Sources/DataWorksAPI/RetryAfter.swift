internal import Foundation

/// Reads the wait a server asks for before the next request: `Retry-After` (RFC 9110 §10.2.3) as delay-seconds or
/// as an HTTP-date, and Alibaba Cloud's `x-acs-retry-after` as milliseconds (or an HTTP-date).
///
/// Source: api-notes §3.2 (retry-after); RFC 9110 §5.6.7 (HTTP-date: IMF-fixdate, and the obsolete RFC 850 and
/// asctime forms a recipient must accept).
enum RetryAfter {
    /// The wait `text` asks for, counted from `now`.
    ///
    /// - Parameters:
    ///   - text: The header value, e.g. `120`, `1500` or `Sun, 06 Dec 2026 21:30:50 GMT`.
    ///   - unit: What one integer step means: `.seconds(1)` for `Retry-After`, `.milliseconds(1)` for
    ///     `x-acs-retry-after`.
    ///   - now: The current time; a date at or before it means no wait (zero).
    /// - Returns: The wait (zero or more), or `nil` when the value is neither a non-negative integer nor an HTTP-date.
    static func wait(_ text: String, unit: Duration, now: Date) -> Duration? {
        let trimmed = text.trimmingWhitespace()
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits only: huge values saturate instead of failing.
            return Int64(trimmed).map { unit * $0 } ?? unit * Int64(Int32.max)
        }
        guard let date = httpDate(trimmed) else {
            return nil
        }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded(.up))) : .zero
    }

    /// The date of an HTTP-date in any of its three forms, or `nil`.
    static func httpDate(_ text: String) -> Date? {
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            formatter.isLenient = false
            if let date = formatter.date(from: text) {
                return date
            }
        }
        return nil
    }

    /// IMF-fixdate, RFC 850, asctime (with a one- or two-digit day).
    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy",
    ]
}
