/// Number spelling for the Prometheus text exposition format.
///
/// Two functions, both allocation-light and deterministic:
///
/// - ``goFormat(_:)`` reproduces Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest digits that
///   round-trip, plain notation when the decimal exponent is in `-4..<6`, otherwise `d.ddde±XX` with a sign
///   and at least two exponent digits (`1e-05`, `1.234567e+06`, `1.735787045e+09`).
/// - ``exposition(_:)`` is what `prometheus/common/expfmt` writes for a sample value:
///   Go's spelling, except that infinities and NaN are `+Inf`, `-Inf` and `NaN`, and both zeros are `0`.
/// - ``canonical(_:)`` is the OpenMetrics canonical spelling of an `le` or `quantile` label value (OpenMetrics 1.0,
///   "Considerations: Canonical Numbers"): Go's spelling with `.0` appended when it has neither a point nor an
///   exponent, so `1.0`, `10.0`, `0.005`, `100000.0`, `1e+06`, `+Inf`.
public enum PrometheusNumber {
    /// Formats a value exactly like Go's `strconv.FormatFloat(value, 'g', -1, 64)`.
    ///
    /// Infinities and NaN are spelled `+Inf`, `-Inf` and `NaN` (Go's own spelling), and negative zero
    /// is `-0`.
    ///
    /// - Parameter value: Any `Double`.
    /// - Returns: The ASCII spelling.
    public static func goFormat(_ value: Double) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendGoFormat(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Formats a sample value or histogram bound the way client_golang's text exposition does.
    ///
    /// Equal to ``goFormat(_:)`` except that `-0` is written as `0`.
    ///
    /// - Parameter value: Any `Double`.
    /// - Returns: The ASCII spelling, e.g. `1`, `0.25`, `1.735787045e+09`, `+Inf`, `NaN`.
    public static func exposition(_ value: Double) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendExposition(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Formats an `le` or `quantile` label value in the OpenMetrics canonical form, as client_golang's OpenMetrics
    /// encoder does; the exporter uses it in both formats so that a bucket is the same series whichever format
    /// Prometheus negotiates.
    ///
    /// - Parameter value: Any `Double`.
    /// - Returns: The ASCII spelling, e.g. `0.0`, `0.005`, `1.0`, `2.5`, `10.0`, `1e-05`, `1e+06`, `+Inf`, `NaN`.
    public static func canonical(_ value: Double) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendCanonical(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``canonical(_:)`` of `value` to `bytes`.
    static func appendCanonical(_ value: Double, to bytes: inout [UInt8]) {
        if value == 0 {
            bytes.append(contentsOf: "0.0".utf8)
            return
        }
        let start = bytes.count
        appendGoFormat(value, to: &bytes)
        guard value.isFinite else { return }
        if !bytes[start...].contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") }) {
            bytes.append(contentsOf: ".0".utf8)
        }
    }

    /// Appends a non-negative integer in plain decimal (OpenMetrics bucket and `_count` values).
    static func appendInteger(_ value: UInt64, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends ``exposition(_:)`` of `value` to `bytes`.
    static func appendExposition(_ value: Double, to bytes: inout [UInt8]) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
        } else {
            appendGoFormat(value, to: &bytes)
        }
    }

    /// Appends ``goFormat(_:)`` of `value` to `bytes`.
    static func appendGoFormat(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(contentsOf: "NaN".utf8)
            return
        }
        if value.isInfinite {
            bytes.append(contentsOf: (value < 0 ? "-Inf" : "+Inf").utf8)
            return
        }
        var digits = Digits()
        if value.sign == .minus {
            bytes.append(UInt8(ascii: "-"))
        }
        let magnitude = value.magnitude
        if magnitude == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if magnitude < 9_007_199_254_740_992, magnitude.rounded(.towardZero) == magnitude {
            // Integers below 2^53 are exact, and no shorter digit string rounds to them: their
            // decimal digits with trailing zeros removed are the shortest round-trip digits.
            digits.setInteger(UInt64(magnitude))
        } else {
            digits.setShortest(magnitude)
        }
        digits.appendGo(to: &bytes)
    }
}

/// Shortest round-trip decimal digits `0.d1d2...dn × 10^point`, as Go's `decimalSlice` (`d`, `nd`, `dp`).
private struct Digits {
    /// The significant digits as ASCII, no leading or trailing zeros.
    var digits: [UInt8] = []
    /// The position of the decimal point relative to the first digit (Go's `dp`).
    var point = 0

    mutating func setInteger(_ value: UInt64) {
        var reversed: [UInt8] = []
        reversed.reserveCapacity(20)
        var rest = value
        repeat {
            reversed.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10))
            rest /= 10
        } while rest > 0
        point = reversed.count
        var start = 0
        while start < reversed.count - 1, reversed[start] == UInt8(ascii: "0") {
            start += 1
        }
        digits = Array(reversed[start...].reversed())
    }

    /// Parses Swift's `description`, which holds the shortest round-trip digits of a finite positive value
    /// in either `123.45` or `1.2345e-07` form.
    mutating func setShortest(_ value: Double) {
        var mantissa: [UInt8] = []
        mantissa.reserveCapacity(20)
        var pointIndex: Int?
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in value.description.utf8 {
            if inExponent {
                switch byte {
                case UInt8(ascii: "-"): exponentNegative = true
                case UInt8(ascii: "+"): break
                default: exponent = exponent * 10 + Int(byte &- UInt8(ascii: "0"))
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "."): pointIndex = mantissa.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            default: mantissa.append(byte)
            }
        }
        if exponentNegative {
            exponent = -exponent
        }
        var intDigits = pointIndex ?? mantissa.count
        var start = 0
        while start < mantissa.count - 1, mantissa[start] == UInt8(ascii: "0") {
            start += 1
            intDigits -= 1
        }
        var end = mantissa.count
        while end > start + 1, mantissa[end - 1] == UInt8(ascii: "0") {
            end -= 1
        }
        digits = Array(mantissa[start..<end])
        point = intDigits + exponent
    }

    /// Writes the digits as Go's `%g` with shortest precision.
    func appendGo(to bytes: inout [UInt8]) {
        let exponent = point - 1
        if exponent < -4 || exponent >= 6 {
            bytes.append(digits[0])
            if digits.count > 1 {
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[1...])
            }
            bytes.append(UInt8(ascii: "e"))
            bytes.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = exponent.magnitude
            if magnitude < 10 {
                bytes.append(UInt8(ascii: "0"))
            }
            bytes.append(contentsOf: String(magnitude).utf8)
            return
        }
        // Plain notation: integer part, then the fraction if any digits remain.
        if point > 0 {
            for index in 0..<point {
                bytes.append(index < digits.count ? digits[index] : UInt8(ascii: "0"))
            }
        } else {
            bytes.append(UInt8(ascii: "0"))
        }
        let fractionDigits = digits.count - point
        if fractionDigits > 0 {
            bytes.append(UInt8(ascii: "."))
            for position in point..<digits.count {
                bytes.append(position < 0 ? UInt8(ascii: "0") : digits[position])
            }
        }
    }
}
