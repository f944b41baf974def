import CurlClient
import Foundation
import Testing

@testable import DataWorksAPI

/// Inputs that crashed a fuzz target (`scripts/fuzz`), kept so the crash cannot come back.
@Suite struct FuzzRegressionTests {
    static var inputs: [String] {
        let directory = (try? Fixture.url("fuzz-regressions")).map(\.path) ?? ""
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test(arguments: inputs)
    func responseDecoderRejectsWithoutCrashing(input: String) throws {
        let body = try Fixture.bytes("fuzz-regressions/" + input)
        for contentType in ["application/json;charset=utf-8", "text/xml;charset=utf-8"] {
            let response = HTTPResponse(
                status: 200,
                headers: [HTTPHeader(name: "Content-Type", value: contentType)],
                body: body
            )
            #expect(throws: APIError.self) { try ResponseDecoder.decodeGetDeployment(response) }
            #expect(throws: APIError.self) { try ResponseDecoder.decodeListDeployments(response) }
        }
    }

    @Test func thereAreRegressionInputs() {
        #expect(!Self.inputs.isEmpty)
    }
}
