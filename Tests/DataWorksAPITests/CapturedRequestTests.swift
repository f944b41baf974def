import CurlClient
import Testing

@testable import DataWorksAPI

/// The builder reproduces the requests the SDK put on the wire (headers in wire order, body, request target),
/// including `host` with a port and the signed retry headers, and the verifier accepts them.
struct CapturedRequestTests {
    static let v3IDs = [
        "cap_v3_default_endpoint_override",
        "cap_v3_real_host_via_loopback_proxy",
        "cap_error_403_client_exception",
        "cap_error_429_no_retry_after",
        "cap_error_429_with_retry_after",
        "cap_error_503_server_exception",
        "cap_retry_options_503_then_200",
    ]
    static let v1IDs = ["cap_v1_endpoint_override", "cap_v1_real_host_via_loopback_proxy"]

    @Test func everyCaptureIsListed() {
        #expect(Set(Fixture.caseIDs("captured_requests")) == Set(Self.v3IDs + Self.v1IDs))
    }

    /// Headers as the SDK sent them, without the ones the HTTP stack adds (`Accept-Encoding`, `Content-Length`).
    private func sdkHeaders(_ received: [String: Any]) -> [HTTPHeader] {
        headerList(received["headers"]).filter {
            !["accept-encoding", "content-length"].contains($0.name.lowercased())
        }
    }

    private func endpoint(for received: [HTTPHeader]) throws -> Endpoint {
        let host = try #require(received.first { $0.name == "host" }?.value)
        return try Endpoint.resolve(regionId: nil, override: "http://" + host)
    }

    private func apiParameters(body: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in try #require(PercentEncoding.parsePairs(body)) { result[pair.name] = pair.value }
        return result
    }

    @Test(arguments: v3IDs)
    func v3RequestsMatchByteForByte(id: String) throws {
        let capture = try Fixture.vectorCase("captured_requests", id)
        let requests = try #require(capture["requests_received"] as? [[String: Any]])
        #expect(!requests.isEmpty)
        for received in requests {
            let expectedHeaders = sdkHeaders(received)
            let body = try #require(received["body"] as? String)
            let retryAttempts = expectedHeaders.first { $0.name == "x-acs-retry-attempts" }.flatMap { Int($0.value) }
            let retryDelay = expectedHeaders.first { $0.name == "x-acs-retry-delay" }.flatMap { Int($0.value) }
            let endpoint = try endpoint(for: expectedHeaders)
            let context = RequestSigningContext(
                endpoint: endpoint,
                credentials: testCredentials(sts: false),
                timestamp: fixedTimestamp,
                nonce: fixedNonce,
                userAgent: fixedUserAgent,
                sendsCredentialsProvider: true,
                retry: retryAttempts.map { .init(attempts: $0, delayMilliseconds: retryDelay ?? 0) }
            )
            let built = SignedRequestBuilder.buildV3(
                action: "GetDeployment",
                parameters: try apiParameters(body: body),
                context: context
            )
            #expect(built.request.headers == expectedHeaders)
            #expect(built.bodyText == body)
            #expect(built.request.url == endpoint.url + "/")
            let path = try #require(received["path"] as? String)
            #expect(path == "/" || path == built.request.url)

            let verification = SignatureVerifier.verifyV3(
                method: "POST",
                path: "/",
                query: [:],
                headers: headerList(received["headers"]),
                body: Array(body.utf8),
                secretForAccessKeyId: secretLookup
            )
            #expect(verification == .ok(accessKeyId: "testid"))
        }
    }

    @Test func portIsSignedInHost() throws {
        let capture = try Fixture.vectorCase("captured_requests", "cap_v3_default_endpoint_override")
        let received = try #require((capture["requests_received"] as? [[String: Any]])?.first)
        let authorization = try #require(headerList(received["headers"]).first { $0.name == "Authorization" })
        #expect(authorization.value.hasSuffix("3d865a28a02b24f1abcbe6416e620df5566ea1c24d07c250d2c720971731de04"))
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: nil, override: "http://127.0.0.1:18089"),
            credentials: testCredentials(sts: false),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.buildV3(
            action: "GetDeployment",
            parameters: ["DeploymentId": "3000001", "ProjectId": "10000"],
            context: context
        )
        #expect(built.v3?.canonicalHeaders.contains("host:127.0.0.1:18089\n") == true)
        #expect(built.request.headers.last == authorization)
        #expect(built.request.url == "http://127.0.0.1:18089/")
    }

    @Test(arguments: v1IDs)
    func v1RequestsMatchByteForByte(id: String) throws {
        let capture = try Fixture.vectorCase("captured_requests", id)
        let received = try #require((capture["requests_received"] as? [[String: Any]])?.first)
        let expectedHeaders = sdkHeaders(received)
        let body = try #require(received["body"] as? String)
        let endpoint = try endpoint(for: expectedHeaders)
        let context = RequestSigningContext(
            endpoint: endpoint,
            credentials: testCredentials(sts: false),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let built = SignedRequestBuilder.buildV1(
            action: "GetDeployment",
            parameters: try apiParameters(body: body),
            context: context
        )
        #expect(built.request.headers == expectedHeaders)
        #expect(built.bodyText == body)
        let path = try #require(received["path"] as? String)
        let target = path.hasPrefix("/") ? endpoint.url + path : path
        #expect(built.request.url == target)

        let queryText = String(try #require(path.split(separator: "?", maxSplits: 1).last))
        var query: [String: String] = [:]
        for pair in try #require(PercentEncoding.parsePairs(queryText)) { query[pair.name] = pair.value }
        let verification = SignatureVerifier.verifyV1(
            method: "POST",
            query: query,
            bodyParameters: try apiParameters(body: body),
            secretForAccessKeyId: secretLookup
        )
        #expect(verification == .ok(accessKeyId: "testid"))
    }

    @Test func capturedResponsesDecode() throws {
        for id in Self.v3IDs + Self.v1IDs {
            let capture = try Fixture.vectorCase("captured_requests", id)
            let responses = try #require(capture["server_responses"] as? [[String: Any]])
            let final = try #require(responses.last)
            let response = HTTPResponse(
                status: try #require(final["status"] as? Int),
                headers: stringMap(final["headers"]).map { HTTPHeader(name: $0.key, value: $0.value) },
                body: Array(try #require(final["body"] as? String).utf8)
            )
            if let exception = capture["sdk_exception"] as? [String: Any] {
                do {
                    _ = try ResponseDecoder.decodeGetDeployment(response)
                    Issue.record("\(id) should fail")
                } catch {
                    guard case .service(let service) = error else {
                        Issue.record("\(id): \(error)")
                        continue
                    }
                    #expect(service.code == exception["code"] as? String)
                    #expect(service.httpStatus == exception["status_code"] as? Int)
                    #expect(service.requestId == exception["request_id"] as? String)
                    let retryAfter = (exception["retry_after"] as? Int).map { Duration.milliseconds($0) }
                    #expect(service.retryAfter == retryAfter)
                }
            } else {
                let decoded = try ResponseDecoder.decodeGetDeployment(response)
                #expect(decoded.deployment.name == "test_deploy_package")
                #expect(decoded.deployment.creatorId == "1000000000001")
                #expect(decoded.deployment.createTime == 1_593_767_747_000)
                #expect(decoded.deployment.errorMessage == "")
                #expect(decoded.deployedItems == [DeployedItem(fileId: 1_000_001, fileVersion: 2, status: 1)])
            }
        }
    }
}
