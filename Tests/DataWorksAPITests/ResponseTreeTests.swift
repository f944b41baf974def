import Testing

@testable import DataWorksAPI

/// The JSON typing of ``ResponseTree/parse(body:contentType:)``: what `JSONSerialization` gives is mapped onto the
/// node types the field readers expect, integers exact (issue 16 replaced `JSONDecoder` by `JSONSerialization`).
struct ResponseTreeTests {
    private func fields(_ json: String) throws -> [String: ResponseNode] {
        let parsed = try ResponseTree.parse(body: Array(json.utf8), contentType: "application/json")
        guard case .object(let fields) = parsed.node else {
            Issue.record("not an object: \(parsed.node)")
            return [:]
        }
        return fields
    }

    @Test func integersOfNineteenDigitsStayExact() throws {
        let tree = try fields(
            #"{"max":9223372036854775807,"min":-9223372036854775808,"id":1234567890123456789,"neg":-1234567890123456789}"#
        )
        #expect(tree["max"] == .integer(.max))
        #expect(tree["min"] == .integer(.min))
        #expect(tree["id"] == .integer(1_234_567_890_123_456_789))
        #expect(tree["neg"] == .integer(-1_234_567_890_123_456_789))
        #expect(try FieldReader(tree, path: "").identifier("id") == "1234567890123456789")
    }

    @Test func booleansAreNotNumbersAndNumbersAreNotBooleans() throws {
        let tree = try fields(#"{"t":true,"f":false,"one":1,"zero":0,"list":[true,1]}"#)
        #expect(tree["t"] == .bool(true))
        #expect(tree["f"] == .bool(false))
        #expect(tree["one"] == .integer(1))
        #expect(tree["zero"] == .integer(0))
        #expect(tree["list"] == .array([.bool(true), .integer(1)]))
        #expect(throws: BodyParseFailure.self) { try FieldReader(tree, path: "").bool("one") }
    }

    @Test func numbersBeyondInt64OrWithFractionsAreDoubles() throws {
        let tree = try fields(
            #"{"frac":1.5,"whole":2.0,"exp":1e3,"over":9223372036854775808,"under":-9223372036854775809,"huge":1e300}"#
        )
        #expect(tree["frac"] == .double(1.5))
        #expect(tree["whole"] == .integer(2))
        #expect(tree["exp"] == .integer(1000))
        #expect(tree["over"] == .double(9_223_372_036_854_775_808))
        // -9223372036854775809 is not a Double: the nearest one is -2^63.
        #expect(tree["under"] == .double(-9_223_372_036_854_775_808.0))
        #expect(tree["huge"] == .double(1e300))
    }

    @Test func stringsNullsAndNesting() throws {
        let tree = try fields(#"{"s":"caf\u00e9","n":null,"o":{"a":[{"b":"c"}]},"e":""}"#)
        #expect(tree["s"] == .string("café"))
        #expect(tree["n"] == .null)
        #expect(tree["o"] == .object(["a": .array([.object(["b": .string("c")])])]))
        #expect(tree["e"] == .string(""))
    }

    @Test(arguments: ["{", "{\"a\":}", "[1 2]", "01", "\"\\ud800\"", "{\"a\":1}x", "nul"])
    func invalidJSONIsRefused(_ body: String) {
        #expect(throws: BodyParseFailure.self) {
            try ResponseTree.parse(body: Array(body.utf8), contentType: "application/json")
        }
    }
}
