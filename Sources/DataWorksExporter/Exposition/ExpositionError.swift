/// An error raised by ``ExpositionWriter`` or ``Labels`` when a caller passes a name, label set or
/// histogram that would make the exposition invalid.
///
/// Nothing in the exposition path traps: every check returns this error instead, and the writer's buffer
/// is left exactly as it was before the failing call. Label *values* are never rejected; they are escaped.
public struct ExpositionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem, extensible without breaking source compatibility.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidMetricName
            case invalidLabelName
            case reservedLabelName
            case duplicateLabelName
            case duplicateFamily
            case missingHelp
            case sampleOutsideFamily
            case typeMismatch
            case invalidBuckets
            case finished
            case labelCountMismatch
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A metric name does not match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
        public static let invalidMetricName = Code(.invalidMetricName)
        /// A label name does not match `[a-zA-Z_][a-zA-Z0-9_]*`.
        public static let invalidLabelName = Code(.invalidLabelName)
        /// A label name is reserved: it starts with `__`, or it is `le` or `quantile`, which the writer
        /// adds itself.
        public static let reservedLabelName = Code(.reservedLabelName)
        /// The same label name appears twice in one label set.
        public static let duplicateLabelName = Code(.duplicateLabelName)
        /// A metric family was started twice in one exposition.
        public static let duplicateFamily = Code(.duplicateFamily)
        /// A family's HELP text is empty (`promtool check metrics` rejects that).
        public static let missingHelp = Code(.missingHelp)
        /// A sample's name is not the name of the family currently open (or no family is open).
        public static let sampleOutsideFamily = Code(.sampleOutsideFamily)
        /// A plain sample was written into a histogram family, or a histogram into another type.
        public static let typeMismatch = Code(.typeMismatch)
        /// Histogram buckets are not increasing, counts are not cumulative, or `+Inf` disagrees with count.
        public static let invalidBuckets = Code(.invalidBuckets)
        /// Something was written after ``ExpositionWriter/finish()``.
        public static let finished = Code(.finished)
        /// ``Labels/withValues(_:)`` got another number of values than the label set has names.
        public static let labelCountMismatch = Code(.labelCountMismatch)

        /// The code's name, e.g. `invalidLabelName`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// The metric family or label name concerned.
    public let subject: String
    /// A human-readable explanation naming the offending value.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - subject: The metric or label name concerned.
    ///   - message: A human-readable explanation.
    public init(code: Code, subject: String, message: String) {
        self.code = code
        self.subject = subject
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code): \(message)" }
}
