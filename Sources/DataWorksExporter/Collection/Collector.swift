public import DataWorksAPI
import Foundation
import LockedValue
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
    private var state: CollectionCycle.State
    private var inFlight: Task<Snapshot, Never>?
    private var cached: (snapshot: Snapshot, finished: ContinuousClock.Instant)?
    private let waiters = SnapshotWaiters()
    private let progress = CycleProgress()
    /// The pipeline runs of the last collection, in its order, for ``provisional(budget:)``.
    private var pipelineRunKeys: [PipelineRunKey] = []

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
        self.state = CollectionCycle.State(processStart: self.wallClock())
        self.cycle = CollectionCycle(
            client: client,
            targets: targets,
            settings: settings,
            concurrency: max(1, concurrency),
            planner: Planner(settings: settings),
            logger: logger,
            apiMetrics: apiMetrics,
            rateLimiter: rateLimiter,
            progress: progress
        )
    }

    /// A snapshot for one scrape, within the scrape's own budget (derived from `scrapeTimeout`, seconds, from the
    /// header).
    ///
    /// Scrape mode: the cached one while fresh, the one in flight if a collection is running, otherwise a new
    /// collection with that budget. Interval mode: the latest collection, or the first one once it finishes. A scrape
    /// that joins a collection in flight waits for it at most its own budget; past that it gets ``provisional(budget:)``
    /// while the shared collection goes on.
    public func snapshot(scrapeTimeout: Double?) async -> Snapshot {
        let budget = settings.budget(scrapeTimeout: scrapeTimeout)
        if settings.mode == .interval {
            if let cached { return cached.snapshot }
            if let inFlight { return await join(inFlight, budget: budget) }
        }
        if let cached, cached.finished.duration(to: clock.now) < settings.cacheTTL {
            return cached.snapshot
        }
        if let inFlight {
            return await join(inFlight, budget: budget)
        }
        return await collectShared(budget: budget)
    }

    /// Waits for the collection in flight at most `budget`; the collection is not cancelled when the wait ends.
    private func join(_ task: Task<Snapshot, Never>, budget: Duration) async -> Snapshot {
        let id = waiters.register()
        let waiters = self.waiters
        let finished = await withTaskGroup(of: Snapshot?.self) { group in
            group.addTask { await waiters.wait(id) }
            group.addTask {
                try? await Task.sleep(for: budget)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        waiters.forget(id)
        return finished ?? provisional(budget: budget)
    }

    /// What is known while a collection is still in flight: every tracked deployment as the collection left it if
    /// its refresh already finished (``CycleProgress``), else with its last good values and `fetchSucceeded == false`
    /// (none yet before the first collection: "not collected yet"); the pipeline runs of the last collection with
    /// their last good values and `fetchSucceeded == false` (their calls come after the deployments'); and the
    /// release analytics of the last collection.
    func provisional(budget: Duration) -> Snapshot {
        let now = wallClock()
        let samples = cycle.trackedKeys(state).map { key in
            let finished = progress[key]
            let record = finished ?? state.records[key]
            let stale = record?.failingSince.map { now - $0 >= settings.maxStale.seconds } ?? false
            return DeploymentSample(
                key: key,
                deployment: stale ? nil : record?.deployment,
                lastSuccessTimestamp: record?.lastSuccess,
                fetchSucceeded: finished?.fetchSucceeded ?? false,
                deployedItems: stale ? [] : record?.deployedItems ?? []
            )
        }
        // As after a failed refresh, by the records' own staleness rule, the collector's state untouched.
        let pipelineRuns = pipelineRunKeys.map { key in
            state.pipelineRuns.records.failedSample(key, maxStale: settings.maxStale.seconds, now: now)
        }
        // The release analytics as the last collection left them: the counters do not vanish for this scrape.
        return Snapshot(
            deployments: samples,
            pipelineRuns: pipelineRuns,
            durationSeconds: budget.seconds,
            timeoutSeconds: budget.seconds,
            releases: state.analytics
        )
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
        waiters.finish(snapshot)
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
        pipelineRunKeys = snapshot.pipelineRuns.map(\.key)
        return snapshot
    }

    // MARK: - Reload hand-over

    /// What this collector knows of each deployment and pipeline run: last good values, failure streaks, the
    /// planner's view and the release analytics. A reload hands it to the next collector (``adopt(_:)``), so
    /// deployments and pipeline runs that stay configured keep their values and cost no extra API calls.
    func memory() -> Memory {
        Memory(
            records: state.records,
            pipelineRuns: state.pipelineRuns.records,
            releases: state.analytics,
            commitTimes: state.commitTimes
        )
    }

    /// What a collector hands to the next on reload.
    struct Memory: Sendable {
        /// The deployments' records.
        var records: DeploymentRecords
        /// The pipeline runs' records (their items are not fetched again).
        var pipelineRuns: PipelineRunRecords
        /// The release analytics: counters stay monotonic and a release counted before is not counted again.
        var releases: ReleaseAnalytics
        /// The commit times fetched for lead times, and the releases waiting for theirs.
        var commitTimes: FileCommitTimes
    }

    /// Takes over what a predecessor knew of the deployments and pipeline runs in this collector's targets'
    /// workspaces; records of workspaces no longer configured (or no longer watched for pipeline runs) are dropped,
    /// and those of deployments no longer tracked go with the first collection. The release analytics are kept whole.
    func adopt(_ memory: Memory) {
        state.records.adopt(memory.records, in: Set(cycle.targets.map(\.workspace)))
        let watched = Set(cycle.targets.filter { $0.pipelineRuns != nil }.map(\.workspace))
        state.pipelineRuns.records.adopt(memory.pipelineRuns, in: watched)
        state.analytics.adopt(memory.releases)
        state.commitTimes = memory.commitTimes
    }
}

/// Scrapes waiting for the collection in flight (``Collector/snapshot(scrapeTimeout:)``), each until it finishes or
/// the waiting task is cancelled (its scrape's budget ended); the collection itself is never cancelled by a waiter.
final class SnapshotWaiters: Sendable {
    private enum Slot {
        case registered
        case waiting(CheckedContinuation<Snapshot?, Never>)
        case finished(Snapshot)
        case cancelled
    }

    private struct State {
        var nextId = 0
        var slots: [Int: Slot] = [:]
    }

    private let state = Locked(State())

    /// A new waiter's id.
    func register() -> Int {
        state.withLock { state in
            defer { state.nextId += 1 }
            state.slots[state.nextId] = .registered
            return state.nextId
        }
    }

    /// The collection in flight finished: every waiter gets `snapshot`.
    func finish(_ snapshot: Snapshot) {
        let waiting = state.withLock { state -> [CheckedContinuation<Snapshot?, Never>] in
            var waiting: [CheckedContinuation<Snapshot?, Never>] = []
            for (id, slot) in state.slots {
                switch slot {
                case .waiting(let continuation):
                    waiting.append(continuation)
                    state.slots[id] = nil
                case .registered:
                    // Registered, not yet waiting: held until its waiter comes or forgets it.
                    state.slots[id] = .finished(snapshot)
                case .finished, .cancelled:
                    break
                }
            }
            return waiting
        }
        for continuation in waiting {
            continuation.resume(returning: snapshot)
        }
    }

    /// Waits for the end of the collection that was in flight when `id` registered: its snapshot, or `nil` when the
    /// waiting task is cancelled first.
    func wait(_ id: Int) async -> Snapshot? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Snapshot?, Never>) in
                let now = state.withLock { state -> Snapshot?? in
                    switch state.slots[id] {
                    case .finished(let snapshot):
                        state.slots[id] = nil
                        return .some(snapshot)
                    case .cancelled, nil:
                        state.slots[id] = nil
                        return .some(nil)
                    case .registered, .waiting:
                        break
                    }
                    state.slots[id] = .waiting(continuation)
                    return .none
                }
                if let now {
                    continuation.resume(returning: now)
                }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Snapshot?, Never>? in
                guard let slot = state.slots[id] else { return nil }
                if case .waiting(let continuation) = slot {
                    state.slots[id] = nil
                    return continuation
                }
                state.slots[id] = .cancelled
                return nil
            }
            waiting?.resume(returning: nil)
        }
    }

    /// Drops what is left of waiter `id`.
    func forget(_ id: Int) {
        state.withLock { _ = $0.slots.removeValue(forKey: id) }
    }
}
