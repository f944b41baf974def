internal import Foundation
internal import FoundationXML

/// A parsed response body, JSON or XML, before it is mapped onto the models.
enum ResponseNode: Sendable, Equatable {
    case object([String: ResponseNode])
    case array([ResponseNode])
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case null
    /// XML character data: coerced to whatever type the field wants.
    case text(String)

    var kindName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .text: "text"
        }
    }
}

extension ResponseNode {
    /// The class of the `NSNumber`s that `JSONSerialization` makes of `true` and `false` (`__NSCFBoolean`).
    private static let booleanClass = ObjectIdentifier(type(of: NSNumber(value: true)))

    /// Maps one value of `JSONSerialization.jsonObject(with:options:)` onto a node, as `JSONDecoder` would have
    /// typed it: integers stay exact `Int64` (never through `Double`), a number with a fraction or exponent that is
    /// integral and fits `Int64` is an integer, anything else numeric is a double. `nil` for a value that
    /// `JSONSerialization` does not make (never seen; refused as invalid JSON).
    fileprivate init?(serialized value: Any) {
        switch value {
        case let string as String:
            self = .string(string)
        case let object as [String: Any]:
            var fields: [String: ResponseNode] = [:]
            fields.reserveCapacity(object.count)
            for (key, item) in object {
                guard let node = ResponseNode(serialized: item) else { return nil }
                fields[key] = node
            }
            self = .object(fields)
        case let array as [Any]:
            var items: [ResponseNode] = []
            items.reserveCapacity(array.count)
            for item in array {
                guard let node = ResponseNode(serialized: item) else { return nil }
                items.append(node)
            }
            self = .array(items)
        case let number as NSNumber:
            self = ResponseNode(number: number)
        case is NSNull:
            self = .null
        default:
            return nil
        }
    }

    private init(number: NSNumber) {
        if ObjectIdentifier(type(of: number)) == Self.booleanClass {
            self = .bool(number.boolValue)
            return
        }
        // Numbers outside the machine types (negative integers of 19 digits, long mantissas) come as
        // NSDecimalNumber, whose int64Value wraps outside Int64's range: read the exact decimal digits instead.
        if number is NSDecimalNumber {
            self = Int64(number.stringValue).map { .integer($0) } ?? .double(number.doubleValue)
            return
        }
        switch UInt8(bitPattern: number.objCType.pointee) {
        case UInt8(ascii: "d"), UInt8(ascii: "f"):
            let value = number.doubleValue
            self = Int64(exactly: value).map { .integer($0) } ?? .double(value)
        case UInt8(ascii: "Q"), UInt8(ascii: "L"), UInt8(ascii: "I"), UInt8(ascii: "S"), UInt8(ascii: "C"):
            let value = number.uint64Value
            self = Int64(exactly: value).map { .integer($0) } ?? .double(number.doubleValue)
        default:
            self = .integer(number.int64Value)
        }
    }
}

/// A failure to read the body; `reason` becomes the text of ``APIError/parse(reason:httpStatus:bodyPrefix:)``.
struct BodyParseFailure: Error {
    var reason: String
}

enum ResponseTree {
    /// Parses `body` as XML when the content type says XML or the body starts with `<`, else as JSON.
    ///
    /// For XML the root element's content is returned (the root name, e.g. `GetDeploymentResponse` or `Error`,
    /// is dropped), mirroring how the SDK reads XML error pages.
    static func parse(
        body: [UInt8],
        contentType: String?
    ) throws(BodyParseFailure) -> (root: String?, node: ResponseNode) {
        let firstByte = body.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        guard let firstByte else { throw BodyParseFailure(reason: "empty body") }
        let isXML = firstByte == UInt8(ascii: "<") || (contentType?.lowercased().contains("xml") ?? false)
        if isXML {
            return try parseXML(body)
        }
        // JSONSerialization (Foundation) rather than JSONDecoder into the enum: Codable's tries of every type in
        // turn cost 5x the parse itself (issue 16, BENCHMARKS.md "Per-call cost").
        guard let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
            let node = ResponseNode(serialized: value)
        else {
            throw BodyParseFailure(reason: "invalid JSON")
        }
        return (nil, node)
    }

    private static func parseXML(_ body: [UInt8]) throws(BodyParseFailure) -> (root: String?, node: ResponseNode) {
        // FoundationXML traps on element names that are not valid UTF-8 (found by scripts/fuzz); DataWorks sends
        // UTF-8, so anything else is refused before it reaches the parser.
        guard String(validating: body, as: UTF8.self) != nil else {
            throw BodyParseFailure(reason: "XML body is not valid UTF-8")
        }
        let parser = XMLParser(data: Data(body))
        let builder = XMLTreeBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), let root = builder.root else {
            throw BodyParseFailure(reason: "invalid XML")
        }
        return (root.name, root.node)
    }
}

/// Collects an XML document into ``ResponseNode`` values: an element with child elements becomes an object
/// (repeated names become arrays), a leaf becomes `.text`.
private final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private struct Frame {
        var name: String
        var children: [(String, ResponseNode)] = []
        var text = ""
    }

    private var stack: [Frame] = []
    private(set) var root: (name: String, node: ResponseNode)?

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        stack.append(Frame(name: elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(
        _ parser: XMLParser,
        didEndElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        guard let frame = stack.popLast() else { return }
        let node: ResponseNode
        if frame.children.isEmpty {
            node = .text(frame.text)
        } else {
            var object: [String: ResponseNode] = [:]
            for (name, child) in frame.children {
                switch object[name] {
                case nil: object[name] = child
                case .array(var items)?:
                    items.append(child)
                    object[name] = .array(items)
                case let existing?: object[name] = .array([existing, child])
                }
            }
            node = .object(object)
        }
        if stack.isEmpty {
            root = (frame.name, node)
        } else {
            stack[stack.count - 1].children.append((frame.name, node))
        }
    }
}

/// Typed access to the fields of one object, with a path for error messages.
struct FieldReader {
    let fields: [String: ResponseNode]
    let path: String

    init(_ fields: [String: ResponseNode], path: String) {
        self.fields = fields
        self.path = path
    }

    private func location(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private func present(_ key: String) -> ResponseNode? {
        switch fields[key] {
        case nil, .null?: nil
        case let node?: node
        }
    }

    private func mismatch(_ key: String, _ expected: String, _ node: ResponseNode) -> BodyParseFailure {
        BodyParseFailure(reason: "\(location(key)): expected \(expected), found \(node.kindName)")
    }

    func string(_ key: String) throws(BodyParseFailure) -> String? {
        guard let node = present(key) else { return nil }
        switch node {
        case .string(let value), .text(let value): return value
        default: throw mismatch(key, "a string", node)
        }
    }

    /// A UID-like string that may come as a JSON number.
    func identifier(_ key: String) throws(BodyParseFailure) -> String? {
        guard let node = present(key) else { return nil }
        switch node {
        case .string(let value), .text(let value): return value
        case .integer(let value): return String(value)
        case .double(let value) where value.rounded() == value && abs(value) < 1e17: return String(Int64(value))
        default: throw mismatch(key, "a string or an integer", node)
        }
    }

    /// An integer; a JSON string of digits counts as one (gateways and older SDK paths quote numbers), and so does
    /// a JSON number without a fractional part.
    func int64(_ key: String) throws(BodyParseFailure) -> Int64? {
        guard let node = present(key) else { return nil }
        switch node {
        case .integer(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        case .text(let value), .string(let value):
            let trimmed = value.trimmingWhitespace()
            if trimmed.isEmpty { return nil }
            if let parsed = Int64(trimmed) { return parsed }
            throw mismatch(key, "an integer", node)
        default: throw mismatch(key, "an integer", node)
        }
    }

    func int(_ key: String) throws(BodyParseFailure) -> Int? {
        guard let value = try int64(key) else { return nil }
        guard let narrowed = Int(exactly: value) else {
            throw BodyParseFailure(reason: "\(location(key)): integer out of range")
        }
        return narrowed
    }

    /// An optional small integer that the API may leave as an empty string (e.g. `CheckingStatus`).
    func intAllowingEmpty(_ key: String) throws(BodyParseFailure) -> Int? {
        if case .string(let value)? = fields[key], value.trimmingWhitespace().isEmpty { return nil }
        return try int(key)
    }

    /// A boolean; the JSON strings `"true"` and `"false"` count as one.
    func bool(_ key: String) throws(BodyParseFailure) -> Bool? {
        guard let node = present(key) else { return nil }
        switch node {
        case .bool(let value): return value
        case .text(let value), .string(let value):
            switch value.trimmingWhitespace().lowercased() {
            case "true": return true
            case "false": return false
            case "": return nil
            default: throw mismatch(key, "a boolean", node)
            }
        default: throw mismatch(key, "a boolean", node)
        }
    }

    func object(_ key: String) throws(BodyParseFailure) -> FieldReader? {
        guard let node = present(key) else { return nil }
        switch node {
        case .object(let fields): return FieldReader(fields, path: location(key))
        case .text(let value) where value.trimmingWhitespace().isEmpty:
            return FieldReader([:], path: location(key))
        default: throw mismatch(key, "an object", node)
        }
    }

    /// An array of objects; in XML a single element appears as an object and is wrapped.
    func objects(_ key: String) throws(BodyParseFailure) -> [FieldReader]? {
        guard let node = present(key) else { return nil }
        let items: [ResponseNode]
        switch node {
        case .array(let values): items = values
        case .object: items = [node]
        case .text(let value) where value.trimmingWhitespace().isEmpty: items = []
        default: throw mismatch(key, "an array", node)
        }
        var readers: [FieldReader] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else {
                throw BodyParseFailure(reason: "\(location(key))[\(index)]: expected an object, found \(item.kindName)")
            }
            readers.append(FieldReader(fields, path: "\(location(key))[\(index)]"))
        }
        return readers
    }

    /// The first of `keys` that is present, as a string (codes and messages; numbers are stringified).
    func firstString(_ keys: [String]) -> String? {
        for key in keys {
            if let value = try? identifier(key), !value.isEmpty { return value }
        }
        return nil
    }
}
