import CurlClient
import Testing

@testable import DataWorksAPI

struct SignatureVerifierTests {
    private func build(sts: Bool = false, version: SignatureVersion = .v3) throws -> SignedRequest {
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: nil, override: "http://127.0.0.1:18089"),
            credentials: testCredentials(sts: sts),
            timestamp: fixedTimestamp,
            nonce: fixedNonce
        )
        return SignedRequestBuilder.build(
            action: "GetDeployment",
            parameters: GetDeploymentRequest(deploymentId: 3_000_001, projectIdentifier: "dw_project~a b*c/é")
                .parameters,
            context: context,
            signatureVersion: version
        )
    }

    private func verify(_ request: HTTPRequest) -> SignatureVerification {
        SignatureVerifier.verifyV3(
            method: request.method,
            path: "/",
            query: [:],
            headers: request.headers,
            body: request.body,
            secretForAccessKeyId: secretLookup
        )
    }

    @Test(arguments: [false, true])
    func v3RoundTrip(sts: Bool) throws {
        let built = try build(sts: sts)
        #expect(verify(built.request) == .ok(accessKeyId: "testid"))
        #expect(verify(built.request).isOK)
    }

    @Test func v3TamperedBodyIsRejected() throws {
        var request = try build().request
        request.body = Array("DeploymentId=3000002&ProjectIdentifier=dw_project~a+b%2Ac%2F%C3%A9".utf8)
        guard case .failed(let failure) = verify(request) else {
            Issue.record("tampered body accepted")
            return
        }
        #expect(failure.code == "SignatureDoesNotMatch")
        guard case .contentHashMismatch = failure else {
            Issue.record("expected a content hash mismatch, got \(failure)")
            return
        }
    }

    @Test func v3TamperedBodyAndHashIsRejected() throws {
        var request = try build().request
        let body = Array("DeploymentId=3000002".utf8)
        request.body = body
        request.headers = request.headers.map {
            $0.name == "x-acs-content-sha256" ? HTTPHeader(name: $0.name, value: SignatureV3.hexSHA256(body)) : $0
        }
        guard case .failed(.signatureMismatch(let stringToSign)) = verify(request) else {
            Issue.record("tampered request accepted")
            return
        }
        #expect(stringToSign.hasPrefix("ACS3-HMAC-SHA256\n"))
        let failure = SignatureVerificationFailure.signatureMismatch(expectedStringToSign: stringToSign)
        #expect(failure.message.contains(stringToSign))
        #expect(failure.httpStatus == 403)
    }

    @Test(arguments: ["x-acs-date", "x-acs-action", "host", "x-acs-signature-nonce"])
    func v3TamperedHeaderIsRejected(name: String) throws {
        var request = try build().request
        request.headers = request.headers.map {
            $0.name == name ? HTTPHeader(name: $0.name, value: $0.value + "x") : $0
        }
        #expect(verify(request) == .failed(.signatureMismatch(expectedStringToSign: stringToSign(request))))
    }

    private func stringToSign(_ request: HTTPRequest) -> String {
        let signed = request.headers.filter { $0.name != "Authorization" }
        return SignatureV3.sign(
            method: "POST",
            headers: signed,
            body: request.body,
            accessKeyId: "testid",
            accessKeySecret: Secret("testsecret")
        ).stringToSign
    }

    @Test func v3UnsignedExtraHeadersAreIgnored() throws {
        var request = try build().request
        request.headers.append(HTTPHeader(name: "Content-Length", value: "66"))
        request.headers.append(HTTPHeader(name: "Accept-Encoding", value: "identity"))
        #expect(verify(request).isOK)
    }

    @Test func v3Failures() throws {
        let request = try build().request
        var missing = request
        missing.headers.removeAll { $0.name == "Authorization" }
        #expect(verify(missing) == .failed(.missingSignature))

        var malformed = request
        malformed.headers = malformed.headers.map {
            $0.name == "Authorization" ? HTTPHeader(name: $0.name, value: "ACS3-HMAC-SHA256 nonsense") : $0
        }
        #expect(verify(malformed) == .failed(.malformedAuthorization))

        var droppedSigned = request
        droppedSigned.headers.removeAll { $0.name == "x-acs-signature-nonce" }
        #expect(verify(droppedSigned) == .failed(.missingSignedHeader("x-acs-signature-nonce")))

        let unknown = SignatureVerifier.verifyV3(
            method: "POST",
            path: "/",
            query: [:],
            headers: request.headers,
            body: request.body,
            secretForAccessKeyId: { _ in nil }
        )
        #expect(unknown == .failed(.unknownAccessKeyId("testid")))
        #expect(SignatureVerificationFailure.unknownAccessKeyId("testid").code == "InvalidAccessKeyId.NotFound")

        let wrongSecret = SignatureVerifier.verifyV3(
            method: "POST",
            path: "/",
            query: [:],
            headers: request.headers,
            body: request.body,
            secretForAccessKeyId: { _ in Secret("other") }
        )
        #expect(!wrongSecret.isOK)
    }

    @Test func v3MinimalHeaderSetMustIncludeRequiredHeaders() throws {
        var headers = [
            HTTPHeader(name: "host", value: "127.0.0.1:18089"),
            HTTPHeader(name: "x-acs-action", value: "GetDeployment"),
        ]
        let signature = SignatureV3.sign(
            method: "POST",
            headers: headers,
            body: [],
            accessKeyId: "testid",
            accessKeySecret: Secret("testsecret")
        )
        headers.append(HTTPHeader(name: "Authorization", value: signature.authorization))
        let result = SignatureVerifier.verifyV3(
            method: "POST",
            path: "/",
            query: [:],
            headers: headers,
            body: [],
            secretForAccessKeyId: secretLookup
        )
        guard case .failed(.missingSignedHeader) = result else {
            Issue.record("expected missingSignedHeader, got \(result)")
            return
        }
    }

    private func v1Parts(_ built: SignedRequest) throws -> (query: [String: String], body: [String: String]) {
        var query: [String: String] = [:]
        for pair in built.query { query[pair.name] = pair.value }
        var body: [String: String] = [:]
        for pair in try #require(PercentEncoding.parsePairs(built.bodyText)) { body[pair.name] = pair.value }
        return (query, body)
    }

    @Test(arguments: [false, true])
    func v1RoundTrip(sts: Bool) throws {
        let built = try build(sts: sts, version: .v1)
        let (query, body) = try v1Parts(built)
        let result = SignatureVerifier.verifyV1(
            method: "POST",
            query: query,
            bodyParameters: body,
            secretForAccessKeyId: secretLookup
        )
        #expect(result == .ok(accessKeyId: "testid"))

        // The same through the wire URL.
        let queryText = String(try #require(built.request.url.split(separator: "?", maxSplits: 1).last))
        var wireQuery: [String: String] = [:]
        for pair in try #require(PercentEncoding.parsePairs(queryText)) { wireQuery[pair.name] = pair.value }
        #expect(wireQuery == query)
    }

    @Test func v1TamperingIsRejected() throws {
        let built = try build(version: .v1)
        var (query, body) = try v1Parts(built)
        body["DeploymentId"] = "3000002"
        guard
            case .failed(.signatureMismatch(let stringToSign)) = SignatureVerifier.verifyV1(
                method: "POST",
                query: query,
                bodyParameters: body,
                secretForAccessKeyId: secretLookup
            )
        else {
            Issue.record("tampered V1 body accepted")
            return
        }
        #expect(stringToSign.hasPrefix("POST&%2F&AccessKeyId%3Dtestid"))

        (query, body) = try v1Parts(built)
        query["Timestamp"] = "2025-01-02T03:04:06Z"
        #expect(
            !SignatureVerifier.verifyV1(
                method: "POST",
                query: query,
                bodyParameters: body,
                secretForAccessKeyId: secretLookup
            )
            .isOK
        )
        query.removeValue(forKey: "Signature")
        #expect(
            SignatureVerifier.verifyV1(
                method: "POST",
                query: query,
                bodyParameters: body,
                secretForAccessKeyId: secretLookup
            )
                == .failed(.missingSignature)
        )
    }

    /// Every V3 vector verifies, including the GET one whose parameters are in the query.
    @Test(arguments: SignatureV3Tests.caseIDs)
    func v3VectorsVerify(id: String) throws {
        let vector = try Fixture.vectorCase("v3_cases", id)
        let request = try #require(vector["request"] as? [String: Any])
        let url = try #require(request["url_as_sent"] as? String)
        let queryText = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let query = try #require(PercentEncoding.parseParameters(queryText))
        #expect(query == stringMap(request["query"]))
        let result = SignatureVerifier.verifyV3(
            method: try #require(request["method"] as? String),
            path: "/",
            query: query,
            headers: stringMap(request["headers"]).map { HTTPHeader(name: $0.key, value: $0.value) },
            body: Array((request["body"] as? String ?? "").utf8),
            secretForAccessKeyId: secretLookup
        )
        #expect(result == .ok(accessKeyId: "testid"))
    }
}
