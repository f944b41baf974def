/// Percent-encoding as the Alibaba Cloud SDK does it for signing and for form bodies.
///
/// Source: api-notes §1.6 (`pct`), §1.3 (form body), `encoding_table` in `signature-vectors.json`.
public enum PercentEncoding {
    /// Encodes `text` as RFC 3986 does for a query value: UTF-8 bytes, only `A–Z a–z 0–9 - _ . ~` kept, every
    /// other byte written as `%XX` with uppercase hex.
    ///
    /// This is the SDK's `pct()` (`urllib.parse.quote(s, safe='~')`): space is `%20`, `*` is `%2A`, `~` is kept, and
    /// a literal `%7E` becomes `%257E` (no post-processing). Used for V1 signing, the V3 canonical query string and
    /// the query this package writes on the wire.
    ///
    /// - Parameter text: Any string.
    /// - Returns: The encoded string (ASCII).
    public static func pct(_ text: String) -> String {
        encode(text, spaceAsPlus: false)
    }

    /// Encodes one key or value as the SDK's form body does (`urllib.parse.quote_plus`, `safe='~'`).
    ///
    /// Same as ``pct(_:)`` except that a space becomes `+`.
    ///
    /// - Parameter text: Any string.
    /// - Returns: The encoded string (ASCII).
    public static func formComponent(_ text: String) -> String {
        encode(text, spaceAsPlus: true)
    }

    /// The `application/x-www-form-urlencoded` body the SDK sends: keys sorted by Unicode code point, each pair
    /// written `formComponent(key)=formComponent(value)`, joined with `&`.
    ///
    /// Example: `DeploymentId=3000001&ProjectIdentifier=dw_project~a+b%2Ac%2F%C3%A9`.
    ///
    /// - Parameter parameters: API parameters, for example `DeploymentId` and `ProjectId`.
    /// - Returns: The body text; empty when there are no parameters.
    public static func formBody(_ parameters: [String: String]) -> String {
        sortedByCodePoint(parameters)
            .map { formComponent($0.key) + "=" + formComponent($0.value) }
            .joined(separator: "&")
    }

    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace` is set) and reads the bytes as UTF-8.
    ///
    /// - Parameters:
    ///   - text: Encoded text.
    ///   - plusAsSpace: Whether `+` means a space (form bodies and query strings).
    /// - Returns: The decoded string, or `nil` when an escape is malformed or the bytes are not valid UTF-8.
    public static func decode(_ text: String, plusAsSpace: Bool = true) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Splits a query string or form body (`a=1&b=x+y`) into decoded pairs, in order.
    ///
    /// A pair without `=` has an empty value; empty segments are skipped. `+` decodes to a space.
    ///
    /// - Parameter text: The raw query (without `?`) or body text.
    /// - Returns: The pairs, or `nil` when an escape is malformed or not UTF-8.
    public static func parsePairs(_ text: String) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for segment in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(String(parts[0])) else { return nil }
            let rawValue = parts.count > 1 ? String(parts[1]) : ""
            guard let value = decode(rawValue) else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// Like ``parsePairs(_:)`` but as a dictionary; when a name repeats, the last value wins.
    ///
    /// - Parameter text: The raw query (without `?`) or body text.
    /// - Returns: The parameters, or `nil` when an escape is malformed or not UTF-8.
    public static func parseParameters(_ text: String) -> [String: String]? {
        guard let pairs = parsePairs(text) else { return nil }
        var result: [String: String] = [:]
        for pair in pairs { result[pair.name] = pair.value }
        return result
    }

    // MARK: - Internals

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func encode(_ text: String, spaceAsPlus: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else if spaceAsPlus && byte == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

/// Whether `lhs` sorts before `rhs` by Unicode code point (UTF-8 byte order), as Python's `sorted` does.
func codePointLess(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}

/// The dictionary's entries sorted by key in code-point order.
func sortedByCodePoint(_ dictionary: [String: String]) -> [(key: String, value: String)] {
    dictionary.sorted { codePointLess($0.key, $1.key) }
}
