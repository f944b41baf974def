import CurlClient
import Foundation
import Testing

@testable import DataWorksAPI

/// `GetFileVersion` (2020-05-18): decoding of the documented answer shape, the request as the SDK sends 2020 calls,
/// and the typed statuses of `GetDeployment`'s `DeployedItems` and `CheckingStatus`.
struct FileVersionTests {
    static func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [], body: Array(body.utf8))
    }

    // MARK: - Decoding

    @Test func decodesEveryDocumentedField() throws {
        let decoded = try ResponseDecoder.decodeGetFileVersion(Fixture.response("get-file-version-committed.json"))
        #expect(decoded.requestId == "0000-ABCD-EFG0101")
        #expect(decoded.httpStatusCode == 200)
        #expect(decoded.success == true)
        #expect(decoded.errorCode == "")
        #expect(
            decoded.fileVersion
                == FileVersion(
                    fileVersion: 2,
                    fileName: "ods_user_info_d",
                    commitTime: 1_593_877_765_000,
                    commitUser: "7384234000001",
                    comment: "second commit",
                    changeType: .update,
                    status: .committed,
                    isCurrentProd: false,
                    nodeId: 300_001,
                    useType: "NORMAL",
                    fileContent: "SHOW TABLES;",
                    nodeContent: #"{"cycleType":0,"cronExpress":"00 05 00 * * ?"}"#,
                    filePropertyContent: #"{"fileName":"ods_user_info_d","fileType":10}"#
                )
        )
    }

    @Test func decodesXML() throws {
        let decoded = try ResponseDecoder.decodeGetFileVersion(Fixture.response("get-file-version-deployed.xml"))
        #expect(decoded.requestId == "0000-ABCD-EFG0102")
        let version = decoded.fileVersion
        #expect(version.fileVersion == 3 && version.fileName == "dwd_orders_di")
        #expect(version.commitTime == 1_593_880_000_000 && version.commitUser == "7384234000002")
        #expect(version.status == .deployed && version.isCurrentProd == true && version.changeType == .update)
        #expect(version.nodeId == 300_002 && version.nodeContent == nil)
    }

    /// A numeric `CommitUser` stays a string; the enumerations ignore case; absent fields stay `nil`.
    @Test func tolerantOfNumbersCaseAndAbsentFields() throws {
        let decoded = try ResponseDecoder.decodeGetFileVersion(Fixture.response("get-file-version-minimal.json"))
        #expect(decoded.fileVersion.commitUser == "7384234000003")
        #expect(decoded.fileVersion.changeType == .create)
        #expect(decoded.fileVersion.status == .checkOK)
        #expect(decoded.fileVersion.fileName == nil && decoded.fileVersion.isCurrentProd == nil)
        #expect(decoded.httpStatusCode == nil)
        let empty = try ResponseDecoder.decodeGetFileVersion(Self.response(200, #"{"Data":{}}"#))
        #expect(empty.fileVersion == FileVersion())
        let odd = try ResponseDecoder.decodeGetFileVersion(
            Self.response(200, #"{"Data":{"Status":"ARCHIVED","ChangeType":"MOVE","UseType":0}}"#)
        )
        #expect(odd.fileVersion.status == .unknown("ARCHIVED"))
        #expect(odd.fileVersion.status?.label == "unknown")
        #expect(odd.fileVersion.changeType == .unknown("MOVE"))
        #expect(odd.fileVersion.useType == "0")
    }

    @Test func successFalseIsAServiceError() throws {
        #expect {
            try ResponseDecoder.decodeGetFileVersion(Fixture.response("get-file-version-error-success-false.json"))
        } throws: { error in
            guard case APIError.service(let service) = error else { return false }
            return service.code == "Invalid.Tenant.ConnectionNotExists" && service.requestId == "0000-ABCD-EFG0104"
        }
        #expect {
            try ResponseDecoder.decodeGetFileVersion(
                Self.response(403, #"{"RequestId":"r","Code":"Forbidden.Access","Message":"no"}"#)
            )
        } throws: { error in
            guard case APIError.service(let service) = error else { return false }
            return service.code == "Forbidden.Access" && service.httpStatus == 403
        }
        // No Data, but an error code: the code wins over "no Data".
        #expect {
            try ResponseDecoder.decodeGetFileVersion(Self.response(200, #"{"RequestId":"r","Code":"InternalError"}"#))
        } throws: { error in
            guard case APIError.service(let service) = error else { return false }
            return service.code == "InternalError"
        }
    }

    @Test(arguments: [
        ("truncated", #"{"Success":true,"Data":{"CommitTime":1"#),
        ("garbage", "\u{01}garbage"),
        ("empty", ""),
        ("html", "<html><body>502</body></html>"),
        ("noData", #"{"Success":true,"RequestId":"r"}"#),
        ("dataNotObject", #"{"Data":[1]}"#),
        ("commitTimeString", #"{"Data":{"CommitTime":"yesterday"}}"#),
        ("commitTimeFraction", #"{"Data":{"CommitTime":1.5}}"#),
        ("fileVersionBool", #"{"Data":{"FileVersion":true}}"#),
        ("statusNumber", #"{"Data":{"Status":3}}"#),
        ("isCurrentProdString", #"{"Data":{"IsCurrentProd":"yes"}}"#),
        ("commitUserObject", #"{"Data":{"CommitUser":{}}}"#),
    ])
    func unusableBodiesAreParseErrors(name: String, body: String) {
        #expect {
            try ResponseDecoder.decodeGetFileVersion(Self.response(200, body))
        } throws: { error in
            guard case APIError.parse(let reason, let status, _) = error else { return false }
            return !reason.isEmpty && status == 200
        }
    }

    // MARK: - The request

    /// The request for `GetFileVersion` has the shape of the SDK's 2020-05-18 `GetDeployment` vector (api-notes §1.3,
    /// `v3_sdk_default_project_id`): `POST /`, no query, the API parameters in a sorted form body, and the same
    /// signed header set; and the verifier accepts its signature.
    @Test func v3RequestHasTheShapeOfTheSDKs2020Calls() throws {
        let vector = try Fixture.vectorCase("v3_cases", "v3_sdk_default_project_id")
        let sdkRequest = try #require(vector["request"] as? [String: Any])
        let sdkHeaders = stringMap(sdkRequest["headers"])
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: false),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent,
            sendsCredentialsProvider: true
        )
        let operation = GetFileVersionRequest.operation
        #expect(operation == APIOperation(action: "GetFileVersion", version: .v2020_05_18, placement: .formBody))
        let request = GetFileVersionRequest(project: .id(10_000), fileId: 1_100_001, fileVersion: 3)
        let built = SignedRequestBuilder.build(
            action: operation.action,
            parameters: request.parameters,
            placement: operation.placement,
            context: context,
            version: operation.version.rawValue
        )
        #expect(built.request.method == "POST" && sdkRequest["method"] as? String == "POST")
        #expect(built.request.url == sdkRequest["url_as_sent"] as? String)
        #expect(built.request.url == "https://dataworks.cn-zhangjiakou.aliyuncs.com/")
        #expect(built.bodyText == "FileId=1100001&FileVersion=3&ProjectId=10000")
        var sent: [String: String] = [:]
        for header in built.request.headers { sent[header.name] = header.value }
        #expect(Set(sent.keys) == Set(sdkHeaders.keys))
        #expect(sent["content-type"] == sdkHeaders["content-type"])
        #expect(sent["x-acs-action"] == "GetFileVersion")
        #expect(sent["x-acs-version"] == "2020-05-18")
        #expect(built.v3?.canonicalQueryString == "")
        #expect(built.v3?.signedHeaders == vector["signed_headers"] as? String)
        let verification = SignatureVerifier.verifyV3(
            method: built.request.method,
            path: "/",
            query: [:],
            headers: built.request.headers,
            body: built.request.body,
            secretForAccessKeyId: secretLookup
        )
        #expect(verification == .ok(accessKeyId: "testid"))

        let byIdentifier = GetFileVersionRequest(project: .identifier("dw_demo"), fileId: 7, fileVersion: 1)
        #expect(byIdentifier.parameters == ["FileId": "7", "FileVersion": "1", "ProjectIdentifier": "dw_demo"])
    }

    /// V1: the common parameters in the query (`Action=GetFileVersion`), the API parameters in the form body.
    @Test func v1RequestKeepsTheParametersInTheBody() throws {
        let context = RequestSigningContext(
            endpoint: try Endpoint.resolve(regionId: "cn-zhangjiakou"),
            credentials: testCredentials(sts: false),
            timestamp: fixedTimestamp,
            nonce: fixedNonce,
            userAgent: fixedUserAgent
        )
        let request = GetFileVersionRequest(project: .id(10_000), fileId: 1_100_001, fileVersion: 3)
        let built = SignedRequestBuilder.build(
            action: "GetFileVersion",
            parameters: request.parameters,
            placement: .formBody,
            context: context,
            signatureVersion: .v1,
            version: "2020-05-18"
        )
        #expect(built.request.method == "POST")
        #expect(built.request.url.contains("Action=GetFileVersion"))
        #expect(built.request.url.contains("Version=2020-05-18"))
        #expect(!built.request.url.contains("FileId"))
        #expect(built.bodyText == "FileId=1100001&FileVersion=3&ProjectId=10000")
    }

    static let captures = "get-file-version-sdk-captures.json"
    static let captureIDs = Fixture.caseIDs("captured_requests", file: captures)

    /// The requests the official SDK (`alibabacloud-dataworks-public20200518` 10.1.1, run offline against a
    /// loopback recorder with the pinned inputs of `signature-vectors.json`) sent for `GetFileVersion`, V3 and V1:
    /// the client's request, from ``GetFileVersionRequest/parameters``, is the same byte for byte: method, target,
    /// headers in wire order (without `Accept-Encoding` and `Content-Length`, which the HTTP stack adds), body and
    /// signature.
    @Test(arguments: captureIDs)
    func sdkCaptureMatchesByteForByte(id: String) throws {
        #expect(Self.captureIDs.count == 3)
        let capture = try Fixture.vectorCase("captured_requests", id, file: Self.captures)
        let received = try #require((capture["requests_received"] as? [[String: Any]])?.first)
        let headers = headerList(received["headers"]).filter {
            !["accept-encoding", "content-length"].contains($0.name.lowercased())
        }
        let host = try #require(headers.first { $0.name == "host" }?.value)
        let endpoint = try Endpoint.resolve(regionId: nil, override: "http://" + host)
        let parameters = stringMap(capture["api_params"])
        let project: ProjectReference =
            try parameters["ProjectId"].map { .id(try #require(Int64($0))) }
            ?? .identifier(try #require(parameters["ProjectIdentifier"]))
        let request = GetFileVersionRequest(
            project: project,
            fileId: try #require(parameters["FileId"].flatMap { Int64($0) }),
            fileVersion: try #require(parameters["FileVersion"].flatMap { Int($0) })
        )
        #expect(request.parameters == parameters)
        let isV1 = !headers.contains { $0.name == "Authorization" }
        let built = SignedRequestBuilder.build(
            action: GetFileVersionRequest.operation.action,
            parameters: request.parameters,
            placement: GetFileVersionRequest.operation.placement,
            context: RequestSigningContext(
                endpoint: endpoint,
                credentials: testCredentials(sts: false),
                timestamp: fixedTimestamp,
                nonce: fixedNonce,
                userAgent: fixedUserAgent,
                sendsCredentialsProvider: true
            ),
            signatureVersion: isV1 ? .v1 : .v3,
            version: GetFileVersionRequest.operation.version.rawValue
        )
        let path = try #require(received["path"] as? String)
        #expect(built.request.method == received["method"] as? String)
        #expect(built.request.url == endpoint.url + path)
        #expect(built.request.headers == headers)
        #expect(built.bodyText == received["body"] as? String)
    }

    /// The SDK's decoded answer and ours agree on the recorded body.
    @Test func sdkDecodedAnswerAgrees() throws {
        let file = try Fixture.vectors(Self.captures)
        let answer = try #require(file["server_response"] as? [String: Any])
        let body = try JSONSerialization.data(withJSONObject: answer)
        let decoded = try ResponseDecoder.decodeGetFileVersion(
            HTTPResponse(status: 200, headers: [], body: Array(body))
        )
        let capture = try Fixture.vectorCase("captured_requests", Self.captureIDs[0], file: Self.captures)
        let sdk = try #require((capture["sdk_result_body"] as? [String: Any])?["Data"] as? [String: Any])
        #expect(decoded.fileVersion.commitTime.map { NSNumber(value: $0) } == sdk["CommitTime"] as? NSNumber)
        #expect(decoded.fileVersion.commitUser == sdk["CommitUser"] as? String)
        #expect(decoded.fileVersion.fileVersion.map { NSNumber(value: $0) } == sdk["FileVersion"] as? NSNumber)
        #expect(decoded.fileVersion.status?.apiValue == sdk["Status"] as? String)
        #expect(decoded.fileVersion.isCurrentProd == sdk["IsCurrentProd"] as? Bool)
    }

    // MARK: - Typed statuses of GetDeployment

    @Test func deployedItemStatusesAreTyped() throws {
        let body = """
            {"Success":true,"Data":{"Deployment":{"Status":2,"CheckingStatus":7},"DeployedItems":[\
            {"FileId":1,"FileVersion":2,"Status":0},{"FileId":2,"FileVersion":1,"Status":4},\
            {"FileId":3,"FileVersion":5,"Status":6},{"FileId":4,"FileVersion":1,"Status":9}]}}
            """
        let decoded = try ResponseDecoder.decodeGetDeployment(Self.response(200, body))
        #expect(decoded.deployedItems.map(\.status) == [.unpublished, .deployError, .reject, .unknown(9)])
        #expect(decoded.deployment.checkingStatus == .checkFailed)
        #expect(decoded.deployedItems.map { $0.status?.label } == ["unpublished", "deploy_error", "reject", "unknown"])
    }

    @Test func deployedItemStatusCodesNamesAndLabels() {
        #expect(DeployedItemStatus.known.map(\.code) == Array(0...6))
        #expect(
            DeployedItemStatus.known.map(\.apiName)
                == ["UNPUBLISHED", "SUCCESS", "ERROR", "CLONED", "DEPLOY_ERROR", "CLONING", "REJECT"]
        )
        #expect(DeployedItemStatus.allLabels.count == 8 && DeployedItemStatus.allLabels.last == "unknown")
        for code in -1...10 {
            #expect(DeployedItemStatus(code: code).code == code)
        }
        #expect(DeployedItemStatus(code: 12) == .unknown(12))
        #expect(DeployedItemStatus.unknown(12).description == "unknown(12)")
        #expect(DeployedItemStatus.known.filter(\.isFailure) == [.error, .deployError])
        let literal: DeployedItemStatus = 5
        #expect(literal == .cloning)
    }

    @Test func checkingStatusCodesAndLabels() {
        #expect(DeploymentCheckingStatus(code: 7) == .checkFailed)
        #expect(DeploymentCheckingStatus(code: 8) == .checking)
        #expect(DeploymentCheckingStatus(code: 3) == .unknown(3))
        #expect(DeploymentCheckingStatus.known.map(\.code) == [7, 8])
        #expect(DeploymentCheckingStatus.allLabels == ["check_failed", "checking", "unknown"])
        #expect(DeploymentCheckingStatus.unknown(3).code == 3)
        #expect(DeploymentCheckingStatus.unknown(3).description == "unknown(3)")
    }
}
