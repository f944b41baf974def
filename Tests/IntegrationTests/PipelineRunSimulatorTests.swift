import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import LockedValue
import Testing

/// The 2024-05-18 pipeline-run reads of `DataWorksClient` against the simulator over loopback (libcurl and
/// libmicrohttpd), and the simulator's run timelines.
@Suite struct PipelineRunSimulatorTests {
    static let regionId = SimulatedDeployment.demoRegionId
    static let projectId = SimulatedDeployment.demoProjectId
    static let waitingId = "8561ab79-e343-45ff-b3af-e891d4ef2dcc"
    static let failedId = "53ab04f6-a1af-44ac-99ae-fa3df618c993"
    static let successId = "3ee7e4f0-7f80-4349-baa8-b987272f31d8"
    static let crossProjectFailId = "9102eaf2-43c1-4fed-a7c9-626b825d186c"

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }
    static var deadline: ContinuousClock.Instant { .now.advanced(by: .seconds(10)) }

    /// Records what the client reports to its observer.
    final class Recorder: APIRequestObserver {
        let finished = Locked<[(action: String, code: String?)]>([])
        let retries = Locked<[(action: String, reason: String)]>([])

        func requestFinished(action: String, duration: Duration, error: APIError?) async {
            finished.withLock { $0.append((action, error?.errorClass)) }
        }

        func retryScheduled(action: String, reason: String) async {
            retries.withLock { $0.append((action, reason)) }
        }

        func callSkipped(action: String, reason: CallSkipReason) async {}
    }

    static func withSimulator(
        runs: [SimulatedPipelineRun]? = nil,
        _ body: (DataWorksSimulator, CurlHTTPClient) async throws -> Void
    ) async throws {
        let now = nowMilliseconds
        try await SimulatorTests.withSimulator(
            {
                try DataWorksSimulator(
                    deployments: [],
                    pipelineRuns: runs ?? SimulatedPipelineRun.demoSet(now: now),
                    crossProjectPipelineRuns: SimulatedCrossProjectPipelineRun.demoSet(now: now)
                )
            },
            body
        )
    }

    static func client(
        _ simulator: DataWorksSimulator,
        _ transport: CurlHTTPClient,
        signatureVersion: SignatureVersion = .v3,
        retries: Int = 0,
        observer: (any APIRequestObserver)? = nil
    ) -> DataWorksClient {
        DataWorksClient(
            configuration: .init(
                endpointOverride: simulator.endpoint,
                signatureVersion: signatureVersion,
                retries: retries
            ),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            transport: transport,
            observer: observer
        )
    }

    // MARK: - Over loopback

    @Test(arguments: [SignatureVersion.v3, .v1])
    func listPipelineRunsPagesNewestFirst(signatureVersion: SignatureVersion) async throws {
        try await Self.withSimulator { simulator, transport in
            let client = Self.client(simulator, transport, signatureVersion: signatureVersion)
            var runs: [PipelineRun] = []
            var paging = PipelineRunPaging(pageNumber: 1, pageSize: 3)
            while true {
                let page = try await client.listPipelineRuns(
                    regionId: Self.regionId,
                    request: .init(projectId: Self.projectId, paging: paging),
                    deadline: Self.deadline
                )
                #expect(page.pageNumber == paging.pageNumber)
                #expect(page.totalCount == 7)
                runs += page.items
                if page.isLast(requestedPageNumber: paging.pageNumber, requestedPageSize: paging.pageSize) { break }
                paging = paging.next
            }
            #expect(runs.count == 7)
            #expect(Set(runs.compactMap(\.id)).count == 7)
            let created = runs.compactMap(\.createTime)
            #expect(created == created.sorted(by: >))

            let waiting = try #require(runs.first { $0.id == Self.waitingId })
            #expect(waiting.status == .running)
            #expect(waiting.awaitingStage?.code == "PROD")
            #expect(waiting.awaitingStage?.type == .deploy)
            let failed = try #require(runs.first { $0.id == Self.failedId })
            #expect(failed.status == .fail)
            let failedStage = try #require(failed.stages.first { $0.status == .fail })
            #expect(failedStage.code == "PROD_CHECK")
            #expect(failedStage.type == .check)
            #expect(failedStage.message?.contains("ods_orders_di") == true)
            #expect(failed.message?.hasPrefix("Stage PROD_CHECK failed:") == true)
            #expect(Set(runs.compactMap(\.status)) == [.success, .running, .fail, .cancel, .termination, .initial])
            #expect(await simulator.requestCounts()["ListPipelineRuns"] == 3)
        }
    }

    @Test func filtersAndSingleReads() async throws {
        try await Self.withSimulator { simulator, transport in
            let client = Self.client(simulator, transport)
            let failed = try await client.listPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, status: .fail),
                deadline: Self.deadline
            )
            #expect(failed.items.map(\.id) == [Self.failedId])
            let byCreator = try await client.listPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, creator: "207312548861234502"),
                deadline: Self.deadline
            )
            #expect(byCreator.items.count == 2)
            let byObject = try await client.listPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, objectId: "7015393021849716802"),
                deadline: Self.deadline
            )
            #expect(byObject.items.map(\.id) == [Self.failedId])
            let otherProject = try await client.listPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: 99),
                deadline: Self.deadline
            )
            #expect(otherProject.items.isEmpty)
            #expect(otherProject.totalCount == 0)

            let run = try await client.getPipelineRun(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, pipelineRunId: Self.successId),
                deadline: Self.deadline
            )
            #expect(run.status == .success)
            #expect(run.stages.allSatisfy { $0.status == .success })
            let items = try await client.listPipelineRunItems(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, pipelineRunId: Self.failedId),
                deadline: Self.deadline
            )
            #expect(items.items.map(\.status) == [.fail, .success])
            #expect(items.items.first?.message?.contains("ods_orders_di") == true)

            await #expect {
                try await client.getPipelineRun(
                    regionId: Self.regionId,
                    request: .init(projectId: Self.projectId, pipelineRunId: "not-a-pipeline-run-id"),
                    deadline: Self.deadline
                )
            } throws: { error in
                (error as? APIError)?.errorClass == "Invalid.Param"
            }
        }
    }

    @Test(arguments: [SignatureVersion.v3, .v1])
    func crossProjectReads(signatureVersion: SignatureVersion) async throws {
        try await Self.withSimulator { simulator, transport in
            let client = Self.client(simulator, transport, signatureVersion: signatureVersion)
            let first = try await client.listCrossProjectPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, paging: .init(pageNumber: 1, pageSize: 4)),
                deadline: Self.deadline
            )
            #expect(first.totalCount == 6)
            #expect(first.items.count == 4)
            let second = try await client.listCrossProjectPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, paging: .init(pageNumber: 2, pageSize: 4)),
                deadline: Self.deadline
            )
            #expect(second.isLast(requestedPageNumber: 2, requestedPageSize: 4))
            let all = first.items + second.items
            #expect(
                Set(all.compactMap(\.status)) == [.building, .ready, .running, .success, .fail, .termination]
            )
            let ready = try await client.listCrossProjectPipelineRuns(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, status: .ready),
                deadline: Self.deadline
            )
            #expect(ready.items.map(\.objectName) == ["ads_daily_report_d"])
            #expect(ready.items.first?.executeTime == nil)

            let failed = try await client.getCrossProjectPipelineRun(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, pipelineRunId: Self.crossProjectFailId),
                deadline: Self.deadline
            )
            #expect(failed.status == .fail)
            #expect(failed.errorCode == "Invalid.Deploy.DependencyMissing")
            #expect(failed.objectType == "ODPS_SQL")
            #expect(failed.changeType == "UPDATE")
            #expect(failed.finishTime != nil)
            let items = try await client.listCrossProjectPipelineRunItems(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, pipelineRunId: Self.crossProjectFailId),
                deadline: Self.deadline
            )
            #expect(items.items.count == 1)
            #expect(items.items.first?.isRoot == true)
            #expect(items.items.first?.status == .fail)
            #expect(items.items.first?.errorCode == "Invalid.Deploy.DependencyMissing")
        }
    }

    /// A run moves through its stages as time passes; a manual stage holds it until executed over HTTP.
    @Test func runsMoveThroughTheirStages() async throws {
        let now = Self.nowMilliseconds
        let moving = SimulatedPipelineRun(
            id: "0a000000-0000-4000-8000-000000000001",
            projectId: Self.projectId,
            creator: "1",
            description: "moving",
            createTime: now,
            stageDuration: 250,
            manualGateStep: 4
        )
        try await Self.withSimulator(runs: [moving]) { simulator, transport in
            let client = Self.client(simulator, transport)
            let request = GetPipelineRunRequest(projectId: Self.projectId, pipelineRunId: moving.id)
            var seen: [[PipelineRunStatus?]] = []
            var run = try await client.getPipelineRun(
                regionId: Self.regionId,
                request: request,
                deadline: Self.deadline
            )
            let clock = ContinuousClock()
            let giveUp = clock.now.advanced(by: .seconds(10))
            while run.awaitingStage == nil, clock.now < giveUp {
                try await Task.sleep(for: .milliseconds(50))
                run = try await client.getPipelineRun(
                    regionId: Self.regionId,
                    request: request,
                    deadline: Self.deadline
                )
            }
            // Held at the gate: the same answer however long one waits.
            try await Task.sleep(for: .milliseconds(600))
            run = try await client.getPipelineRun(regionId: Self.regionId, request: request, deadline: Self.deadline)
            seen.append(run.stages.map(\.status))
            #expect(run.status == .running)
            #expect(run.awaitingStage?.code == "PROD_CHECK")
            #expect(run.stages.map(\.status) == [.success, .success, .success, .initial, .initial])

            let execute = try await transport.send(
                HTTPRequest(
                    method: "POST",
                    url: simulator.endpoint + "/-/simulator/pipeline-runs/execute?id=\(moving.id)"
                )
            )
            #expect(execute.status == 200)
            while run.status != .success, clock.now < giveUp {
                try await Task.sleep(for: .milliseconds(50))
                run = try await client.getPipelineRun(
                    regionId: Self.regionId,
                    request: request,
                    deadline: Self.deadline
                )
                if seen.last != run.stages.map(\.status) { seen.append(run.stages.map(\.status)) }
            }
            #expect(seen.first == [.success, .success, .success, .initial, .initial])
            #expect(seen.count >= 2, "the run moved on from the gate: \(seen)")
            #expect(run.status == .success)
            #expect(run.stages.allSatisfy { $0.status == .success })
            #expect(run.awaitingStage == nil)
            let again = try await transport.send(
                HTTPRequest(
                    method: "POST",
                    url: simulator.endpoint + "/-/simulator/pipeline-runs/execute?id=\(moving.id)"
                )
            )
            #expect(again.status == 404)
        }
    }

    /// Injected faults reach the pipeline-run calls, which are retried and counted as today's calls are.
    @Test func faultsRetriesAndCounting() async throws {
        try await Self.withSimulator { simulator, transport in
            let recorder = Recorder()
            let client = Self.client(simulator, transport, retries: 1, observer: recorder)
            await simulator.injectPipelineRunFault(.throttlingUser, pipelineRunId: Self.successId, count: 1)
            let run = try await client.getPipelineRun(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, pipelineRunId: Self.successId),
                deadline: Self.deadline
            )
            #expect(run.status == .success)
            #expect(recorder.retries.withLock { $0.map(\.action) } == ["GetPipelineRun"])
            #expect(recorder.retries.withLock { $0.map(\.reason) } == ["throttled"])
            #expect(
                recorder.finished.withLock { $0.map(\.code) } == ["Throttling.User", nil],
                "each attempt is reported"
            )

            let control = try await transport.send(
                HTTPRequest(
                    method: "POST",
                    url: simulator.endpoint + "/-/simulator/faults?pipeline_run_list=1&fault=forbidden_access&count=1"
                )
            )
            #expect(control.status == 200)
            await #expect {
                try await client.listCrossProjectPipelineRuns(
                    regionId: Self.regionId,
                    request: .init(projectId: Self.projectId),
                    deadline: Self.deadline
                )
            } throws: { error in
                (error as? APIError)?.errorClass == "Forbidden.Access"
            }
            let byRun = try await transport.send(
                HTTPRequest(
                    method: "POST",
                    url: simulator.endpoint
                        + "/-/simulator/faults?pipeline_run_id=\(Self.crossProjectFailId)&fault=malformed_body&count=1"
                )
            )
            #expect(byRun.status == 200)
            await #expect {
                try await client.getCrossProjectPipelineRun(
                    regionId: Self.regionId,
                    request: .init(projectId: Self.projectId, pipelineRunId: Self.crossProjectFailId),
                    deadline: Self.deadline
                )
            } throws: { error in
                (error as? APIError)?.errorClass == APIError.clientParse
            }
            await simulator.setBackground(throttlingFraction: 1)
            await #expect {
                try await client.listPipelineRunItems(
                    regionId: Self.regionId,
                    request: .init(projectId: Self.projectId, pipelineRunId: Self.successId),
                    deadline: Self.deadline
                )
            } throws: { error in
                (error as? APIError)?.errorClass == "Throttling.User"
            }
            await simulator.clearFaults()
            let items = try await client.listPipelineRunItems(
                regionId: Self.regionId,
                request: .init(projectId: Self.projectId, pipelineRunId: Self.successId),
                deadline: Self.deadline
            )
            #expect(items.items.count == 3)
            let counts = await simulator.requestCounts()
            #expect(counts["GetPipelineRun"] == 2)
            #expect(counts["ListPipelineRunItems"] == 3)
        }
    }

    /// A pipeline-run action sent with version 2020-05-18 is an unknown API, which the client recognises; the
    /// simulator also insists on the SDK's method.
    @Test func wrongVersionAndWrongMethodAreRejected() async throws {
        try await Self.withSimulator { simulator, transport in
            func send(version: APIVersion, placement: ParameterPlacement) async throws -> HTTPResponse {
                let context = RequestSigningContext(
                    endpoint: try Endpoint.resolve(regionId: Self.regionId, override: simulator.endpoint),
                    credentials: Credentials(
                        accessKeyId: DataWorksSimulator.accessKeyId,
                        accessKeySecret: Secret(DataWorksSimulator.accessKeySecret),
                        providerName: "static_ak"
                    ),
                    timestamp: ACSTimestamp.format(epochSeconds: Int64(Date().timeIntervalSince1970)),
                    nonce: UUID().uuidString
                )
                let request = SignedRequestBuilder.build(
                    action: "GetPipelineRun",
                    parameters: GetPipelineRunRequest(projectId: Self.projectId, pipelineRunId: Self.successId)
                        .parameters,
                    placement: placement,
                    context: context,
                    version: version.rawValue
                )
                return try await transport.send(request.request)
            }
            let wrongVersion = try await send(version: .v2020_05_18, placement: .query)
            #expect(wrongVersion.status == 404)
            do throws(APIError) {
                _ = try ResponseDecoder.decodeGetPipelineRun(wrongVersion)
                Issue.record("should fail")
            } catch {
                #expect(error.indicatesWrongAPIVersion)
            }
            let wrongMethod = try await send(version: .v2024_05_18, placement: .formBody)
            #expect(wrongMethod.status == 405)
            let right = try await send(version: .v2024_05_18, placement: .query)
            #expect(right.status == 200)
            #expect(try ResponseDecoder.decodeGetPipelineRun(right).id == Self.successId)
        }
    }

    // MARK: - Timelines

    @Test func pipelineRunTimeline() {
        let run = SimulatedPipelineRun(
            id: "r",
            projectId: 1,
            creator: "u",
            description: "d",
            createTime: 1_000,
            startDelay: 100,
            stageDuration: 10,
            outcome: .fail(step: 3, message: "boom")
        )
        #expect(run.snapshot(at: 1_050).status == .initial)
        #expect(run.snapshot(at: 1_050).stages.allSatisfy { $0.status == .initial && $0.message == nil })
        let building = run.snapshot(at: 1_105)
        #expect(building.status == .running)
        #expect(building.stages.map(\.status) == [.running, .initial, .initial, .initial, .initial])
        #expect(building.modifyTime == 1_100)
        let failed = run.snapshot(at: 2_000)
        #expect(failed.status == .fail)
        #expect(failed.stages.map(\.status) == [.success, .success, .fail, .initial, .initial])
        #expect(failed.stages[2].message == "boom")
        #expect(failed.message == "Stage DEV failed: boom")
        #expect(failed.modifyTime == 1_130)
        #expect(run.items(at: 2_000).isEmpty)

        let cancelled = SimulatedPipelineRun(
            id: "c",
            projectId: 1,
            creator: "u",
            description: "d",
            createTime: 0,
            stageDuration: 10,
            outcome: .cancel(step: 1)
        )
        #expect(cancelled.snapshot(at: 100).status == .cancel)
        #expect(cancelled.snapshot(at: 100).stages.first?.status == .cancel)
        let succeeded = SimulatedPipelineRun(
            id: "s",
            projectId: 1,
            creator: "u",
            description: "d",
            createTime: 0,
            stageDuration: 10
        )
        #expect(succeeded.snapshot(at: 49).status == .running)
        #expect(succeeded.snapshot(at: 50).status == .success)
    }

    @Test func crossProjectTimeline() {
        let run = SimulatedCrossProjectPipelineRun(
            run: CrossProjectPipelineRun(pipelineRunId: "x", creator: "c", executor: "e"),
            projectId: 1,
            createTime: 0,
            buildDuration: 10,
            executeTime: 50,
            runDuration: 20,
            failure: .init(code: "E", message: "m"),
            items: [CrossProjectPipelineRunItem(objectId: "o", isRoot: true)]
        )
        #expect(run.snapshot(at: 5).status == .building)
        #expect(run.snapshot(at: 20).status == .ready)
        #expect(run.snapshot(at: 20).executor == nil)
        #expect(run.snapshot(at: 60).status == .running)
        #expect(run.snapshot(at: 60).executeTime == 50)
        let failed = run.snapshot(at: 100)
        #expect(failed.status == .fail)
        #expect(failed.finishTime == 70)
        #expect(failed.errorCode == "E")
        #expect(run.items(at: 100).first?.errorMessage == "m")
        var abolished = run
        abolished.abolishTime = 30
        #expect(abolished.snapshot(at: 40).status == .termination)
        #expect(abolished.snapshot(at: 40).abolisher == "c")
    }

    @Test func demoSetHasEveryKindOfRun() {
        let now = Self.nowMilliseconds
        let runs = SimulatedPipelineRun.demoSet(now: now).map { $0.snapshot(at: now) }
        #expect(runs.contains { $0.awaitingStage?.type == .deploy })
        #expect(runs.contains { $0.status == .fail && $0.stages.contains { $0.status == .fail && $0.type == .check } })
        #expect(runs.contains { run in run.status == .running && run.stages.contains { $0.status == .running } })
        let crossProject = SimulatedCrossProjectPipelineRun.demoSet(now: now).map { $0.snapshot(at: now) }
        #expect(Set(crossProject.compactMap(\.status)) == [.building, .ready, .running, .success, .fail, .termination])
    }
}
