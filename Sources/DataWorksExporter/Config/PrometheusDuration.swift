/// Parsing of Prometheus-style durations such as `500ms`, `5s`, `1m`, `1h30m` or `7d`.
enum PrometheusDuration {
    /// Parses `[Ny][Nw][Nd][Nh][Nm][Ns][Nms]` (units in that order, each at most once) or `0`.
    ///
    /// A year is 365 days, a week 7 days, a day 24 hours, as in Prometheus' `model.ParseDuration`.
    ///
    /// - Parameter text: The duration text.
    /// - Returns: The duration, or `nil` when `text` is malformed or overflows.
    static func parse(_ text: String) -> Duration? {
        if text == "0" {
            return .zero
        }
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1_000), ("ms", 1),
        ]
        let bytes = Array(text.utf8)
        var index = 0
        var nextUnit = 0
        var total: Int64 = 0
        guard !bytes.isEmpty else {
            return nil
        }
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times10, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
                if overflow1 || overflow2 {
                    return nil
                }
                number = sum
                index += 1
            }
            guard index > start else {
                return nil
            }
            var suffixEnd = index
            while suffixEnd < bytes.count, bytes[suffixEnd] >= UInt8(ascii: "a"), bytes[suffixEnd] <= UInt8(ascii: "z")
            {
                suffixEnd += 1
            }
            let suffix = String(decoding: bytes[index..<suffixEnd], as: UTF8.self)
            guard let unitIndex = units.firstIndex(where: { $0.suffix == suffix }), unitIndex >= nextUnit else {
                return nil
            }
            let (product, overflow1) = number.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            if overflow1 || overflow2 {
                return nil
            }
            total = sum
            nextUnit = unitIndex + 1
            index = suffixEnd
        }
        return .milliseconds(total)
    }

    /// Formats a duration the way Prometheus prints one: `1h30m`, `500ms`, `0s`.
    static func format(_ duration: Duration) -> String {
        var milliseconds =
            duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 {
            return "0s"
        }
        var text = ""
        if milliseconds < 0 {
            text = "-"
            milliseconds = -milliseconds
        }
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1_000), ("ms", 1),
        ]
        for unit in units where milliseconds >= unit.milliseconds {
            text += "\(milliseconds / unit.milliseconds)\(unit.suffix)"
            milliseconds %= unit.milliseconds
        }
        return text
    }
}
