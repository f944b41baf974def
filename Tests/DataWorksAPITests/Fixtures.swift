import CurlClient
import Foundation
import Testing

@testable import DataWorksAPI

/// Loads files from the test bundle's `Fixtures` directory.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let base = try #require(Bundle.module.resourceURL)
        return base.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(name)))
    }

    /// The 2020-05-18 vectors (`signature-vectors.json`).
    static let vectors2020 = "signature-vectors.json"
    /// The 2024-05-18 pipeline-run vectors (`signature-vectors-2024.json`).
    static let vectors2024 = "signature-vectors-2024.json"

    static func vectors(_ file: String = vectors2020) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url(file)))
        return try #require(object as? [String: Any])
    }

    static func vectorCase(_ group: String, _ id: String, file: String = vectors2020) throws -> [String: Any] {
        let cases = try #require(try vectors(file)[group] as? [[String: Any]])
        return try #require(cases.first { $0["id"] as? String == id }, "no vector \(id)")
    }

    static func caseIDs(_ group: String, file: String = vectors2020) -> [String] {
        guard let cases = (try? vectors(file))?[group] as? [[String: Any]] else { return [] }
        return cases.compactMap { $0["id"] as? String }
    }

    /// An HTTP response with `body` read from `Fixtures/<name>`.
    static func response(_ name: String, status: Int = 200, headers: [HTTPHeader] = []) throws -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: try bytes(name))
    }
}

/// A JSON scalar as text (numbers without decoration).
func text(_ value: Any?) -> String? {
    switch value {
    case let string as String: string
    case let number as NSNumber: number.stringValue
    default: nil
    }
}

/// A JSON object of scalars as `[String: String]`.
func stringMap(_ value: Any?) -> [String: String] {
    guard let object = value as? [String: Any] else { return [:] }
    var result: [String: String] = [:]
    for (key, item) in object {
        if let string = text(item) { result[key] = string }
    }
    return result
}

/// `[[name, value], …]` as headers.
func headerList(_ value: Any?) -> [HTTPHeader] {
    guard let pairs = value as? [[String]] else { return [] }
    return pairs.compactMap { $0.count == 2 ? HTTPHeader(name: $0[0], value: $0[1]) : nil }
}

/// Test credentials from `fixed_inputs`.
func testCredentials(sts: Bool) -> Credentials {
    Credentials(
        accessKeyId: "testid",
        accessKeySecret: Secret("testsecret"),
        securityToken: sts ? Secret("testststoken") : nil,
        providerName: sts ? "static_sts" : "static_ak"
    )
}

let fixedTimestamp = "2025-01-02T03:04:05Z"
let fixedNonce = "3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c"
let fixedUserAgent = "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"

func secretLookup(_ id: String) -> Secret? {
    id == "testid" ? Secret("testsecret") : nil
}
