import Foundation
public import Logging

/// A swift-log handler that writes one line per event to standard error, as logfmt or JSON, in the style of
/// Prometheus components (`ts=… level=… msg=… key=value`).
///
/// Line breaks in messages and values are escaped, so an event is always one line. With a ``LogRateLimiter``, a
/// kind of event that repeats too often is held back and summarised (`suppressed N similar messages`).
public struct LineLogHandler: LogHandler {
    /// The line format.
    public enum Format: String, Sendable, CaseIterable {
        /// `ts=2026-01-02T03:04:05.678Z level=info msg="…" key=value`.
        case logfmt
        /// `{"ts":"…","level":"info","msg":"…","key":"value"}`.
        case json
    }

    /// The line format.
    public let format: Format
    /// The component name written as `logger=…`.
    public let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    /// Holds back repeated kinds of events; `nil` writes every event.
    public let rateLimiter: LogRateLimiter?
    private let write: @Sendable (String) -> Void

    /// Creates a handler writing to standard error.
    ///
    /// - Parameters:
    ///   - label: The component name written as `logger=…`.
    ///   - format: logfmt or JSON.
    ///   - level: The lowest level written.
    ///   - rateLimiter: Shared by every handler of the process; `nil` writes every event.
    public init(label: String, format: Format, level: Logger.Level, rateLimiter: LogRateLimiter? = nil) {
        self.init(label: label, format: format, level: level, rateLimiter: rateLimiter) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Creates a handler writing each line through `write` (tests capture lines this way).
    ///
    /// - Parameters:
    ///   - label: The component name written as `logger=…`.
    ///   - format: logfmt or JSON.
    ///   - level: The lowest level written.
    ///   - rateLimiter: Shared by every handler of the process; `nil` writes every event.
    ///   - write: Receives each line, newline included.
    public init(
        label: String,
        format: Format,
        level: Logger.Level,
        rateLimiter: LogRateLimiter? = nil,
        write: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.rateLimiter = rateLimiter
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let message = event.message.description
        if let rateLimiter {
            let kind = LogRateLimiter.Kind(level: event.level, message: message, code: merged["code"].map { "\($0)" })
            let decision = rateLimiter.admit(kind)
            for summary in decision.summaries {
                var fields: Logger.Metadata = metadata
                fields["similar_to"] = "\(summary.kind.message)"
                fields["suppressed"] = "\(summary.count)"
                if let code = summary.kind.code {
                    fields["code"] = "\(code)"
                }
                write(line(level: summary.kind.level, message: summary.message, metadata: fields))
            }
            guard decision.allowed else { return }
        }
        write(line(level: event.level, message: message, metadata: merged))
    }

    /// One rendered line, newline included.
    func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()),
            ("level", Self.name(of: level)),
            ("logger", label),
            ("msg", message),
        ]
        for key in metadata.keys.sorted() {
            fields.append((key, metadata[key].map { "\($0)" } ?? ""))
        }
        return render(fields) + "\n"
    }

    func render(_ fields: [(String, String)]) -> String {
        switch format {
        case .logfmt:
            return fields.map { "\($0.0)=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            return "{" + fields.map { "\(Self.jsonString($0.0)):\(Self.jsonString($0.1))" }.joined(separator: ",") + "}"
        }
    }

    static func name(of level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warn"
        case .error, .critical: "error"
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return value }
        var quoted = "\""
        // Unicode scalars, not characters: "\r\n" is one Character and would escape neither.
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}":
                quoted += String(format: "\\u%04x", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    static func jsonString(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case let control
            where control.value < 0x20 || control == "\u{85}" || control == "\u{2028}" || control == "\u{2029}":
                quoted += String(format: "\\u%04x", control.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
