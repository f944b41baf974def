public import DataWorksAPI
import Foundation
public import Logging

/// Schedules the collections of the configured (and discovered) deployments: each one a ``CollectionCycle`` that
/// spends as few API calls as the ``Planner`` allows, within its time budget.
///
/// In scrape mode a collection runs per scrape: concurrent scrapes share one collection (single flight), and a finished
/// collection is reused for `cacheTTL`. In interval mode ``runInterval()`` collects in a loop and scrapes get the
/// latest snapshot. A deployment not fetched in time, or whose fetch failed, keeps its last good values with
/// `fetchSucceeded == false` for at most `maxStale`; the collection itself never fails.
public actor Collector {
    private let cycle: CollectionCycle
    private let settings: CollectorSettings
    private let wallClock: @Sendable () -> Double
    private let clock = ContinuousClock()
    private var state = CollectionCycle.State()
    private var inFlight: Task<Snapshot, Never>?
    private var cached: (snapshot: Snapshot, finished: ContinuousClock.Instant)?

    /// Creates a collector.
    ///
    /// - Parameters:
    ///   - client: The API client.
    ///   - targets: The configured targets, in exposition order.
    ///   - settings: Budget, cache, planning and staleness settings (`collector:`).
    ///   - concurrency: The most API requests in flight at once (`dataworks.concurrency`); at least 1.
    ///   - logger: Receives fetch failures.
    ///   - apiMetrics: The exporter's counters; their actions are written with 0 in every collection's own request
    ///     counts (a collection counts its calls itself, not those of probes sharing the client).
    ///   - rateLimiter: The client's limiter, for the paused-region check and the self-metrics; `nil` if none.
    ///   - wallClock: Seconds since the Unix epoch; the system clock by default (the benchmark speeds it up).
    public init(
        client: DataWorksClient,
        targets: [Target],
        settings: CollectorSettings,
        concurrency: Int = DataWorksSettings().concurrency,
        logger: Logger,
        apiMetrics: APIMetrics? = nil,
        rateLimiter: RateLimiter? = nil,
        wallClock: (@Sendable () -> Double)? = nil
    ) {
        self.settings = settings
        self.wallClock = wallClock ?? { Date().timeIntervalSince1970 }
        self.cycle = CollectionCycle(
            client: client,
            targets: targets,
            settings: settings,
            concurrency: max(1, concurrency),
            planner: Planner(settings: settings),
            logger: logger,
            apiMetrics: apiMetrics,
            rateLimiter: rateLimiter
        )
    }

    /// A snapshot for one scrape.
    ///
    /// Scrape mode: the cached one while fresh, the one in flight if a collection is running, otherwise a new
    /// collection with the budget derived from `scrapeTimeout` (seconds, from the header). Interval mode: the latest
    /// collection, or the first one once it finishes.
    public func snapshot(scrapeTimeout: Double?) async -> Snapshot {
        if settings.mode == .interval {
            if let cached { return cached.snapshot }
            if let inFlight { return await inFlight.value }
        }
        if let cached, cached.finished.duration(to: clock.now) < settings.cacheTTL {
            return cached.snapshot
        }
        if let inFlight {
            return await inFlight.value
        }
        return await collectShared(budget: settings.budget(scrapeTimeout: scrapeTimeout))
    }

    private func collectShared(budget: Duration) async -> Snapshot {
        let task = Task { await self.collect(budget: budget) }
        inFlight = task
        let snapshot = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        inFlight = nil
        // Kept only when a later scrape may reuse it (interval mode, or scrape mode with a cache_ttl).
        cached = settings.reusesSnapshots ? (snapshot, clock.now) : nil
        return snapshot
    }

    /// Interval mode: collects every ``CollectorSettings/interval`` until the calling task is cancelled. Each
    /// collection's budget is ``CollectorSettings/scrapeTimeout`` capped by the interval.
    public func runInterval() async {
        let budget = min(settings.scrapeTimeout, settings.interval)
        var next = clock.now
        while !Task.isCancelled {
            if let inFlight {
                _ = await inFlight.value
            } else {
                _ = await collectShared(budget: budget)
            }
            next = next.advanced(by: settings.interval)
            if next < clock.now {
                next = clock.now
            }
            do {
                try await Task.sleep(until: next, clock: clock)
            } catch {
                return
            }
        }
    }

    /// Runs one collection cycle now, within `budget`. Callers go through ``snapshot(scrapeTimeout:)`` (single
    /// flight); only one cycle runs at a time.
    func collect(budget: Duration) async -> Snapshot {
        var state = self.state
        let snapshot = await cycle.run(&state, budget: budget, now: wallClock())
        self.state = state
        return snapshot
    }

    // MARK: - Reload hand-over

    /// What this collector knows of each deployment: last good values, failure streaks and the planner's view.
    /// A reload hands it to the next collector (``adopt(_:)``), so deployments that stay configured keep their values
    /// and cost no extra API calls.
    func memory() -> DeploymentRecords {
        state.records
    }

    /// Takes over what a predecessor knew of the deployments in this collector's targets' workspaces; records of
    /// workspaces no longer configured are dropped, and those of deployments no longer tracked go with the first
    /// collection.
    func adopt(_ memory: DeploymentRecords) {
        state.records.adopt(memory, in: Set(cycle.targets.map(\.workspace)))
    }

    /// What this collector knows of its pipeline runs, for the next collector on reload (``adopt(pipelineRuns:)``).
    func pipelineRunMemory() -> PipelineRunRecords {
        state.pipelineRuns.records
    }

    /// Takes over a predecessor's pipeline-run records of the workspaces still watched (their items are not
    /// fetched again).
    func adopt(pipelineRuns memory: PipelineRunRecords) {
        let watched = Set(cycle.targets.filter { $0.pipelineRuns != nil }.map(\.workspace))
        state.pipelineRuns.records.adopt(memory, in: watched)
    }
}
