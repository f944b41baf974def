import CurlClient
import Foundation
import Testing

@testable import DataWorksAPI

/// Every sample of `Fixtures/2024` (bodies in the wire shape of the SDK's models) decodes into the typed models;
/// malformed and error bodies decode into the existing ``APIError`` taxonomy.
struct PipelineRunDecoderTests {
    static func sample(_ name: String, status: Int = 200) throws -> HTTPResponse {
        try Fixture.response(
            "2024/" + name,
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: "application/json;charset=utf-8")]
        )
    }

    static func body(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [], body: Array(text.utf8))
    }

    /// Every sample file is decoded by one of the tests below (`default-scenario.json` is the conformance endpoint's
    /// map of answers, not an answer).
    @Test func everySampleIsDecoded() throws {
        let directory = try Fixture.url("2024").path
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        let covered =
            Self.getPipelineRunSamples.map(\.file) + Self.crossProjectSamples.map(\.file)
            + Self.errorSamples.map(\.file)
            + [
                "list-pipeline-runs-page1.json", "list-pipeline-runs-page2-last.json", "list-pipeline-runs-empty.json",
                "list-pipeline-run-items-success.json", "list-pipeline-run-items-fail.json",
                "list-cross-project-pipeline-runs-page1.json", "list-cross-project-pipeline-runs-page2-last.json",
                "list-cross-project-pipeline-runs-empty.json", "list-cross-project-pipeline-run-items-success.json",
                "list-cross-project-pipeline-run-items-fail.json", "default-scenario.json",
            ]
        #expect(Set(names) == Set(covered))
    }

    static let getPipelineRunSamples: [(file: String, status: PipelineRunStatus, stages: [PipelineRunStatus])] = [
        ("get-pipeline-run-init.json", .initial, [.initial, .initial, .initial, .initial, .initial]),
        ("get-pipeline-run-running-check.json", .running, [.success, .running, .initial, .initial, .initial]),
        ("get-pipeline-run-waiting-manual-deploy.json", .running, [.success, .success, .success, .success, .initial]),
        ("get-pipeline-run-success.json", .success, [.success, .success, .success, .success, .success]),
        ("get-pipeline-run-fail.json", .fail, [.success, .success, .success, .fail, .initial]),
        ("get-pipeline-run-cancel.json", .cancel, [.cancel, .initial, .initial, .initial, .initial]),
        ("get-pipeline-run-termination.json", .termination, [.success, .success, .success, .success, .termination]),
    ]

    @Test(arguments: getPipelineRunSamples)
    func getPipelineRunDecodes(file: String, status: PipelineRunStatus, stages: [PipelineRunStatus]) throws {
        let run = try ResponseDecoder.decodeGetPipelineRun(Self.sample(file))
        #expect(run.status == status)
        #expect(run.stages.map(\.status) == stages)
        #expect(run.stages.map(\.step) == [1, 2, 3, 4, 5])
        #expect(run.stages.map(\.code) == ["BUILD_PACKAGE", "DEV_CHECK", "DEV", "PROD_CHECK", "PROD"])
        #expect(run.stages.map(\.type) == [.build, .check, .deploy, .check, .deploy])
        #expect(run.projectId == 10_000)
        #expect(run.id?.count == 36)
        #expect(run.creator?.isEmpty == false)
        #expect((run.createTime ?? 0) > 1_700_000_000_000)
        #expect((run.modifyTime ?? 0) >= (run.createTime ?? 0))
        #expect(run.status?.isTerminal == [.success, .fail, .cancel, .termination].contains(status))
        #expect((run.awaitingStage?.code) == (file.contains("waiting-manual") ? "PROD" : nil))
    }

    @Test func failedRunCarriesItsMessages() throws {
        let run = try ResponseDecoder.decodeGetPipelineRun(Self.sample("get-pipeline-run-fail.json"))
        #expect(run.id == "53ab04f6-a1af-44ac-99ae-fa3df618c993")
        #expect(run.message?.hasPrefix("Stage PROD_CHECK failed:") == true)
        let failed = try #require(run.stages.first { $0.status == .fail })
        #expect(failed.code == "PROD_CHECK")
        #expect(failed.type == .check)
        #expect(failed.name == "生产检查器")
        #expect(failed.message?.hasPrefix("NodeParentDependency: upstream node ods_orders_di") == true)
        // An `Init` stage has no Message key.
        #expect(run.stages.last?.message == nil)
        #expect(run.stages.first?.message == "")
    }

    @Test func listPipelineRunsPagesInPagingInfo() throws {
        let first = try ResponseDecoder.decodeListPipelineRuns(Self.sample("list-pipeline-runs-page1.json"))
        #expect(first.pageNumber == 1)
        #expect(first.pageSize == 5)
        #expect(first.totalCount == 8)
        #expect(first.items.count == 5)
        #expect(first.items.allSatisfy { $0.stages.count >= 1 })
        #expect(first.requestId?.isEmpty == false)
        #expect(!first.isLast(requestedPageNumber: 1, requestedPageSize: 5))
        let run = try ResponseDecoder.decodeGetPipelineRun(Self.sample("get-pipeline-run-success.json"))
        #expect(first.items.contains(run), "the same run decodes the same way from the list and from Get")

        let last = try ResponseDecoder.decodeListPipelineRuns(Self.sample("list-pipeline-runs-page2-last.json"))
        #expect(last.pageNumber == 2)
        #expect(last.items.map(\.status) == [.cancel, .termination, .success])
        #expect(last.items.last?.stages.contains { $0.type == .offline } == true)
        #expect(last.isLast(requestedPageNumber: 2, requestedPageSize: 5))

        let empty = try ResponseDecoder.decodeListPipelineRuns(Self.sample("list-pipeline-runs-empty.json"))
        #expect(empty.items.isEmpty)
        #expect(empty.totalCount == 8)
        #expect(empty.isLast(requestedPageNumber: 3, requestedPageSize: 5))
    }

    @Test func listPipelineRunItemsDecode() throws {
        let success = try ResponseDecoder.decodeListPipelineRunItems(
            Self.sample("list-pipeline-run-items-success.json")
        )
        #expect(success.items.map(\.type) == ["WorkflowDefinition", "Node", "Node", "Resource"])
        #expect(success.items.allSatisfy { $0.status == .success })
        #expect(success.items.allSatisfy { $0.spec?.hasPrefix("{") == true })
        let fail = try ResponseDecoder.decodeListPipelineRunItems(Self.sample("list-pipeline-run-items-fail.json"))
        #expect(fail.items.map(\.status) == [.fail, .success, .initial])
        #expect(fail.items.first?.id == "7015393021849716802")
        #expect(fail.items.first?.version == 7)
        #expect(fail.items.first?.message?.hasPrefix("upstream node") == true)
        #expect(fail.totalCount == 3)
    }

    static let crossProjectSamples: [(file: String, status: PipelineRunStatus)] = [
        ("get-cross-project-pipeline-run-building.json", .building),
        ("get-cross-project-pipeline-run-ready.json", .ready),
        ("get-cross-project-pipeline-run-running.json", .running),
        ("get-cross-project-pipeline-run-success.json", .success),
        ("get-cross-project-pipeline-run-fail.json", .fail),
        ("get-cross-project-pipeline-run-termination.json", .termination),
    ]

    @Test(arguments: crossProjectSamples)
    func getCrossProjectPipelineRunDecodes(file: String, status: PipelineRunStatus) throws {
        let run = try ResponseDecoder.decodeGetCrossProjectPipelineRun(Self.sample(file))
        #expect(run.status == status)
        #expect(run.pipelineRunId?.count == 36)
        #expect(run.deploymentEnvironmentId == 101)
        #expect(run.objectName?.isEmpty == false)
        #expect(run.objectType?.isEmpty == false)
        #expect(run.changeType?.isEmpty == false)
        #expect(run.objectVersion.flatMap { Int($0) } != nil)
        #expect((run.executeTime != nil) == [.running, .success, .fail].contains(status))
        #expect((run.finishTime != nil) == [.success, .fail].contains(status))
        #expect((run.abolishTime != nil) == (status == .termination))
        #expect((run.errorCode != nil) == (status == .fail))
    }

    @Test func crossProjectFailureCarriesItsError() throws {
        let run = try ResponseDecoder.decodeGetCrossProjectPipelineRun(
            Self.sample("get-cross-project-pipeline-run-fail.json")
        )
        #expect(run.errorCode == "Invalid.Deploy.DependencyMissing")
        #expect(run.errorMessage?.contains("ods_orders_di") == true)
        #expect(run.objectId == "7015393021849716802")
        #expect(run.executor == "1634000012345678")
        #expect(run.finishTime == 1_796_443_290_000)
    }

    @Test func crossProjectListsPageInsideData() throws {
        let first = try ResponseDecoder.decodeListCrossProjectPipelineRuns(
            Self.sample("list-cross-project-pipeline-runs-page1.json")
        )
        #expect(first.pageNumber == 1)
        #expect(first.pageSize == 4)
        #expect(first.totalCount == 6)
        #expect(first.items.count == 4)
        #expect(!first.isLast(requestedPageNumber: 1, requestedPageSize: 4))
        let last = try ResponseDecoder.decodeListCrossProjectPipelineRuns(
            Self.sample("list-cross-project-pipeline-runs-page2-last.json")
        )
        #expect(last.items.map(\.status) == [.fail, .termination])
        #expect(last.isLast(requestedPageNumber: 2, requestedPageSize: 4))
        let empty = try ResponseDecoder.decodeListCrossProjectPipelineRuns(
            Self.sample("list-cross-project-pipeline-runs-empty.json")
        )
        #expect(empty.items.isEmpty)

        let items = try ResponseDecoder.decodeListCrossProjectPipelineRunItems(
            Self.sample("list-cross-project-pipeline-run-items-success.json")
        )
        #expect(items.items.map(\.isRoot) == [true, false, false])
        #expect(items.items.dropFirst().allSatisfy { $0.parentObjectId == "7015393021849716736" })
        let failed = try ResponseDecoder.decodeListCrossProjectPipelineRunItems(
            Self.sample("list-cross-project-pipeline-run-items-fail.json")
        )
        #expect(failed.items.count == 1)
        #expect(failed.items.first?.status == .fail)
        #expect(failed.items.first?.errorCode?.isEmpty == false)
    }

    static let errorSamples: [(file: String, status: Int, code: String)] = [
        ("error-forbidden-access-403.json", 403, "Forbidden.Access"),
        ("error-invalid-param-bad-id-400.json", 400, "Invalid.Param"),
        ("error-throttling-api-risk-429.json", 429, "Throttling.Api.Risk"),
        ("error-throttling-user-429.json", 429, "Throttling.User"),
    ]

    @Test(arguments: errorSamples)
    func errorSamplesDecodeWithTheirCodes(file: String, status: Int, code: String) throws {
        let response = try Self.sample(file, status: status)
        let failures = [
            Self.failure(ResponseDecoder.decodeGetPipelineRun, response),
            Self.failure(ResponseDecoder.decodeListPipelineRuns, response),
            Self.failure(ResponseDecoder.decodeListPipelineRunItems, response),
            Self.failure(ResponseDecoder.decodeGetCrossProjectPipelineRun, response),
            Self.failure(ResponseDecoder.decodeListCrossProjectPipelineRuns, response),
            Self.failure(ResponseDecoder.decodeListCrossProjectPipelineRunItems, response),
        ]
        for failure in failures {
            let error = try #require(failure, "\(file) should fail")
            #expect(error.errorClass == code)
            #expect(error.httpStatus == status)
            #expect(error.requestId?.isEmpty == false)
            #expect(!error.indicatesWrongAPIVersion)
            #expect((error.retryReason == "throttled") == (code == "Throttling.User"))
        }
    }

    /// The error `decode` throws for `response`, or `nil` when it decodes.
    static func failure<Answer>(
        _ decode: (HTTPResponse) throws(APIError) -> Answer,
        _ response: HTTPResponse
    ) -> APIError? {
        do {
            _ = try decode(response)
            return nil
        } catch {
            return error
        }
    }

    @Test func malformedBodiesAreParseErrors() {
        let bodies = [
            "{\"Pipeline\":{\"Status\":",  // cut off
            "{\"RequestId\":\"r\"}",  // no Pipeline
            "{\"Pipeline\":{\"Stages\":{\"Step\":\"one\"}}}",  // Step not an integer
            "{\"Pipeline\":{\"CreateTime\":\"yesterday\"}}",
            "[]",
        ]
        for text in bodies {
            #expect {
                try ResponseDecoder.decodeGetPipelineRun(Self.body(text))
            } throws: { error in
                (error as? APIError)?.errorClass == APIError.clientParse
            }
        }
        #expect {
            try ResponseDecoder.decodeListPipelineRuns(Self.body("{\"RequestId\":\"r\",\"Data\":{}}"))
        } throws: { error in
            guard case .parse(let reason, _, _) = error as? APIError else { return false }
            return reason == "no PagingInfo in the response"
        }
        #expect {
            try ResponseDecoder.decodeListCrossProjectPipelineRuns(Self.body("{\"Data\":{\"PipelineRuns\":7}}"))
        } throws: { error in
            (error as? APIError)?.errorClass == APIError.clientParse
        }
    }

    /// An absent list is an empty page, not an error; a 200 answer without its payload but with a `Code` is that
    /// service error; `Success: false` of a cross-project answer is a service error.
    @Test func absentListsAndEnvelopeErrors() throws {
        let runs = try ResponseDecoder.decodeListPipelineRuns(
            Self.body("{\"RequestId\":\"r\",\"PagingInfo\":{\"PageNumber\":1,\"PageSize\":10,\"TotalCount\":0}}")
        )
        #expect(runs.items.isEmpty)
        #expect(runs.isLast(requestedPageNumber: 1, requestedPageSize: 10))
        let stageless = try ResponseDecoder.decodeGetPipelineRun(Self.body("{\"Pipeline\":{\"Id\":\"a\"}}"))
        #expect(stageless.stages.isEmpty)
        #expect(stageless.status == nil)
        let crossItems = try ResponseDecoder.decodeListCrossProjectPipelineRunItems(
            Self.body("{\"Success\":true,\"Data\":{\"TotalCount\":0}}")
        )
        #expect(crossItems.items.isEmpty)

        #expect {
            try ResponseDecoder.decodeGetPipelineRun(
                Self.body("{\"RequestId\":\"r\",\"Code\":\"InvalidAction.NotFound\",\"Message\":\"not found\"}")
            )
        } throws: { error in
            (error as? APIError)?.indicatesWrongAPIVersion == true
        }
        #expect {
            try ResponseDecoder.decodeGetCrossProjectPipelineRun(
                Self.body("{\"RequestId\":\"r\",\"Success\":false,\"ErrorCode\":\"Invalid.Param\",\"Data\":{}}")
            )
        } throws: { error in
            (error as? APIError)?.errorClass == "Invalid.Param"
        }
    }

    @Test func wrongVersionAnswersAreRecognised() throws {
        let body =
            "{\"RequestId\":\"r\",\"HostId\":\"h\",\"Code\":\"InvalidAction.NotFound\",\"Message\":\"Specified api "
            + "is not found, please check your url and method.\"}"
        do {
            _ = try ResponseDecoder.decodeListPipelineRuns(Self.body(body, status: 404))
            Issue.record("should fail")
        } catch {
            #expect(error.indicatesWrongAPIVersion)
            #expect(error.errorClass == "InvalidAction.NotFound")
            #expect(error.retryReason == nil)
        }
        let invalidVersion = APIError.service(
            ServiceError(code: "InvalidVersion", message: "", httpStatus: 400, requestId: nil)
        )
        #expect(invalidVersion.indicatesWrongAPIVersion)
        #expect(
            !APIError.service(ServiceError(code: "Forbidden.Access", message: "", httpStatus: 403, requestId: nil))
                .indicatesWrongAPIVersion
        )
    }

    @Test func statusVocabulary() {
        #expect(
            PipelineRunStatus.allLabels == [
                "init", "building", "ready", "running", "success", "fail", "termination", "cancel", "unknown",
            ]
        )
        #expect(PipelineRunStatus.known.filter(\.isTerminal) == [.success, .fail, .termination, .cancel])
        #expect(PipelineRunStatus(apiValue: "Termination") == .termination)
        #expect(PipelineRunStatus(apiValue: "SUCCESS") == .success)
        #expect(PipelineRunStatus(apiValue: "Paused") == .unknown("Paused"))
        #expect(PipelineRunStatus(apiValue: "Paused").label == "unknown")
        #expect(PipelineRunStatus(apiValue: "Paused").apiValue == "Paused")
        #expect(!PipelineRunStatus.unknown("Paused").isTerminal)
        for status in PipelineRunStatus.known {
            #expect(PipelineRunStatus(apiValue: status.apiValue) == status)
            #expect(status.label == status.apiValue.lowercased())
        }
        #expect(PipelineRunStageType(apiValue: "Offline") == .offline)
        #expect(PipelineRunStageType(apiValue: "Approve") == .unknown("Approve"))
    }

    @Test func awaitingStageNeedsADoneStageAndNothingRunning() {
        func run(_ status: PipelineRunStatus, _ stages: [PipelineRunStatus]) -> PipelineRun {
            PipelineRun(
                status: status,
                stages: stages.enumerated().map {
                    PipelineRunStage(step: $0.offset + 1, code: "S\($0.offset + 1)", status: $0.element)
                }
            )
        }
        #expect(run(.running, [.success, .initial, .initial]).awaitingStage?.code == "S2")
        #expect(run(.running, [.initial, .initial]).awaitingStage == nil)
        #expect(run(.running, [.success, .running, .initial]).awaitingStage == nil)
        #expect(run(.running, [.success, .success]).awaitingStage == nil)
        #expect(run(.fail, [.success, .initial]).awaitingStage == nil)
        // Stages are taken in Step order, not in the order received.
        let shuffled = PipelineRun(
            status: .running,
            stages: [
                PipelineRunStage(step: 2, code: "B", status: .initial),
                PipelineRunStage(step: 1, code: "A", status: .success),
            ]
        )
        #expect(shuffled.awaitingStage?.code == "B")
    }

    @Test func requestsCarryTheSDKParameters() {
        let list = ListPipelineRunsRequest(
            projectId: 10_000,
            creator: "u",
            objectId: "7",
            status: .running,
            paging: .init(pageNumber: 0, pageSize: 500)
        )
        #expect(
            list.parameters == [
                "ProjectId": "10000", "Creator": "u", "ObjectId": "7", "Status": "Running", "PageNumber": "1",
                "PageSize": "100",
            ]
        )
        #expect(GetPipelineRunRequest(projectId: 1, pipelineRunId: "x").parameters == ["Id": "x", "ProjectId": "1"])
        #expect(
            ListCrossProjectPipelineRunsRequest(projectId: 1, createTimeFrom: 5, status: .ready).parameters == [
                "ProjectId": "1", "CreateTimeFrom": "5", "Status": "Ready", "PageNumber": "1", "PageSize": "100",
            ]
        )
        #expect(GetPipelineRunRequest.operation.placement == .query)
        #expect(GetCrossProjectPipelineRunRequest.operation.placement == .formBody)
        #expect(PipelineRunPaging(pageNumber: 3, pageSize: 20).next == PipelineRunPaging(pageNumber: 4, pageSize: 20))
    }
}
