import CurlClient
import Testing

@testable import DataWorksAPI

struct SignatureV1Tests {
    static let caseIDs = [
        "v1_project_id",
        "v1_project_identifier_special_chars",
        "v1_project_id_with_region_id_global_query",
        "v1_sts_token",
    ]

    @Test func everyVectorIsListed() {
        #expect(Set(Fixture.caseIDs("v1_cases")) == Set(Self.caseIDs))
    }

    @Test(arguments: caseIDs)
    func signingCoreReproducesVector(id: String) throws {
        let vector = try Fixture.vectorCase("v1_cases", id)
        let components = SignatureV1.sign(
            method: "POST",
            parameters: stringMap(vector["signed_params"]),
            accessKeySecret: Secret("testsecret")
        )
        #expect(components.canonicalizedQueryString == vector["canonicalized_query_string"] as? String)
        #expect(components.stringToSign == vector["string_to_sign"] as? String)
        #expect(components.signature == vector["signature"] as? String)
    }

    @Test(arguments: caseIDs)
    func builderReproducesVector(id: String) throws {
        let vector = try Fixture.vectorCase("v1_cases", id)
        let inputs = try #require(vector["inputs"] as? [String: Any])
        let request = try #require(vector["request"] as? [String: Any])
        let sts = inputs["security_token"] is String
        let extra = stringMap(inputs["global_queries"]).map { (name: $0.key, value: $0.value) }
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: sts),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.buildV1(
            action: "GetDeployment",
            parameters: stringMap(inputs["api_params"]),
            extraQuery: extra,
            context: context
        )
        #expect(built.signatureVersion == .v1)
        #expect(built.v1?.canonicalizedQueryString == vector["canonicalized_query_string"] as? String)
        #expect(built.v1?.stringToSign == vector["string_to_sign"] as? String)
        #expect(built.v1?.signature == vector["signature"] as? String)
        #expect(built.bodyText == request["body"] as? String)
        // pct and the SDK's quote_plus agree on these values, so the URL matches byte for byte.
        #expect(built.request.url == request["url_as_sent"] as? String)
        var query: [String: String] = [:]
        for pair in built.query { query[pair.name] = pair.value }
        #expect(query == stringMap(request["query"]))
        #expect(built.query.last?.name == "Signature")
        var sent: [String: String] = [:]
        for header in built.request.headers { sent[header.name] = header.value }
        #expect(sent == stringMap(request["headers"]))
    }

    @Test func queryOrderFollowsSDK() throws {
        let context = RequestSigningContext(
            endpoint: Endpoint(host: "dataworks.cn-zhangjiakou.aliyuncs.com"),
            credentials: testCredentials(sts: true),
            timestamp: fixedTimestamp,
            nonce: fixedNonce
        )
        let built = SignedRequestBuilder.buildV1(
            action: "GetDeployment",
            parameters: ["DeploymentId": "1"],
            context: context
        )
        #expect(
            built.query.map(\.name) == [
                "Action", "Format", "Version", "Timestamp", "SignatureNonce", "SecurityToken", "SignatureMethod",
                "SignatureVersion", "AccessKeyId", "Signature",
            ]
        )
    }

    @Test func base64MatchesKnownValues() {
        #expect(base64([]) == "")
        #expect(base64(Array("f".utf8)) == "Zg==")
        #expect(base64(Array("fo".utf8)) == "Zm8=")
        #expect(base64(Array("foo".utf8)) == "Zm9v")
        #expect(base64(Array("foobar".utf8)) == "Zm9vYmFy")
    }
}
