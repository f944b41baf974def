import CurlClient
import Testing

@testable import DataWorksAPI

struct APIErrorTests {
    private func error(status: Int, fixture: String, headers: [HTTPHeader] = []) throws -> APIError {
        let response = HTTPResponse(
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: "application/json;charset=utf-8")] + headers,
            body: try Fixture.bytes(fixture)
        )
        do {
            _ = try ResponseDecoder.decodeGetDeployment(response)
        } catch {
            return error
        }
        Issue.record("\(fixture) decoded as success")
        return .parse(reason: "unexpected success", httpStatus: status, bodyPrefix: "")
    }

    @Test func redactionRemovesEveryEncodingOfTheToken() {
        let token = Secret("CAIS+a/b=c")
        let echoed = APIError.service(
            ServiceError(
                code: "SignatureDoesNotMatch",
                message:
                    "server string to sign is:GET&%2F&SecurityToken%3DCAIS%252Ba%252Fb%253Dc raw CAIS+a/b=c once CAIS%2Ba%2Fb%3Dc",
                httpStatus: 400,
                requestId: "R1"
            )
        )
        let redacted = echoed.redacting([token])
        #expect("\(redacted)".contains("SecurityToken%3D<redacted> raw <redacted> once <redacted>"))
        #expect(redacted.requestId == "R1")
        let body = APIError.httpStatus(status: 502, requestId: nil, bodyPrefix: "<html>CAIS+a/b=c</html>")
        #expect(
            "\(body.redacting([token]))"
                == "\(APIError.httpStatus(status: 502, requestId: nil, bodyPrefix: "<html><redacted></html>"))"
        )
        #expect(echoed.redacting([]).errorClass == "SignatureDoesNotMatch")
    }

    @Test func throttlingUser429() throws {
        let error = try error(status: 429, fixture: "error-throttling-user-429.json")
        guard case .service(let service) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(service.code == "Throttling.User")
        #expect(service.message == "Your request is too frequent. Try again later.")
        #expect(service.requestId == "0000-ABCD-EFG0004")
        #expect(service.httpStatus == 429)
        #expect(service.retryAfter == nil)
        #expect(error.errorClass == "Throttling.User")
        #expect(error.retryReason == "throttled")
        #expect(error.requestId == "0000-ABCD-EFG0004")
        #expect(error.description.contains("Throttling.User"))
    }

    @Test func throttling400() throws {
        let error = try error(status: 400, fixture: "error-throttling-400.json")
        #expect(error.errorClass == "Throttling")
        #expect(error.retryReason == "throttled")
        #expect(error.httpStatus == 400)
        #expect(error.requestId == "0000-ABCD-EFG0005")
    }

    @Test func forbidden403() throws {
        let error = try error(status: 403, fixture: "error-forbidden-access-403.json")
        #expect(error.errorClass == "Forbidden.Access")
        #expect(error.retryReason == nil)
        #expect(error.requestId == "0000-ABCD-EFG0006")
    }

    @Test func internal500() throws {
        let error = try error(status: 500, fixture: "error-internal-500.json")
        #expect(error.errorClass == "InternalError.System")
        #expect(error.retryReason == "server_error")
        #expect(error.requestId == "0000-ABCD-EFG0007")
    }

    @Test func signature400() throws {
        let error = try error(status: 400, fixture: "error-signature-400.json")
        #expect(error.errorClass == "SignatureDoesNotMatch")
        #expect(error.retryReason == nil)
        #expect(error.requestId == "0000-ABCD-EFG0008")
    }

    @Test func retryAfterHeaders() throws {
        let acs = try error(
            status: 429,
            fixture: "error-throttling-user-429.json",
            headers: [HTTPHeader(name: "x-acs-retry-after", value: "1500")]
        )
        #expect(acs.retryAfter == .milliseconds(1500))
        let standard = try error(
            status: 429,
            fixture: "error-throttling-user-429.json",
            headers: [HTTPHeader(name: "Retry-After", value: "3")]
        )
        #expect(standard.retryAfter == .seconds(3))
        let ignored = try error(
            status: 429,
            fixture: "error-throttling-user-429.json",
            headers: [
                HTTPHeader(name: "x-acs-retry-after", value: "0"), HTTPHeader(name: "Retry-After", value: "soon"),
            ]
        )
        #expect(ignored.retryAfter == nil)
    }

    private func service(_ code: String, _ status: Int) -> APIError {
        .service(ServiceError(code: code, message: "", httpStatus: status, requestId: nil))
    }

    @Test func retryReasonsByCode() {
        for code in ["Throttling", "Throttling.User", "Throttling.System", "Throttling.Api"] {
            #expect(service(code, 429).retryReason == "throttled", "\(code)")
            #expect(service(code, 400).retryReason == "throttled", "\(code)")
        }
        for code in ["Throttling.Api.Risk", "Throttling.Resource"] {
            #expect(service(code, 429).retryReason == nil, "\(code)")
            #expect(service(code, 500).retryReason == nil, "\(code)")
        }
        #expect(service("Forbidden.Not.Server", 500).retryReason == nil)
        for code in ["InternalError", "InternalError.System", "InternalError.UserId.Missing", "ServiceUnavailable"] {
            #expect(service(code, 500).retryReason == "server_error", "\(code)")
        }
        #expect(service("SomethingElse", 503).retryReason == "server_error")
        for code in [
            "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound", "IncompleteSignature", "InvalidTimeStamp.Expired",
            "SignatureNonceUsed", "Forbidden.Access", "ResourceNotAuthorized.Api",
        ] {
            #expect(service(code, 403).retryReason == nil, "\(code)")
        }
        #expect(APIError.httpStatus(status: 429, requestId: nil, bodyPrefix: "").retryReason == "throttled")
        #expect(APIError.httpStatus(status: 404, requestId: nil, bodyPrefix: "").retryReason == nil)
        #expect(APIError.parse(reason: "x", httpStatus: 200, bodyPrefix: "").retryReason == nil)
    }

    static let transportCases: [(TransportError.Kind, String, String?)] = [
        (.timeout, "client_timeout", "timeout"),
        (.dns, "client_connect", "connect"),
        (.connect, "client_connect", "connect"),
        (.reset, "client_connect", "connect"),
        (.tls, "client_tls", nil),
        (.proxyAuthentication, "client_proxy", nil),
        (.other, "client_other", nil),
    ]

    @Test(arguments: transportCases)
    func transportClasses(kind: TransportError.Kind, metric: String, reason: String?) {
        let error = APIError.transport(TransportError(kind: kind, code: 28, message: "boom"))
        #expect(error.errorClass == metric)
        #expect(error.retryReason == reason)
        #expect(error.httpStatus == nil)
        #expect(error.description.contains("boom"))
    }

    @Test func knownErrorCodesCoverNotesAndClientClasses() {
        let known = Set(APIError.knownErrorClasses)
        #expect(known.count == APIError.knownErrorClasses.count, "no duplicates")
        for code in [
            "InternalError.System", "InternalError.UserId.Missing", "ResourceNotAuthorized.Api", "Throttling.Api",
            "Throttling.System", "Throttling.User", "Throttling.Api.Risk", "Throttling.Resource",
            "Forbidden.Not.Server", "Forbidden.Access", "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound",
            "IncompleteSignature", "InvalidTimeStamp.Expired", "SignatureNonceUsed", "InternalError",
            "ServiceUnavailable", "Throttling", "client_timeout", "client_connect", "client_tls", "client_parse",
            "client_proxy",
        ] {
            #expect(known.contains(code), "\(code)")
        }
        #expect(known.isSuperset(of: SignatureVerificationFailure.allCodes))
    }
}

extension SignatureVerificationFailure {
    static let allCodes: Set<String> = [
        SignatureVerificationFailure.missingSignature.code,
        SignatureVerificationFailure.unknownAccessKeyId("x").code,
        SignatureVerificationFailure.signatureMismatch(expectedStringToSign: "").code,
    ]
}
