import DataWorksAPI
import DataWorksSimulator
import LockedValue
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
    /// 3 s: it is answered before that collection ends, with `fetch_success 0`; the collection goes on and succeeds.
    @Test func aScrapeJoiningALongerCollectionAnswersWithinItsOwnBudget() async throws {
        let fleet = CallSkipTests.fleet(2)
        let simulator = DataWorksSimulator(inMemory: fleet)
        let collector = Self.collector(simulator, ids: fleet.map(\.deploymentId), mode: .scrape)
        await simulator.inject(.delay(.seconds(3)), deploymentId: fleet[0].deploymentId, count: 1)
        let firstDone = Locked(false)
        async let first = { () async -> Snapshot in
            let snapshot = await collector.snapshot(scrapeTimeout: nil)
            firstDone.withLock { $0 = true }
            return snapshot
        }()
        try await Task.sleep(for: .milliseconds(200))
        let joined = await collector.snapshot(scrapeTimeout: 1)
        #expect(!firstDone.withLock { $0 }, "the joining scrape waited for the whole collection")
        #expect(joined.deployments.count == 2)
        #expect(joined.deployments.allSatisfy { !$0.fetchSucceeded })
        #expect(!joined.isUp)
        let shared = await first
        #expect(shared.isUp, "the shared collection was cut")
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
