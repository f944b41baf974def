import Testing

@testable import DataWorksAPI

struct PercentEncodingTests {
    @Test func reproducesEncodingTable() throws {
        let table = try #require(try Fixture.vectors()["encoding_table"] as? [[String: String]])
        #expect(table.count >= 20)
        for row in table {
            let input = try #require(row["input"])
            let signing = try #require(row["sdk_get_encode_param (V1 & V3 canonical values)"])
            let form = try #require(row["sdk_form_body (darabonba Form.to_form_string / urlencode)"])
            #expect(PercentEncoding.pct(input) == signing, "pct(\(input))")
            #expect(PercentEncoding.formComponent(input) == form, "form(\(input))")
        }
    }

    @Test func specialProjectIdentifier() {
        let value = "dw_project~a b*c/é"
        #expect(PercentEncoding.pct(value) == "dw_project~a%20b%2Ac%2F%C3%A9")
        #expect(PercentEncoding.formComponent(value) == "dw_project~a+b%2Ac%2F%C3%A9")
        #expect(PercentEncoding.pct("%7E") == "%257E")
        #expect(PercentEncoding.pct("AZaz09-_.~") == "AZaz09-_.~")
    }

    @Test func formBodySortsKeys() {
        let body = PercentEncoding.formBody(["ProjectIdentifier": "dw_project~a b*c/é", "DeploymentId": "3000001"])
        #expect(body == "DeploymentId=3000001&ProjectIdentifier=dw_project~a+b%2Ac%2F%C3%A9")
        #expect(PercentEncoding.formBody([:]).isEmpty)
        // Code-point order: uppercase before lowercase.
        #expect(PercentEncoding.formBody(["b": "1", "B": "2", "a": "3"]) == "B=2&a=3&b=1")
    }

    @Test func decodeRoundTrips() throws {
        let value = "dw_project~a b*c/é+%"
        #expect(PercentEncoding.decode(PercentEncoding.pct(value)) == value)
        #expect(PercentEncoding.decode(PercentEncoding.formComponent(value)) == value)
        #expect(PercentEncoding.decode("a+b", plusAsSpace: false) == "a+b")
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.decode("%C3") == nil)
        let pairs = try #require(PercentEncoding.parsePairs("A=1&B=x+y&C&&D=%2F"))
        #expect(pairs.map(\.name) == ["A", "B", "C", "D"])
        #expect(pairs.map(\.value) == ["1", "x y", "", "/"])
    }

    @Test func parseParametersLastWins() {
        #expect(PercentEncoding.parseParameters("a=1&b=2&a=3") == ["a": "3", "b": "2"])
        #expect(PercentEncoding.parseParameters("a=%G0") == nil)
        #expect(PercentEncoding.parseParameters("") == [:])
    }
}
