import DataWorksAPI
import DataWorksSimulator
import Foundation
import LockedValue
import Logging
import Testing

@testable import DataWorksExporter

/// Pipeline runs collected from the simulator in memory: the listing walk, the item fetches, terminal refresh, the
/// families and their `promtool check metrics`, last good values on failures, the wrong-version hint.
@Suite struct PipelineRunCollectionTests {
    static let projectId: Int64 = 10000
    static let workspace = Workspace(regionId: "cn-shanghai", project: .id(projectId))

    static func finalRun(_ index: Int, now: Int64) -> SimulatedPipelineRun {
        SimulatedPipelineRun(
            id: "final-\(index)",
            projectId: projectId,
            creator: "200300000001",
            description: "run \(index)",
            items: [PipelineRunItem(id: "70\(index)", name: "node_\(index)", type: "Node", version: 1)],
            createTime: now - 3_600_000 + Int64(index) * 1_000,
            stageDuration: 1
        )
    }

    static func collector(
        _ simulator: DataWorksSimulator,
        targets: [Target],
        metrics: APIMetrics,
        terminalRefresh: Duration = .seconds(3_600),
        now: Locked<Double>
    ) -> Collector {
        Collector(
            client: InMemoryCollectionTests.client(simulator, metrics: metrics, retries: 0),
            targets: targets,
            settings: CollectorSettings(terminalRefresh: terminalRefresh),
            logger: InMemoryCollectionTests.logger,
            apiMetrics: metrics,
            wallClock: { now.withLock { $0 } }
        )
    }

    static func discovering(limit: Int = 500, crossProject: Bool = false) -> Target {
        Target(
            regionId: "cn-shanghai",
            projectId: projectId,
            pipelineRuns: PipelineRunWatch(
                discovery: PipelineRunDiscovery(maxAge: .seconds(86_400), limit: limit),
                crossProject: crossProject ? PipelineRunDiscovery(maxAge: .seconds(86_400)) : nil
            )
        )
    }

    @Test func aRunFirstAppearingOnPageTwoIsFoundAndFinalRunsCostNothing() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = DataWorksSimulator(inMemory: [], pipelineRuns: (0..<100).map { Self.finalRun($0, now: nowMs) })
        let metrics = APIMetrics()
        let now = Locked(Double(nowMs) / 1_000)
        let collector = Self.collector(simulator, targets: [Self.discovering()], metrics: metrics, now: now)

        let first = await collector.collect(budget: .seconds(60))
        #expect(first.pipelineRuns.count == 100 && first.isUp)
        #expect(first.budget.requestsByAction["ListPipelineRuns"] == 1)
        #expect(first.budget.requestsByAction["ListPipelineRunItems"] == 100)
        #expect(first.pipelineRuns.allSatisfy { $0.items?.first?.count == 1 })

        now.withLock { $0 += 30 }
        let second = await collector.collect(budget: .seconds(60))
        #expect(second.budget.requestsByAction["ListPipelineRuns"] == 1)
        #expect(second.budget.requestsByAction["ListPipelineRunItems", default: 0] == 0, "items are fetched once")
        #expect(second.budget.requestsByAction["GetPipelineRun", default: 0] == 0)

        // Older than every other run: the simulator lists it on page 2, behind 100 final, known runs.
        var late = Self.finalRun(999, now: nowMs)
        late.id = "late-run"
        late.createTime = nowMs - 7_200_000
        late.stageDuration = 3_600_000
        await simulator.upsert(late)
        now.withLock { $0 += 30 }
        let third = await collector.collect(budget: .seconds(60))
        #expect(third.budget.requestsByAction["ListPipelineRuns"] == 2)
        let found = try #require(third.pipelineRuns.first { $0.key.pipelineRunId == "late-run" })
        #expect(found.run?.status == .running && found.fetchSucceeded)

        // Page 1 holds only final, known runs and TotalCount did not change: the moving run on page 2 is got alone.
        now.withLock { $0 += 30 }
        let fourth = await collector.collect(budget: .seconds(60))
        #expect(fourth.budget.requestsByAction["ListPipelineRuns"] == 1)
        #expect(fourth.budget.requestsByAction["GetPipelineRun"] == 1)
        #expect(fourth.pipelineRuns.count == 101 && fourth.isUp)
    }

    @Test func listedRunsInAFinalStatusAreRefreshedOnlyEveryTerminalRefresh() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let runs = (0..<2).map { Self.finalRun($0, now: nowMs) }
        let simulator = DataWorksSimulator(inMemory: [], pipelineRuns: runs)
        let metrics = APIMetrics()
        let now = Locked(Double(nowMs) / 1_000)
        let target = Target(
            regionId: "cn-shanghai",
            projectId: Self.projectId,
            pipelineRuns: PipelineRunWatch(pipelineRunIds: ["final-0", "final-1"])
        )
        let collector = Self.collector(simulator, targets: [target], metrics: metrics, now: now)
        let first = await collector.collect(budget: .seconds(60))
        #expect(first.budget.requestsByAction["ListPipelineRuns"] == 1)
        #expect(first.pipelineRuns.map(\.run?.status) == [.success, .success])
        now.withLock { $0 += 60 }
        let second = await collector.collect(budget: .seconds(60))
        #expect(second.budget.requestsByAction.values.reduce(0, +) == 0, "\(second.budget.requestsByAction)")
        #expect(second.isUp && second.pipelineRuns.allSatisfy(\.fetchSucceeded))
        now.withLock { $0 += 3_600 }
        let third = await collector.collect(budget: .seconds(60))
        #expect(third.budget.requestsByAction["ListPipelineRuns"] == 1)
    }

    @Test func theFamiliesOfBothKindsPassPromtool() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = DataWorksSimulator(
            inMemory: [],
            pipelineRuns: SimulatedPipelineRun.demoSet(now: nowMs),
            crossProjectPipelineRuns: SimulatedCrossProjectPipelineRun.demoSet(now: nowMs)
        )
        let config = ExporterConfig(targets: [Self.discovering(crossProject: true)])
        let metrics = APIMetrics(actions: config.apiActions)
        let now = Locked(Double(nowMs) / 1_000)
        let collector = Self.collector(simulator, targets: config.targets, metrics: metrics, now: now)
        let snapshot = await collector.collect(budget: .seconds(60))
        #expect(snapshot.isUp)
        let body = String(
            decoding: try MetricsRenderer().render(
                snapshot: snapshot,
                api: metrics.current,
                includeProcessMetrics: false
            ),
            as: UTF8.self
        )
        let lines = body.split(separator: "\n").map(String.init)
        let identity = "region_id=\"cn-shanghai\",project=\"10000\""
        let gate = "pipeline_run_id=\"8561ab79-e343-45ff-b3af-e891d4ef2dcc\""
        func has(_ prefix: String, _ parts: [String] = []) -> Bool {
            lines.contains { line in line.hasPrefix(prefix) && parts.allSatisfy { line.contains($0) } }
        }
        let statuses = lines.filter { $0.hasPrefix("dataworks_pipeline_run_status{") && $0.contains(gate) }
        #expect(statuses.count == 9, "\(statuses)")
        #expect(has("dataworks_pipeline_run_status{", [gate, "status=\"running\"", "} 1"]))
        #expect(has("dataworks_pipeline_run_awaiting_stage{", [gate, "stage_code=\"PROD\"", "} 1"]))
        #expect(has("dataworks_pipeline_run_awaiting_since_timestamp_seconds{", [gate]))
        #expect(has("dataworks_pipeline_run_stage_info{", [identity, "stage_type=\"Deploy\""]))
        #expect(has("dataworks_pipeline_run_error_info{", ["kind=\"workspace\"", "error_message=\""]))
        #expect(has("dataworks_pipeline_run_error_info{", ["kind=\"cross_project\""]))
        #expect(has("dataworks_pipeline_run_items{", ["item_type=\""]))
        #expect(has("dataworks_pipeline_run_info{", ["kind=\"cross_project\"", "object_name=\""]))
        #expect(has("dataworks_pipeline_run_execute_timestamp_seconds{", ["kind=\"cross_project\""]))
        #expect(has("dataworks_pipeline_run_modify_timestamp_seconds{", ["kind=\"workspace\""]))
        #expect(has("dataworks_pipeline_run_fetch_success{", [gate, "} 1"]))
        #expect(has("dataworks_pipeline_run_last_fetch_success_timestamp_seconds{", [gate]))
        #expect(has("dataworks_api_requests_total{", ["action=\"ListCrossProjectPipelineRuns\""]))
        #expect(has("dataworks_api_requests_total{", ["action=\"GetPipelineRun\"", "} 0"]))
        // The release analytics' zero series are those of the kinds this workspace has: no deployment packages.
        #expect(has("dataworks_releases_total{", [identity, "kind=\"pipeline_run\""]))
        #expect(has("dataworks_releases_total{", [identity, "kind=\"cross_project\""]))
        #expect(!has("dataworks_release", ["kind=\"deployment\""]), "a 2024-05-18 target has no deployment series")
        if let promtool = Promtool.path {
            let check = try await Promtool.checkMetrics(Array(body.utf8), promtool: promtool)
            #expect(check.status == 0, "\(check.output)")
        }
    }

    @Test func lastGoodValuesStayWithTheirAgeWhenTheListingFails() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = DataWorksSimulator(inMemory: [], pipelineRuns: SimulatedPipelineRun.demoSet(now: nowMs))
        let metrics = APIMetrics()
        let start = Double(nowMs) / 1_000
        let now = Locked(start)
        let collector = Self.collector(simulator, targets: [Self.discovering()], metrics: metrics, now: now)
        let first = await collector.collect(budget: .seconds(60))
        let moving = try #require(first.pipelineRuns.first { $0.run?.status?.isTerminal == false })
        now.withLock { $0 += 30 }
        // The listing fails, and so does the single fetch that stands in for it.
        await simulator.injectPipelineRunListFault(.internalError, count: 1)
        await simulator.injectPipelineRunFault(.internalError, pipelineRunId: moving.key.pipelineRunId, count: 1)
        let second = await collector.collect(budget: .seconds(60))
        #expect(!second.isUp)
        #expect(second.budget.requestsByAction["GetPipelineRun", default: 0] >= 1)
        let kept = try #require(second.pipelineRuns.first { $0.key == moving.key })
        #expect(!kept.fetchSucceeded)
        #expect(kept.run == moving.run)
        #expect(kept.lastSuccessTimestamp == start)
    }

    @Test func aReloadHandsTheRunsOverSoTheirItemsAreNotFetchedAgain() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = DataWorksSimulator(inMemory: [], pipelineRuns: SimulatedPipelineRun.demoSet(now: nowMs))
        let metrics = APIMetrics()
        let now = Locked(Double(nowMs) / 1_000)
        let old = Self.collector(simulator, targets: [Self.discovering()], metrics: metrics, now: now)
        let first = await old.collect(budget: .seconds(60))
        #expect(first.budget.requestsByAction["ListPipelineRunItems", default: 0] > 0)
        let new = Self.collector(simulator, targets: [Self.discovering(limit: 50)], metrics: metrics, now: now)
        await new.adopt(await old.memory())
        now.withLock { $0 += 30 }
        let second = await new.collect(budget: .seconds(60))
        #expect(second.budget.requestsByAction["ListPipelineRunItems", default: 0] == 0)
        #expect(second.pipelineRuns.count == first.pipelineRuns.count && second.isUp)
    }

    @Test func aWrongVersionAnswerSaysWhichKeyToChange() async {
        let error = APIError.service(
            ServiceError(
                code: "InvalidAction.NotFound",
                message: "Specified api is not found.",
                httpStatus: 404,
                requestId: "R"
            )
        )
        #expect(APIMetrics.errorCode(of: error) == "wrong_api_version")
        let metadata = CollectionCycle.failureMetadata(error)
        #expect(metadata["code"] == "wrong_api_version")
        #expect(metadata["gateway_code"] == "InvalidAction.NotFound")
        #expect("\(metadata["fix"] ?? "")".contains("api_version"))
        let metrics = APIMetrics(actions: ["GetPipelineRun"])
        metrics.requestFinished(action: "GetPipelineRun", duration: .milliseconds(5), error: error)
        #expect(metrics.current.errors["GetPipelineRun"]?["wrong_api_version"] == 1)
    }
}
