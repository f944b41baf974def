import CurlClient
import Testing

@testable import DataWorksAPI

/// The signer and request builder reproduce every vector of `signature-vectors-2024.json` (made by the official SDK
/// `alibabacloud-dataworks-public20240518`) byte for byte: the same-workspace reads as `GET` with query parameters and
/// no body, the cross-project reads as `POST` with a form body.
struct PipelineRunSignatureTests {
    static let file = Fixture.vectors2024
    static let v3IDs = Fixture.caseIDs("v3_cases", file: file)
    static let v1IDs = Fixture.caseIDs("v1_cases", file: file)
    static let captureIDs = Fixture.caseIDs("captured_requests", file: file)
    /// The V3 cases that went through the SDK's own request path (the rest are hand-built minimal header sets).
    static let sdkDefaultV3IDs = v3IDs.filter { !$0.hasPrefix("v3_minimal_") }

    /// The operation of an action: the six reads as the client sends them, anything else `POST` with a form body
    /// (GetDeploymentPackage, ListDeploymentPackages and CreatePipelineRun of 2024-05-18).
    static func operation(_ action: String) -> APIOperation {
        APIOperation.pipelineRunReads.first { $0.action == action }
            ?? APIOperation(action: action, version: .v2024_05_18, placement: .formBody)
    }

    /// The signing core is checked against all 18 V3 vectors in ``SignatureV3Tests``.
    @Test func everyVectorIsCovered() {
        #expect(SignatureV3Tests.allVectors.filter { $0.file == Self.file }.map(\.id) == Self.v3IDs)
        #expect(Self.v3IDs.count == 18)
        #expect(Self.v1IDs.count == 3)
        #expect(Self.captureIDs.count == 19)
    }

    /// The placement the client uses is the one the SDK recorded for each operation.
    @Test func operationsMatchTheSDK() throws {
        let operations = try #require(try Fixture.vectors(Self.file)["operations"] as? [[String: Any]])
        #expect(operations.count == 9)
        for recorded in operations {
            let action = try #require(recorded["action"] as? String)
            let operation = Self.operation(action)
            #expect(operation.placement.httpMethod == recorded["http_method"] as? String, "\(action)")
            #expect(operation.version.rawValue == recorded["version"] as? String)
            let placement = recorded["parameter_placement"] as? String
            #expect(
                placement == (operation.placement == .query ? "query" : "form body"),
                "\(action): \(placement ?? "")"
            )
        }
    }

    /// The builder makes the SDK's request: method, URL with the query as written on the wire, headers, body and
    /// signature.
    @Test(arguments: sdkDefaultV3IDs)
    func builderReproducesSDKRequest(id: String) throws {
        let vector = try Fixture.vectorCase("v3_cases", id, file: Self.file)
        let inputs = try #require(vector["inputs"] as? [String: Any])
        let request = try #require(vector["request"] as? [String: Any])
        let action = try #require(vector["action"] as? String)
        let operation = Self.operation(action)
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: inputs["security_token"] is String),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.build(
            action: action,
            parameters: stringMap(inputs["api_params"]),
            placement: operation.placement,
            context: context,
            version: operation.version.rawValue
        )
        #expect(built.request.method == request["method"] as? String)
        #expect(built.request.url == request["url_as_sent"] as? String)
        #expect(built.bodyText == (request["body"] as? String ?? ""))
        #expect(built.request.body == Array((request["body"] as? String ?? "").utf8))
        var sent: [String: String] = [:]
        for header in built.request.headers { sent[header.name] = header.value }
        #expect(sent.count == built.request.headers.count, "no duplicate header names")
        #expect(sent == stringMap(request["headers"]))
        #expect(built.v3?.canonicalQueryString == vector["canonical_query_string"] as? String)
        #expect(built.v3?.canonicalRequest == vector["canonical_request"] as? String)
        #expect(built.v3?.signature == vector["signature"] as? String)
        if operation.placement == .query {
            #expect(sent["content-type"] == nil)
            #expect(built.request.body.isEmpty)
        }
    }

    /// V1: the same-workspace reads put every parameter in the query (`GET&%2F&…`), the cross-project ones keep theirs
    /// in the form body.
    @Test(arguments: v1IDs)
    func v1BuilderReproducesVector(id: String) throws {
        let vector = try Fixture.vectorCase("v1_cases", id, file: Self.file)
        let inputs = try #require(vector["inputs"] as? [String: Any])
        let request = try #require(vector["request"] as? [String: Any])
        let action = try #require(vector["action"] as? String)
        let operation = Self.operation(action)
        let components = SignatureV1.sign(
            method: try #require(request["method"] as? String),
            parameters: stringMap(vector["signed_params"]),
            accessKeySecret: Secret("testsecret")
        )
        #expect(components.canonicalizedQueryString == vector["canonicalized_query_string"] as? String)
        #expect(components.stringToSign == vector["string_to_sign"] as? String)
        #expect(components.signature == vector["signature"] as? String)

        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: inputs["security_token"] is String),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.build(
            action: action,
            parameters: stringMap(inputs["api_params"]),
            placement: operation.placement,
            context: context,
            signatureVersion: .v1,
            version: operation.version.rawValue
        )
        #expect(built.request.method == request["method"] as? String)
        #expect(built.v1?.stringToSign == vector["string_to_sign"] as? String)
        #expect(built.v1?.signature == vector["signature"] as? String)
        #expect(built.request.url == request["url_as_sent"] as? String)
        #expect(built.bodyText == (request["body"] as? String ?? ""))
        var sent: [String: String] = [:]
        for header in built.request.headers { sent[header.name] = header.value }
        #expect(sent == stringMap(request["headers"]))
    }

    /// Every captured request, as the loopback server received it from the SDK: request target, headers in wire order
    /// (without `Accept-Encoding` and `Content-Length`, which the HTTP stack adds) and body; and the verifier accepts
    /// it.
    @Test(arguments: captureIDs)
    func capturedRequestMatchesByteForByte(id: String) throws {
        let capture = try Fixture.vectorCase("captured_requests", id, file: Self.file)
        let action = try #require(capture["action"] as? String)
        let operation = Self.operation(action)
        let received = try #require((capture["requests_received"] as? [[String: Any]])?.first)
        let allHeaders = headerList(received["headers"])
        let expectedHeaders = allHeaders.filter {
            !["accept-encoding", "content-length"].contains($0.name.lowercased())
        }
        let body = try #require(received["body"] as? String)
        let target = try #require(received["path"] as? String)
        let method = try #require(received["method"] as? String)
        let host = try #require(expectedHeaders.first { $0.name == "host" }?.value)
        let endpoint = try Endpoint.resolve(regionId: nil, override: "http://" + host)
        let isV1 = !expectedHeaders.contains { $0.name == "Authorization" }
        let sts =
            expectedHeaders.contains { $0.name == "x-acs-security-token" } || target.contains("SecurityToken=")
        var parameters: [String: String]
        if operation.placement == .formBody {
            parameters = try #require(PercentEncoding.parseParameters(body))
        } else {
            parameters = stringMap(capture["api_params"])
        }
        let context = RequestSigningContext(
            endpoint: endpoint,
            credentials: testCredentials(sts: sts),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.build(
            action: action,
            parameters: parameters,
            placement: operation.placement,
            context: context,
            signatureVersion: isV1 ? .v1 : .v3,
            version: operation.version.rawValue
        )
        #expect(built.request.method == method)
        #expect(built.request.headers == expectedHeaders)
        #expect(built.bodyText == body)
        #expect(built.request.url == (target.hasPrefix("/") ? endpoint.url + target : target))
        if operation.placement == .query {
            #expect(!allHeaders.contains { $0.name.lowercased() == "content-length" })
        }

        let rawQuery = target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let query = try #require(PercentEncoding.parseParameters(rawQuery))
        let bodyParameters = try #require(PercentEncoding.parseParameters(body))
        let verification =
            isV1
            ? SignatureVerifier.verifyV1(
                method: method,
                query: query,
                bodyParameters: bodyParameters,
                secretForAccessKeyId: secretLookup
            )
            : SignatureVerifier.verifyV3(
                method: method,
                path: "/",
                query: query,
                headers: allHeaders,
                body: Array(body.utf8),
                secretForAccessKeyId: secretLookup
            )
        #expect(verification == .ok(accessKeyId: "testid"))
    }

    /// The answers the SDK got in the captures decode; the error ones into the codes, statuses, RequestIds and
    /// retry-after values the SDK raised.
    @Test(arguments: captureIDs)
    func capturedResponseDecodes(id: String) throws {
        let capture = try Fixture.vectorCase("captured_requests", id, file: Self.file)
        let action = try #require(capture["action"] as? String)
        let final = try #require((capture["server_responses"] as? [[String: Any]])?.last)
        let response = HTTPResponse(
            status: try #require(final["status"] as? Int),
            headers: stringMap(final["headers"]).map { HTTPHeader(name: $0.key, value: $0.value) },
            body: Array(try #require(final["body"] as? String).utf8)
        )
        let decode: (HTTPResponse) throws(APIError) -> Void
        switch action {
        case "GetPipelineRun":
            decode = { response throws(APIError) in _ = try ResponseDecoder.decodeGetPipelineRun(response) }
        case "ListPipelineRuns":
            decode = { response throws(APIError) in _ = try ResponseDecoder.decodeListPipelineRuns(response) }
        case "ListPipelineRunItems":
            decode = { response throws(APIError) in _ = try ResponseDecoder.decodeListPipelineRunItems(response) }
        case "GetCrossProjectPipelineRun":
            decode = { response throws(APIError) in
                _ = try ResponseDecoder.decodeGetCrossProjectPipelineRun(response)
            }
        case "ListCrossProjectPipelineRuns":
            decode = { response throws(APIError) in
                _ = try ResponseDecoder.decodeListCrossProjectPipelineRuns(response)
            }
        case "ListCrossProjectPipelineRunItems":
            decode = { response throws(APIError) in
                _ = try ResponseDecoder.decodeListCrossProjectPipelineRunItems(response)
            }
        default:
            return  // GetDeploymentPackage, ListDeploymentPackages, CreatePipelineRun: not read by the client.
        }
        if let exception = capture["sdk_exception"] as? [String: Any] {
            do {
                try decode(response)
                Issue.record("\(id) should fail")
            } catch {
                guard case .service(let service) = error else {
                    Issue.record("\(id): \(error)")
                    return
                }
                #expect(service.code == exception["code"] as? String)
                #expect(service.httpStatus == exception["status_code"] as? Int)
                #expect(service.requestId == exception["request_id"] as? String)
                #expect(service.retryAfter == (exception["retry_after"] as? Int).map { Duration.milliseconds($0) })
            }
        } else {
            try decode(response)
        }
    }
}
