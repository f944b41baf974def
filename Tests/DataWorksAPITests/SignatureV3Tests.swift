import CurlClient
import Testing

@testable import DataWorksAPI

struct SignatureV3Tests {
    static let caseIDs = [
        "v3_sdk_default_project_id",
        "v3_sdk_default_project_identifier_special_chars",
        "v3_sdk_default_sts_token",
        "v3_sdk_generic_get_query_special_chars",
        "v3_minimal_signed_headers_project_id",
    ]

    @Test func everyVectorIsListed() {
        #expect(Set(Fixture.caseIDs("v3_cases")) == Set(Self.caseIDs))
    }

    /// Every V3 vector of both files: 2020-05-18 (`POST`, form body) and 2024-05-18 (pipeline runs, `GET` with a
    /// query for the same-workspace reads).
    static let allVectors: [(file: String, id: String)] =
        caseIDs.map { (Fixture.vectors2020, $0) }
        + Fixture.caseIDs("v3_cases", file: Fixture.vectors2024).map { (Fixture.vectors2024, $0) }

    /// The signing core reproduces every intermediate of every V3 vector byte for byte.
    @Test(arguments: allVectors)
    func signingCoreReproducesVector(file: String, id: String) throws {
        let vector = try Fixture.vectorCase("v3_cases", id, file: file)
        let request = try #require(vector["request"] as? [String: Any])
        let headers = stringMap(request["headers"]).filter { $0.key != "Authorization" }
            .map { HTTPHeader(name: $0.key, value: $0.value) }
        let body = Array((request["body"] as? String ?? "").utf8)
        let components = SignatureV3.sign(
            method: try #require(request["method"] as? String),
            path: try #require(request["pathname"] as? String),
            query: stringMap(request["query"]),
            headers: headers,
            body: body,
            accessKeyId: "testid",
            accessKeySecret: Secret("testsecret")
        )
        #expect(components.canonicalQueryString == vector["canonical_query_string"] as? String)
        #expect(components.canonicalHeaders == vector["canonical_headers"] as? String)
        #expect(components.signedHeaders == vector["signed_headers"] as? String)
        #expect(components.hashedRequestPayload == vector["hashed_request_payload"] as? String)
        #expect(components.canonicalRequest == vector["canonical_request"] as? String)
        #expect(components.stringToSign == vector["string_to_sign"] as? String)
        #expect(components.signature == vector["signature"] as? String)
        #expect(components.authorization == vector["authorization"] as? String)
        #expect(components.authorization == stringMap(request["headers"])["Authorization"])
    }

    /// The request builder makes the SDK's default request: same headers, body, URL and Authorization.
    @Test(arguments: [
        "v3_sdk_default_project_id", "v3_sdk_default_project_identifier_special_chars", "v3_sdk_default_sts_token",
    ])
    func builderReproducesSDKDefault(id: String) throws {
        let vector = try Fixture.vectorCase("v3_cases", id)
        let inputs = try #require(vector["inputs"] as? [String: Any])
        let request = try #require(vector["request"] as? [String: Any])
        let sts = inputs["security_token"] is String
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: sts),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.build(
            action: "GetDeployment",
            parameters: stringMap(inputs["api_params"]),
            context: context
        )
        #expect(built.signatureVersion == .v3)
        #expect(built.request.method == "POST")
        #expect(built.request.url == request["url_as_sent"] as? String)
        #expect(built.bodyText == request["body"] as? String)
        #expect(built.request.body == Array((request["body"] as? String ?? "").utf8))
        var sent: [String: String] = [:]
        for header in built.request.headers { sent[header.name] = header.value }
        #expect(sent.count == built.request.headers.count, "no duplicate header names")
        #expect(sent == stringMap(request["headers"]))
        #expect(built.v3?.canonicalRequest == vector["canonical_request"] as? String)
        #expect(built.v3?.stringToSign == vector["string_to_sign"] as? String)
        #expect(built.v3?.signature == vector["signature"] as? String)
        if sts {
            #expect(sent["x-acs-security-token"] == "testststoken")
            #expect(sent["x-acs-accesskey-id"] == "testid")
        }
    }

    @Test func builderHeaderSetWithoutOptionalHeaders() throws {
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: false),
            timestamp: fixedTimestamp,
            nonce: fixedNonce
        )
        let built = SignedRequestBuilder.buildV3(
            action: "GetDeployment",
            parameters: GetDeploymentRequest(deploymentId: 3_000_001, projectId: 10_000).parameters,
            context: context
        )
        #expect(
            built.request.headers.map(\.name) == [
                "host", "x-acs-version", "x-acs-action", "x-acs-date", "x-acs-signature-nonce", "accept",
                "content-type", "x-acs-content-sha256", "Authorization",
            ]
        )
        #expect(
            built.v3?.signedHeaders
                == "accept;content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        )
        #expect(built.bodyText == "DeploymentId=3000001&ProjectId=10000")
    }

    @Test func canonicalHeadersMergeRepeatedNamesAndTrim() {
        let (canonical, signed) = SignatureV3.canonicalHeaders([
            HTTPHeader(name: "X-Acs-B", value: "  two "),
            HTTPHeader(name: "x-acs-b", value: "one"),
            HTTPHeader(name: "Host", value: "h"),
            HTTPHeader(name: "authorization", value: "ignored"),
        ])
        #expect(canonical == "host:h\nx-acs-b:one,two\n")
        #expect(signed == "host;x-acs-b")
    }

    @Test func emptyBodyHash() {
        #expect(
            SignatureV3.hexSHA256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }

    @Test func authorizationParsing() throws {
        let parsed = try #require(
            SignatureV3.Authorization(
                parsing: "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-date,Signature=abc"
            )
        )
        #expect(parsed.accessKeyId == "testid")
        #expect(parsed.signedHeaders == ["host", "x-acs-date"])
        #expect(parsed.signature == "abc")
        #expect(SignatureV3.Authorization(parsing: "HMAC-SHA1 Credential=a,SignedHeaders=b,Signature=c") == nil)
        #expect(SignatureV3.Authorization(parsing: "ACS3-HMAC-SHA256 Credential=a,Signature=c") == nil)
    }
}

/// The `x-acs-signature-nonce` of every attempt: 32 lowercase hex digits, new each time.
@Suite struct NonceTests {
    @Test func noncesAreThirtyTwoLowercaseHexDigitsAndDiffer() {
        let nonces = (0..<200).map { _ in DataWorksClient.makeNonce() }
        for nonce in nonces {
            #expect(nonce.utf8.count == 32)
            #expect(nonce.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
        }
        #expect(Set(nonces).count == nonces.count)
        // Every digit position takes more than one value (no constant padding).
        for position in 0..<32 {
            let digits = Set(nonces.map { Array($0.utf8)[position] })
            #expect(digits.count > 1)
        }
    }
}
