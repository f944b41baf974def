import HTTPServer

/// The exposition formats the exporter writes, and how a scrape's `Accept` header picks one.
public enum ExpositionFormat: String, Sendable, Hashable, CaseIterable {
    /// The Prometheus text format 0.0.4.
    case text
    /// OpenMetrics text 1.0.0.
    case openMetrics
    /// OpenMetrics asked for as version 0.0.1 (or without a version): the same bytes as ``openMetrics``, labelled
    /// `version=0.0.1` as client_golang labels them.
    case openMetricsV001

    /// The HTTP `Content-Type` of an answer in this format.
    public var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case .openMetricsV001: "application/openmetrics-text; version=0.0.1; charset=utf-8"
        }
    }

    /// Whether this is one of the OpenMetrics formats.
    public var isOpenMetrics: Bool { self != .text }

    /// The format to answer a scrape with, as client_golang's `expfmt.NegotiateIncludingOpenMetrics` chooses it.
    ///
    /// The acceptable media ranges (quality above 0) are tried from the highest quality down, the more specific
    /// first among equals (`type/subtype` before `type/*` before `*/*`), otherwise in the order sent. The first that
    /// is `text/plain` with version 0.0.4 or none gives ``text``; `application/openmetrics-text` with version 1.0.0
    /// gives ``openMetrics``, with 0.0.1 or none ``openMetricsV001``. Anything else (no header, `*/*`, protobuf only,
    /// unknown versions) gives ``text``.
    ///
    /// - Parameter accept: The `Accept` field value, or `nil`.
    /// - Returns: The format to write.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text }
        let ranked = QualityValue.parse(accept).enumerated()
            .filter { $0.element.quality > 0 }
            .sorted { left, right in
                if left.element.quality != right.element.quality {
                    return left.element.quality > right.element.quality
                }
                let leftRank = specificity(left.element.value)
                let rightRank = specificity(right.element.value)
                return leftRank != rightRank ? leftRank > rightRank : left.offset < right.offset
            }
        for (_, range) in ranked {
            let version = range.parameters["version"]
            switch range.value {
            case "text/plain" where version == nil || version == "0.0.4":
                return .text
            case "application/openmetrics-text" where version == "1.0.0":
                return .openMetrics
            case "application/openmetrics-text" where version == nil || version == "0.0.1":
                return .openMetricsV001
            default:
                continue
            }
        }
        return .text
    }

    /// 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`.
    private static func specificity(_ range: String) -> Int {
        if range == "*/*" { return 0 }
        return range.hasSuffix("/*") ? 1 : 2
    }
}
