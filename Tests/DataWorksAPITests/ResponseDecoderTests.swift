import CurlClient
import Testing

@testable import DataWorksAPI

struct ResponseDecoderTests {
    private func response(
        _ status: Int,
        _ body: String,
        contentType: String = "application/json;charset=utf-8",
        headers: [HTTPHeader] = []
    ) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: contentType)] + headers,
            body: Array(body.utf8)
        )
    }

    private func fixture(
        _ status: Int,
        _ name: String,
        contentType: String = "application/json;charset=utf-8"
    ) throws
        -> HTTPResponse
    {
        HTTPResponse(
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: contentType)],
            body: try Fixture.bytes(name)
        )
    }

    /// The deployment of the `get-deployment-success` samples (JSON and XML differ only in ErrorMessage).
    static func sampleDeployment(errorMessage: String) -> Deployment {
        Deployment(
            name: "ods_user_info_d-2020-07-04_200300000001",
            creatorId: "200300000001",
            handlerId: "200300000001",
            createTime: 1_593_877_765_000,
            executeTime: 1_593_877_765_000,
            status: 1,
            errorMessage: errorMessage,
            fromEnvironment: 0,
            toEnvironment: 1
        )
    }

    @Test func successSample() throws {
        let decoded = try ResponseDecoder.decodeGetDeployment(try fixture(200, "get-deployment-success.json"))
        #expect(decoded.requestId == "0000-ABCD-EFG0001")
        #expect(decoded.httpStatusCode == 200)
        #expect(decoded.success == true)
        #expect(decoded.deployment == Self.sampleDeployment(errorMessage: "Succeeded"))
        #expect(decoded.deployedItems == [DeployedItem(fileId: 100_001, fileVersion: 3, status: 1)])
    }

    @Test func failureSampleIsASuccessfulCall() throws {
        let decoded = try ResponseDecoder.decodeGetDeployment(try fixture(200, "get-deployment-failure.json"))
        #expect(decoded.requestId == "0000-ABCD-EFG0002")
        #expect(
            decoded.deployment
                == Deployment(
                    name: "dwd_orders_di-2020-07-04_200300000002",
                    creatorId: "200300000002",
                    handlerId: "200300000002",
                    createTime: 1_593_877_765_000,
                    executeTime: 1_593_881_400_000,
                    status: 2,
                    errorMessage: "The connection does not exist.",
                    fromEnvironment: 1,
                    toEnvironment: 2
                )
        )
        #expect(decoded.deployedItems.isEmpty)
    }

    @Test func readySample() throws {
        let decoded = try ResponseDecoder.decodeGetDeployment(try fixture(200, "get-deployment-ready.json"))
        #expect(decoded.requestId == "0000-ABCD-EFG0003")
        #expect(
            decoded.deployment
                == Deployment(
                    name: "ads_report_d-2020-07-04_200300000003",
                    creatorId: "200300000003",
                    createTime: 1_593_877_765_000,
                    status: 0,
                    fromEnvironment: 1,
                    toEnvironment: 2
                )
        )
        #expect(decoded.deployment.handlerId == nil)
        #expect(decoded.deployment.executeTime == nil)
    }

    @Test(arguments: ["text/xml;charset=utf-8", "application/json"])
    func xmlSuccessSample(contentType: String) throws {
        let decoded = try ResponseDecoder.decodeGetDeployment(
            try fixture(200, "get-deployment-success.xml", contentType: contentType)
        )
        #expect(decoded.requestId == "0000-ABCD-EFG0001")
        #expect(decoded.httpStatusCode == 200)
        #expect(decoded.success == true)
        #expect(decoded.deployment == Self.sampleDeployment(errorMessage: "success"))
    }

    @Test func xmlDeployedItemsAndErrorPage() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><GetDeploymentResponse><RequestId>r</RequestId><Success>true</Success>\
            <Data><Deployment><Status>1</Status><CheckingStatus></CheckingStatus></Deployment>\
            <DeployedItems><FileId>1</FileId></DeployedItems><DeployedItems><FileId>2</FileId></DeployedItems></Data>\
            </GetDeploymentResponse>
            """
        let decoded = try ResponseDecoder.decodeGetDeployment(response(200, xml, contentType: "text/xml"))
        #expect(decoded.deployedItems.map(\.fileId) == [1, 2])
        #expect(decoded.deployment.checkingStatus == nil)

        let error = """
            <?xml version="1.0" encoding="UTF-8"?><Error><RequestId>R-1</RequestId><HostId>h</HostId>\
            <Code>Throttling.User</Code><Message>Your request is too frequent.</Message></Error>
            """
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(429, error, contentType: "text/xml;charset=utf-8"))
        } throws: { error in
            guard case APIError.service(let service) = error else { return false }
            return service.code == "Throttling.User" && service.requestId == "R-1" && service.httpStatus == 429
                && service.message == "Your request is too frequent."
        }
        // An <Error> page is an error even on 200.
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(200, error, contentType: "text/xml"))
        } throws: { ($0 as? APIError)?.errorClass == "Throttling.User" }
    }

    @Test func listDeploymentsPage() throws {
        let page = try ResponseDecoder.decodeListDeployments(try fixture(200, "list-deployments-page.json"))
        #expect(page.requestId == "0000-ABCD-EFG0009")
        #expect(page.pageNumber == 1)
        #expect(page.pageSize == 100)
        #expect(page.totalCount == 2)
        #expect(
            page.deployments == [
                Deployment(
                    id: 3_000_001,
                    name: "ods_user_info_d-2020-07-04_200300000001",
                    creatorId: "200300000001",
                    handlerId: "200300000001",
                    createTime: 1_593_877_765_000,
                    executeTime: 1_593_877_765_000,
                    status: 1,
                    errorMessage: ""
                ),
                Deployment(
                    id: 3_000_002,
                    name: "dwd_orders_di-2020-07-04_200300000002",
                    creatorId: "200300000002",
                    handlerId: "200300000002",
                    createTime: 1_593_877_765_000,
                    executeTime: 1_593_881_400_000,
                    status: 2,
                    errorMessage: "The connection does not exist."
                ),
            ]
        )
        let empty = try ResponseDecoder.decodeListDeployments(response(200, #"{"Data":{"TotalCount":0}}"#))
        #expect(empty.deployments.isEmpty)
        #expect(empty.totalCount == 0)
    }

    @Test func numericUIDsBecomeStrings() throws {
        let body =
            #"{"Success":true,"Data":{"Deployment":{"CreatorId":1107550004253538,"HandlerId":"x","CheckingStatus":8,"Status":0}}}"#
        let decoded = try ResponseDecoder.decodeGetDeployment(response(200, body))
        #expect(decoded.deployment.creatorId == "1107550004253538")
        #expect(decoded.deployment.handlerId == "x")
        #expect(decoded.deployment.checkingStatus == 8)
        let nulls = #"{"Data":{"Deployment":{"Name":null,"Status":2,"CheckingStatus":""}}}"#
        let decodedNulls = try ResponseDecoder.decodeGetDeployment(response(200, nulls))
        #expect(decodedNulls.deployment == Deployment(status: 2))
    }

    @Test func errorStringsNextToSuccessTrueAreNotErrors() throws {
        let body = """
            {"RequestId":"r","Success":true,"ErrorCode":"Invalid.Tenant.ConnectionNotExists",\
            "ErrorMessage":"The connection does not exist.","Data":{"Deployment":{"Status":1}}}
            """
        let decoded = try ResponseDecoder.decodeGetDeployment(response(200, body))
        #expect(decoded.errorCode == "Invalid.Tenant.ConnectionNotExists")
        #expect(decoded.deployment.status == 1)
    }

    @Test func successFalseOn200IsAnError() throws {
        let body =
            #"{"RequestId":"r2","Success":false,"ErrorCode":"Invalid.Deployment.NotFound","ErrorMessage":"no","HttpStatusCode":200}"#
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(200, body))
        } throws: { error in
            guard case APIError.service(let service) = error else { return false }
            return service.code == "Invalid.Deployment.NotFound" && service.message == "no" && service.requestId == "r2"
                && service.httpStatus == 200
        }
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(200, #"{"Success":false,"Data":{"Deployment":{}}}"#))
        } throws: { ($0 as? APIError)?.errorClass == APIError.unknownErrorCode }
    }

    @Test(arguments: [
        ("truncated", #"{"Success":true,"Data":{"Deployment":{"Status":1"#),
        ("garbage", "\u{01}\u{02}garbage"),
        ("empty", ""),
        ("whitespace", "  \n"),
        ("html", "<html><body><h1>502 Bad Gateway</h1><br></body></html>"),
        ("emptyObject", "{}"),
        ("array", "[1,2]"),
        ("scalar", "42"),
        ("successWithoutData", #"{"Success":true,"RequestId":"r"}"#),
        ("dataWithoutDeployment", #"{"Success":true,"Data":{}}"#),
        ("deploymentNotObject", #"{"Data":{"Deployment":[1]}}"#),
        ("statusString", #"{"Data":{"Deployment":{"Status":"one"}}}"#),
        ("statusNull", #"{"Success":true,"Data":{"Deployment":{"Name":"n","CreateTime":1,"Status":null}}}"#),
        ("statusMissing", #"{"Success":true,"Data":{"Deployment":{"Name":"n","CreateTime":1}}}"#),
        ("statusFraction", #"{"Data":{"Deployment":{"Status":1.5}}}"#),
        ("createTimeBool", #"{"Data":{"Deployment":{"Status":1,"CreateTime":true}}}"#),
        ("createTimeFraction", #"{"Data":{"Deployment":{"Status":1,"CreateTime":1.5}}}"#),
        ("nameNumber", #"{"Data":{"Deployment":{"Status":1,"Name":5}}}"#),
        ("successString", #"{"Success":"yes","Data":{"Deployment":{"Status":1}}}"#),
        ("itemsNotArray", #"{"Data":{"Deployment":{"Status":1},"DeployedItems":"x"}}"#),
    ])
    func unusableBodiesAreParseErrors(name: String, body: String) {
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(200, body))
        } throws: { error in
            guard case APIError.parse(let reason, let status, _) = error else { return false }
            return !reason.isEmpty && status == 200 && (error as? APIError)?.errorClass == "client_parse"
        }
    }

    @Test func parseErrorsSayWhatAndShowBodyPrefix() throws {
        do {
            _ = try ResponseDecoder.decodeGetDeployment(response(200, #"{"Data":{"Deployment":{"Status":"one"}}}"#))
            Issue.record("accepted")
        } catch {
            guard case .parse(let reason, _, let prefix) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains("Data.Deployment.Status"))
            #expect(prefix.hasPrefix(#"{"Data""#))
            #expect(error.description.contains("Data.Deployment.Status"))
        }
        let long = String(repeating: "x", count: 1000)
        #expect(ResponseDecoder.bodyPrefix(Array(long.utf8)).count == ResponseDecoder.bodyPrefixLength + 1)
        #expect(ResponseDecoder.bodyPrefix(Array("a\nb".utf8)) == "a b")
    }

    @Test func listDeploymentsParseErrors() {
        #expect(throws: APIError.self) { try ResponseDecoder.decodeListDeployments(response(200, "{}")) }
        #expect(throws: APIError.self) {
            try ResponseDecoder.decodeListDeployments(response(200, #"{"Data":{"Deployments":[{"Id":"x"}]}}"#))
        }
    }

    @Test func htmlErrorPageIsHTTPStatus() throws {
        let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        do {
            _ = try ResponseDecoder.decodeGetDeployment(response(502, html, contentType: "text/html"))
            Issue.record("accepted")
        } catch {
            guard case .httpStatus(let status, let requestId, let prefix) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(status == 502)
            #expect(requestId == nil)
            #expect(prefix.hasPrefix("<html>"))
            #expect(error.errorClass == "http_502")
            #expect(error.retryReason == "server_error")
        }
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(404, ""))
        } throws: { ($0 as? APIError)?.errorClass == "http_404" }
    }

    /// Numbers as strings of digits (gateway and older SDK paths) are numbers; envelope fields the exporter does not
    /// use never fail the answer (issue 15, item 6).
    @Test func numericStringsAndOddEnvelopeFields() throws {
        let body = """
            {"RequestId":"r","HttpStatusCode":"200","Success":"true","ErrorCode":{"odd":1},"ErrorMessage":[],\
            "Code":"200","Data":{"Deployment":{"Status":"2","CreateTime":"1593877765000","ExecuteTime":"1593877766000",\
            "FromEnvironment":"1","ToEnvironment":"2","CheckingStatus":"8"},\
            "DeployedItems":[{"FileId":"100001","FileVersion":"3","Status":"1"}]}}
            """
        let decoded = try ResponseDecoder.decodeGetDeployment(response(200, body))
        #expect(decoded.httpStatusCode == 200)
        #expect(decoded.success == true)
        #expect(
            decoded.deployment
                == Deployment(
                    createTime: 1_593_877_765_000,
                    executeTime: 1_593_877_766_000,
                    status: 2,
                    fromEnvironment: 1,
                    toEnvironment: 2,
                    checkingStatus: 8
                )
        )
        #expect(decoded.deployedItems == [DeployedItem(fileId: 100_001, fileVersion: 3, status: 1)])
        let odd = #"{"HttpStatusCode":"OK","Data":{"Deployment":{"Status":1}}}"#
        #expect(try ResponseDecoder.decodeGetDeployment(response(200, odd)).httpStatusCode == nil)

        let page = """
            {"RequestId":"r","HttpStatusCode":"200","Data":{"PageNumber":"1","PageSize":"10","TotalCount":"1",\
            "Deployments":[{"Id":"7","Status":"1","Creator":"1","CreateTime":"1593877765000"}]}}
            """
        let listed = try ResponseDecoder.decodeListDeployments(response(200, page))
        #expect(listed.totalCount == 1 && listed.pageNumber == 1 && listed.pageSize == 10)
        #expect(listed.deployments == [Deployment(id: 7, creatorId: "1", createTime: 1_593_877_765_000, status: 1)])
    }

    /// `"Status": null` in an otherwise full deployment is an invalid answer, not a success with status unknown.
    @Test func nullStatusIsAParseErrorNamingTheField() {
        let body = """
            {"Success":true,"Data":{"Deployment":{"Name":"n","CreatorId":"1","CreateTime":1593877765000,\
            "ExecuteTime":1593877765000,"Status":null,"FromEnvironment":0,"ToEnvironment":1}}}
            """
        #expect {
            try ResponseDecoder.decodeGetDeployment(response(200, body))
        } throws: { error in
            guard case APIError.parse(let reason, _, _) = error else { return false }
            return reason.contains("Data.Deployment.Status") && (error as? APIError)?.errorClass == "client_parse"
        }
    }
}
