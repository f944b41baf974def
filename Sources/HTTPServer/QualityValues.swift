/// One element of a header that lists alternatives with quality values, such as `Accept`
/// (`application/openmetrics-text; version=1.0.0; q=0.9`) or `Accept-Encoding` (`gzip;q=0.5`).
///
/// Parsed as RFC 9110 §12.4.2 and §12.5.1 describe: elements separated by commas, parameters by semicolons,
/// parameter values as tokens or quoted strings, `q` from 0 to 1 (an invalid `q` counts as 0, a missing one as 1).
public struct QualityValue: Sendable, Hashable {
    /// The element without its parameters, lower-cased: a media range (`text/plain`, `*/*`) or a coding (`gzip`).
    public var value: String
    /// The parameters before `q` (RFC 9110: those after it are extensions), names lower-cased, values unquoted and
    /// as sent.
    public var parameters: [String: String]
    /// The quality, from 0 (not acceptable) to 1.
    public var quality: Double

    /// Creates an element.
    public init(value: String, parameters: [String: String] = [:], quality: Double = 1) {
        self.value = value
        self.parameters = parameters
        self.quality = quality
    }

    /// Parses a header value into its elements, in the order given; empty elements are skipped.
    ///
    /// - Parameter header: The field value, e.g. `text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
    /// - Returns: The elements; none for an empty value.
    public static func parse(_ header: String) -> [QualityValue] {
        var elements: [QualityValue] = []
        for element in split(Array(header.utf8), separator: UInt8(ascii: ",")) {
            let parts = split(element, separator: UInt8(ascii: ";"))
            guard let first = parts.first else { continue }
            let value = trimmed(first).lowercased()
            guard !value.isEmpty else { continue }
            var parameters: [String: String] = [:]
            var quality = 1.0
            for part in parts.dropFirst() {
                let text = Array(trimmed(part).utf8)
                guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let name = trimmed(text[..<equals]).lowercased()
                var raw = trimmed(text[(equals + 1)...])
                if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 {
                    raw = unquoted(String(raw.dropFirst().dropLast()))
                }
                if name == "q" {
                    quality = Self.quality(raw)
                    break
                }
                parameters[name] = raw
            }
            elements.append(QualityValue(value: value, parameters: parameters, quality: quality))
        }
        return elements
    }

    /// A `qvalue`: `0`, `1` or a decimal with up to three digits in between; anything else is 0.
    private static func quality(_ text: String) -> Double {
        guard text.utf8.count <= 5, let first = text.first, first == "0" || first == "1",
            let number = Double(text), (0...1).contains(number)
        else {
            return 0
        }
        return number
    }

    /// Splits at `separator` outside quoted strings.
    private static func split(_ bytes: some Collection<UInt8>, separator: UInt8) -> [[UInt8]] {
        var parts: [[UInt8]] = [[]]
        var quoted = false
        var escaped = false
        for byte in bytes {
            if escaped {
                escaped = false
            } else if quoted, byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == separator, !quoted {
                parts.append([])
                continue
            }
            parts[parts.count - 1].append(byte)
        }
        return parts
    }

    private static func trimmed(_ bytes: some Collection<UInt8>) -> String {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let array = Array(bytes)
        guard let start = array.firstIndex(where: { !isSpace($0) }),
            let end = array.lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        return String(decoding: array[start...end], as: UTF8.self)
    }

    private static func unquoted(_ text: String) -> String {
        var result = ""
        var escaped = false
        for character in text {
            if !escaped, character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(character)
        }
        return result
    }
}

/// A content coding the server applies to a response body (RFC 9110 §8.4.1).
public enum ContentCoding: String, Sendable, Hashable {
    /// The body as the handler returned it.
    case identity
    /// gzip (RFC 1952), through zlib.
    case gzip

    /// The coding to answer with for a request's `Accept-Encoding`, given that the server offers gzip and identity.
    ///
    /// gzip when its quality (`gzip` or `x-gzip`, else `*`) is above 0 and at least that of an `identity` the client
    /// lists (or of `*`); identity otherwise, including when the field is absent. `gzip;q=0` refuses gzip, `*;q=0`
    /// every coding not named. This is the choice of client_golang's `promhttp` (gddo's `NegotiateContentEncoding`
    /// with gzip offered first).
    ///
    /// - Parameter acceptEncoding: The `Accept-Encoding` field value, or `nil` when the request had none.
    /// - Returns: `.gzip` or `.identity`.
    public static func negotiate(acceptEncoding: String?) -> ContentCoding {
        guard let acceptEncoding else { return .identity }
        let elements = QualityValue.parse(acceptEncoding)
        func quality(of names: Set<String>) -> Double? {
            elements.filter { names.contains($0.value) }.map(\.quality).max()
        }
        let wildcard = quality(of: ["*"])
        let gzip = quality(of: ["gzip", "x-gzip"]) ?? wildcard ?? 0
        let identity = quality(of: ["identity"]) ?? wildcard ?? 0
        return gzip > 0 && gzip >= identity ? .gzip : .identity
    }
}
