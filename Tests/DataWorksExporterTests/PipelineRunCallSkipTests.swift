import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import Logging
import Testing

@testable import DataWorksExporter

/// Issue 15, item 5 for the pipeline-run calls (API 2024-05-18): a call never sent is counted in
/// `dataworks_api_calls_skipped_total` under its own action, not as an error, and the runs it left unrefreshed get
/// the scrape-budget log line (one line with the count), not a warning per call.
@Suite struct PipelineRunCallSkipTests {
    /// A collector of `config`'s targets through `transport` at `endpoint`, counting into `metrics`, logging into
    /// `lines`.
    static func collector(
        _ transport: any HTTPTransport,
        endpoint: String = DataWorksSimulator.inMemoryEndpoint,
        _ config: ExporterConfig,
        metrics: APIMetrics,
        limiter: RateLimiter? = nil,
        lines: LogLines
    ) -> Collector {
        Collector(
            client: CallSkipTests.client(transport, endpoint: endpoint, metrics: metrics, limiter: limiter),
            targets: config.targets,
            settings: CollectorSettings(),
            logger: lines.logger(),
            apiMetrics: metrics,
            rateLimiter: limiter
        )
    }

    @Test func pipelineRunCallsPastTheRateLimitAreSkippedAndLoggedOnce() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = DataWorksSimulator(
            inMemory: [],
            pipelineRuns: [PipelineRunCollectionTests.finalRun(0, now: nowMs)],
            crossProjectPipelineRuns: SimulatedCrossProjectPipelineRun.demoSet(now: nowMs)
        )
        // One listed run (one GetPipelineRun, no workspace listing) and the cross-project listing.
        let target = Target(
            regionId: "cn-shanghai",
            projectId: PipelineRunCollectionTests.projectId,
            pipelineRuns: PipelineRunWatch(
                pipelineRunIds: ["final-0"],
                crossProject: PipelineRunDiscovery(maxAge: .seconds(86_400))
            )
        )
        let config = ExporterConfig(targets: [target])
        let metrics = APIMetrics(actions: config.apiActions)
        // One call every 100 s: only the first call of the cycle gets a token within the budget.
        let limiter = RateLimiter(configuration: .init(rate: 0.01, burst: 1))
        let lines = LogLines()
        let collector = Self.collector(simulator.transport, config, metrics: metrics, limiter: limiter, lines: lines)
        let snapshot = await collector.collect(budget: .seconds(5))
        #expect(!snapshot.isUp)
        let values = metrics.current
        let actions = ["ListCrossProjectPipelineRuns", "GetPipelineRun", "ListCrossProjectPipelineRunItems"]
        let sent = actions.reduce(0) { $0 + (values.requests[$1] ?? 0) }
        let skipped = actions.flatMap { (values.skipped[$0] ?? [:]).values }.reduce(0, +)
        let errors = actions.flatMap { (values.errors[$0] ?? [:]).values }.reduce(0, +)
        #expect(sent <= 1)
        #expect(skipped >= 1, "\(values.skipped)")
        #expect(errors <= sent, "\(values.errors)")
        let getSkipped = values.skipped["GetPipelineRun"] ?? [:]
        #expect(getSkipped["rate_limit", default: 0] + getSkipped["budget", default: 0] == 1, "\(getSkipped)")

        let written = lines.all
        let budgetLines = written.filter { $0.contains("pipeline run not fetched within the scrape budget") }
        #expect(budgetLines.count == 1, "\(written)")
        #expect(budgetLines.first?.contains("pipeline_run_ids=final-0") == true, "\(budgetLines)")
        #expect(budgetLines.first?.contains("count=1") == true, "\(budgetLines)")
        #expect(!written.contains { $0.contains("GetPipelineRun failed") }, "\(written)")

        let text = String(
            decoding: try MetricsRenderer().render(snapshot: snapshot, api: values, includeProcessMetrics: false),
            as: UTF8.self
        )
        #expect(text.contains(#"dataworks_api_calls_skipped_total{action="GetPipelineRun",reason="rate_limit"} "#))
    }

    /// The budget: a listing cut at the deadline is one `client_timeout`; the fetches after it are never sent
    /// (`budget`), and the runs left unrefreshed get one line with their count, not a warning per call.
    @Test func pipelineRunCallsPastTheDeadlineAreSkippedAndLoggedOnce() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        // Over loopback with libcurl, whose request timeout (the time left to the deadline) cuts the slow answer.
        let simulator = try DataWorksSimulator(
            deployments: [],
            pipelineRuns: [0, 1].map { PipelineRunCollectionTests.finalRun($0, now: nowMs) }
        )
        // Two listed runs: the workspace listing first (cut by the deadline), then a GetPipelineRun for each.
        await simulator.injectPipelineRunListFault(.delay(.seconds(5)), count: 1)
        let target = Target(
            regionId: "cn-shanghai",
            projectId: PipelineRunCollectionTests.projectId,
            pipelineRuns: PipelineRunWatch(pipelineRunIds: ["final-0", "final-1"])
        )
        let config = ExporterConfig(targets: [target])
        let metrics = APIMetrics(actions: config.apiActions)
        let lines = LogLines()
        let collector = Self.collector(
            try CurlHTTPClient(),
            endpoint: simulator.endpoint,
            config,
            metrics: metrics,
            lines: lines
        )
        // Long enough for the listing to be sent on a loaded machine.
        let snapshot = await collector.collect(budget: .seconds(3))
        await simulator.stop()
        #expect(!snapshot.isUp)
        let values = metrics.current
        #expect(values.requests["ListPipelineRuns"] == 1)
        #expect(values.errors["ListPipelineRuns"]?["client_timeout"] == 1, "\(values.errors)")
        #expect(values.requests["GetPipelineRun"] ?? 0 == 0)
        #expect(values.skipped["GetPipelineRun"]?["budget"] == 2, "\(values.skipped)")
        #expect(values.errors["GetPipelineRun"]?.values.reduce(0, +) ?? 0 == 0, "\(values.errors)")

        let written = lines.all
        let budgetLines = written.filter { $0.contains("pipeline run not fetched within the scrape budget") }
        #expect(budgetLines.count == 1, "\(written)")
        #expect(budgetLines.first?.contains("pipeline_run_ids=final-0,final-1") == true, "\(budgetLines)")
        #expect(budgetLines.first?.contains("count=2") == true, "\(budgetLines)")
        #expect(!written.contains { $0.contains("PipelineRun failed") || $0.contains("PipelineRuns failed") })
    }

    /// Issue 15, item 17 for pipeline runs: one cause shared by many runs (every GetPipelineRun answers 500) is one
    /// warning per cycle with the count and the Ids, not one per run.
    @Test func oneCauseForManyPipelineRunsIsOneLineWithTheCount() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let ids = ["final-0", "final-1", "final-2"]
        let simulator = DataWorksSimulator(
            inMemory: [],
            pipelineRuns: (0..<3).map { PipelineRunCollectionTests.finalRun($0, now: nowMs) }
        )
        // The listing fails, so each run is fetched alone, and every one of those fails the same way.
        await simulator.injectPipelineRunListFault(.internalError, count: nil)
        for id in ids {
            await simulator.injectPipelineRunFault(.internalError, pipelineRunId: id, count: nil)
        }
        let target = Target(
            regionId: "cn-shanghai",
            projectId: PipelineRunCollectionTests.projectId,
            pipelineRuns: PipelineRunWatch(pipelineRunIds: ids)
        )
        let config = ExporterConfig(targets: [target])
        let metrics = APIMetrics(actions: config.apiActions)
        let lines = LogLines()
        let collector = Self.collector(simulator.transport, config, metrics: metrics, lines: lines)
        _ = await collector.collect(budget: .seconds(30))
        #expect(metrics.current.errors["GetPipelineRun"]?.values.reduce(0, +) == 3, "\(metrics.current.errors)")
        let written = lines.all
        let getLines = written.filter { $0.contains("GetPipelineRun failed") }
        #expect(getLines.count == 1, "\(written)")
        #expect(getLines.first?.contains("count=3") == true, "\(getLines)")
        #expect(getLines.first?.contains("pipeline_run_ids=final-0,final-1,final-2") == true, "\(getLines)")
        #expect(written.filter { $0.contains("ListPipelineRuns failed") }.count == 1, "\(written)")
    }
}
