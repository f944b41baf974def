/// A validated, pre-rendered label set for one series, in the order given.
///
/// Label names are checked once, when the set is built; label values are escaped for the text format
/// (`\` → `\\`, `"` → `\"`, newline → `\n`) and kept as bytes, so writing a series costs one copy.
/// Build per-series label sets once and reuse them, or add the varying label with ``adding(_:_:)``.
///
/// ```swift
/// let labels = try Labels([("region_id", "cn-zhangjiakou"), ("project", "10000")])
/// try writer.sample("dataworks_deployment_fetch_success", labels: labels.adding("deployment_id", "3000001"), value: 1)
/// ```
public struct Labels: Sendable, Hashable {
    /// The label set with no labels.
    public static let empty = Labels(names: [], rendered: [])

    /// The label names, in order.
    public private(set) var names: [String]
    /// `name="escaped value"` pairs joined by commas, without braces.
    private(set) var rendered: [UInt8]

    private init(names: [String], rendered: [UInt8]) {
        self.names = names
        self.rendered = rendered
    }

    /// Builds a label set from name/value pairs, keeping their order.
    ///
    /// - Parameter pairs: `(name, value)` pairs. Names must match `[a-zA-Z_][a-zA-Z0-9_]*`, must not start
    ///   with `__`, must not be `le` or `quantile`, and must be unique. Values may be any string.
    /// - Throws: ``ExpositionError`` with code `invalidLabelName`, `reservedLabelName` or
    ///   `duplicateLabelName`.
    public init(_ pairs: [(String, String)]) throws(ExpositionError) {
        self = .empty
        rendered.reserveCapacity(pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
        for (name, value) in pairs {
            try append(name, value)
        }
    }

    /// The number of labels.
    public var count: Int { names.count }

    /// A label set with this one's names, in their order, and `values` for them: the names were validated when
    /// this set was built, and their array is shared, not copied (the identity labels of 100,000 deployments hold
    /// one array of names, not 100,000).
    ///
    /// - Parameter values: One value per name, in order; any strings.
    /// - Returns: The label set.
    /// - Throws: ``ExpositionError`` with code `labelCountMismatch` when `values` has another count than ``count``.
    public func withValues(_ values: [String]) throws(ExpositionError) -> Labels {
        guard values.count == names.count else {
            throw ExpositionError(
                code: .labelCountMismatch,
                subject: names.joined(separator: ","),
                message: "\(values.count) label values for the \(names.count) labels \(names.joined(separator: ", "))"
            )
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(zip(names, values).reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
        for (name, value) in zip(names, values) {
            Self.appendPair(name, value, to: &bytes)
        }
        return Labels(names: names, rendered: bytes)
    }

    /// Returns this label set with one more label at the end.
    ///
    /// - Parameters:
    ///   - name: The label name; the same rules as ``init(_:)``.
    ///   - value: The label value; any string.
    /// - Returns: The extended label set.
    /// - Throws: ``ExpositionError`` as ``init(_:)`` does.
    public func adding(_ name: String, _ value: String) throws(ExpositionError) -> Labels {
        var copy = self
        try copy.append(name, value)
        return copy
    }

    private mutating func append(_ name: String, _ value: String) throws(ExpositionError) {
        try Self.validate(name)
        if names.contains(name) {
            throw ExpositionError(
                code: .duplicateLabelName,
                subject: name,
                message: "label name \"\(name)\" appears more than once in one label set"
            )
        }
        Self.appendPair(name, value, to: &rendered)
        names.append(name)
    }

    /// Appends `name="escaped value"` to `bytes`, after a comma unless `bytes` is empty.
    private static func appendPair(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        if !bytes.isEmpty {
            bytes.append(UInt8(ascii: ","))
        }
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(UInt8(ascii: "\""))
        appendEscapedValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Checks that `name` is a legal, non-reserved label name.
    static func validate(_ name: String) throws(ExpositionError) {
        guard isValidLabelName(name) else {
            throw ExpositionError(
                code: .invalidLabelName,
                subject: name,
                message: "label name \"\(name)\" does not match [a-zA-Z_][a-zA-Z0-9_]*"
            )
        }
        if name.hasPrefix("__") || name == "le" || name == "quantile" {
            throw ExpositionError(
                code: .reservedLabelName,
                subject: name,
                message: "label name \"\(name)\" is reserved (names starting with __, le and quantile)"
            )
        }
    }

    /// Whether `name` matches `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isValidLabelName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok: Bool
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                ok = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                ok = !first
            default:
                ok = false
            }
            if !ok {
                return false
            }
            first = false
        }
        return !first
    }

    /// Appends a label value escaped for the text format: `\`, `"` and newline.
    static func appendEscapedValue(_ value: String, to bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case UInt8(ascii: "\n"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            default:
                bytes.append(byte)
            }
        }
    }
}
