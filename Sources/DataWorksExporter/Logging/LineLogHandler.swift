import Foundation
public import Logging

/// A swift-log handler that writes one line per event to standard error, as logfmt or JSON, in the style of
/// Prometheus components (`ts=… level=… msg=… key=value`).
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
    private let write: @Sendable (String) -> Void

    /// Creates a handler writing to standard error.
    public init(label: String, format: Format, level: Logger.Level) {
        self.init(label: label, format: format, level: level) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Creates a handler writing each line through `write` (tests capture lines this way).
    public init(label: String, format: Format, level: Logger.Level, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()),
            ("level", Self.name(of: event.level)),
            ("logger", label),
            ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            fields.append((key, merged[key].map { "\($0)" } ?? ""))
        }
        write(render(fields) + "\n")
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
        for character in value {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            default: quoted.append(character)
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
            case let control where control.value < 0x20:
                quoted += String(format: "\\u%04x", control.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
