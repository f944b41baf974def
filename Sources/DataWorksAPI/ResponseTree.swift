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

extension ResponseNode: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ResponseNode].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ResponseNode].self))
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
        do {
            let node = try JSONDecoder().decode(ResponseNode.self, from: Data(body))
            return (nil, node)
        } catch {
            throw BodyParseFailure(reason: "invalid JSON")
        }
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
