/// A configuration problem, located in the file as `file:line:column`.
///
/// Every problem the loader finds (YAML syntax, unknown keys, wrong types, missing keys, bad values,
/// duplicates) is one of these, with a message that names the key and, where useful, the allowed values
/// or the earlier occurrence.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem, extensible without breaking source compatibility.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case io
            case syntax
            case unknownKey
            case wrongType
            case missingKey
            case conflictingKeys
            case duplicateKey
            case duplicateDeploymentId
            case invalidValue
            case outOfRange
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The file could not be read or is not UTF-8.
        public static let io = Code(.io)
        /// The text is not well-formed YAML.
        public static let syntax = Code(.syntax)
        /// A mapping has a key the schema does not know.
        public static let unknownKey = Code(.unknownKey)
        /// A value has the wrong YAML type (for example a string where a list is expected).
        public static let wrongType = Code(.wrongType)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// Keys that exclude or require each other are both present or both absent.
        public static let conflictingKeys = Code(.conflictingKeys)
        /// The same key appears twice in one mapping.
        public static let duplicateKey = Code(.duplicateKey)
        /// A deployment ID is listed twice for the same region and project.
        public static let duplicateDeploymentId = Code(.duplicateDeploymentId)
        /// A value has the right type but a bad form (region ID, duration, enum value, ...).
        public static let invalidValue = Code(.invalidValue)
        /// A number is outside its allowed range.
        public static let outOfRange = Code(.outOfRange)

        /// The code's name, e.g. `unknownKey`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// The configuration file's path as given to the loader.
    public let file: String
    /// The 1-based line of the offending node, or `nil` when the problem has no position (I/O errors).
    public let line: Int?
    /// The 1-based column (in Unicode scalars) of the offending node, or `nil` without a position.
    public let column: Int?
    /// A human-readable explanation.
    public let message: String
    /// The further problems of the same file, in file order, when it has more than one; empty otherwise.
    public private(set) var others: [ConfigError] = []

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - file: The file path.
    ///   - line: The 1-based line, if known.
    ///   - column: The 1-based column, if known.
    ///   - message: A human-readable explanation.
    public init(code: Code, file: String, line: Int?, column: Int?, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// This problem and the ``others``, each without further problems: every problem of the file, in file order.
    public var all: [ConfigError] {
        var first = self
        first.others = []
        return [first] + others.flatMap(\.all)
    }

    /// `first`, carrying `more` as its ``others``.
    init(_ first: ConfigError, more: [ConfigError]) {
        self = first
        self.others = more
    }

    /// `file:line:column: message`, or `file: message` without a position (of this problem only; see ``all``).
    public var description: String {
        if let line, let column {
            return "\(file):\(line):\(column): \(message)"
        }
        return "\(file): \(message)"
    }
}
