import DataWorksAPI
import DataWorksSimulator
import Foundation
import Logging
import Testing

@testable import DataWorksExporter

/// Issue 15, items 2 and 4: every scrape answers within its own budget, even when it joins a collection with a
/// longer one, or arrives before interval mode's first collection; the shared collection goes on.
@Suite struct ScrapeBudgetTests {
    static func collector(_ simulator: DataWorksSimulator, ids: [Int64], mode: CollectionMode) -> Collector {
        CallSkipTests.collector(simulator, ids: ids, metrics: APIMetrics(), limiter: nil, concurrency: 4, mode: mode)
    }

    /// Item 2: a scrape with a 1 s header joins a collection started without one (30 s budget) whose call takes
    /// 3 s: it is answered before that collection ends, with what the collection had by then (the deployment that
    /// answered at once, fresh) and `fetch_success 0` for the one in flight; the collection goes on and succeeds.
    @Test func aScrapeJoiningALongerCollectionAnswersWithinItsOwnBudget() async throws {
        let fleet = CallSkipTests.fleet(2)
        let simulator = DataWorksSimulator(inMemory: fleet)
        let collector = Self.collector(simulator, ids: fleet.map(\.deploymentId), mode: .scrape)
        await simulator.inject(.delay(.seconds(3)), deploymentId: fleet[0].deploymentId, count: 1)
        async let first = collector.snapshot(scrapeTimeout: nil)
        try await Task.sleep(for: .milliseconds(200))
        let joined = await collector.snapshot(scrapeTimeout: 1)
        #expect(joined.deployments.map(\.key.deploymentId) == fleet.map(\.deploymentId))
        let inFlight = try #require(joined.deployments.first)
        #expect(!inFlight.fetchSucceeded && inFlight.deployment == nil, "\(inFlight)")
        let answered = try #require(joined.deployments.last)
        #expect(answered.fetchSucceeded, "the joining scrape did not get the answer that was in: \(answered)")
        #expect(answered.deployment?.name == fleet[1].name)
        #expect(answered.lastSuccessTimestamp != nil)
        #expect(!joined.isUp)
        let shared = await first
        #expect(shared.isUp, "the shared collection was cut")
        // Its own answer, within its own budget: not the shared collection's snapshot, which it would get had it
        // waited for the collection (a check on which of the two scrapes returned first races with their resumption).
        #expect(joined.id != shared.id, "the joining scrape waited for the whole collection")
        #expect(joined.timeoutSeconds < 1, "\(joined.timeoutSeconds)")
    }

    /// Item 2: the pipeline runs (collected after the deployments) keep their series in a scrape that ends before the
    /// shared collection: their last good values with `fetch_success 0`, not nothing.
    @Test func aScrapeJoiningALongerCollectionKeepsThePipelineRuns() async throws {
        // Ready deployments: asked again on the second collection.
        let fleet = NotFoundTests.readyFleet()
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = DataWorksSimulator(
            inMemory: fleet,
            pipelineRuns: [PipelineRunCollectionTests.finalRun(0, now: nowMs)]
        )
        let targets = [
            Target(regionId: "cn-zhangjiakou", project: .id(10000), deploymentIds: fleet.map(\.deploymentId)),
            Target(
                regionId: "cn-shanghai",
                projectId: PipelineRunCollectionTests.projectId,
                pipelineRuns: PipelineRunWatch(pipelineRunIds: ["final-0"])
            ),
        ]
        let metrics = APIMetrics()
        let collector = Collector(
            client: CallSkipTests.client(simulator.transport, metrics: metrics, limiter: nil),
            targets: targets,
            settings: CollectorSettings(listDeployments: false),
            concurrency: 4,
            logger: CallSkipTests.logger,
            apiMetrics: metrics
        )
        let before = await collector.snapshot(scrapeTimeout: nil)
        #expect(before.isUp)
        #expect(before.pipelineRuns.map(\.key.pipelineRunId) == ["final-0"])

        await simulator.inject(.delay(.seconds(3)), deploymentId: fleet[0].deploymentId, count: 1)
        async let shared = collector.snapshot(scrapeTimeout: nil)
        try await Task.sleep(for: .milliseconds(200))
        let joined = await collector.snapshot(scrapeTimeout: 1)
        let run = try #require(joined.pipelineRuns.first, "the joining scrape lost the pipeline runs")
        #expect(joined.pipelineRuns.count == 1)
        #expect(run.key.pipelineRunId == "final-0")
        #expect(!run.fetchSucceeded)
        #expect(run.run?.status == before.pipelineRuns.first?.run?.status)
        #expect(run.lastSuccessTimestamp == before.pipelineRuns.first?.lastSuccessTimestamp)
        #expect(await shared.isUp)
    }

    /// Item 4: interval mode's first scrape, during a first collection longer than its budget, is answered within
    /// its budget with the deployments not collected yet.
    @Test func intervalModesFirstScrapeAnswersWithinItsBudget() async throws {
        let fleet = CallSkipTests.fleet(1)
        let simulator = DataWorksSimulator(inMemory: fleet)
        let collector = Self.collector(simulator, ids: fleet.map(\.deploymentId), mode: .interval)
        await simulator.inject(.delay(.seconds(5)), deploymentId: fleet[0].deploymentId, count: 1)
        let loop = Task { await collector.runInterval() }
        defer { loop.cancel() }
        try await Task.sleep(for: .milliseconds(200))
        // The collection's call takes 5 s; the scrape's budget is 0.5 s: it gets no values (the first collection
        // would have brought them).
        let early = await collector.snapshot(scrapeTimeout: 1)
        #expect(early.deployments.count == 1)
        #expect(early.deployments.first?.fetchSucceeded == false)
        #expect(early.deployments.first?.deployment == nil)
        // Once the first collection is in, scrapes get it.
        var later = early
        for _ in 0..<60 where !later.isUp {
            try await Task.sleep(for: .milliseconds(500))
            later = await collector.snapshot(scrapeTimeout: 1)
        }
        #expect(later.isUp)
    }
}
