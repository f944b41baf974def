public import DataWorksAPI
import Foundation
public import Logging

/// Fetches every configured deployment once per scrape, within the scrape's time budget.
///
/// Concurrent scrapes share one collection (single flight), and a finished collection is reused for
/// `cacheTTL`. A deployment not fetched in time, or whose fetch failed, keeps its last good values with
/// `fetchSucceeded == false`; the collection itself never fails.
public actor Collector {
    /// What to fetch: a deployment and the API call to use.
    public struct Item: Sendable {
        /// The deployment's identity.
        public var key: DeploymentKey

        /// Creates an item.
        public init(key: DeploymentKey) { self.key = key }
    }

    /// Collection settings.
    public struct Settings: Sendable {
        /// The most API requests in flight at once.
        public var concurrency: Int
        /// The upper bound of a collection's time budget (`collector.scrape_timeout`).
        public var maxBudget: Duration
        /// Subtracted from `X-Prometheus-Scrape-Timeout-Seconds` (`collector.timeout_offset`), 0.5 s by default.
        public var timeoutOffset: Duration
        /// How long a finished collection is served again without calling the API (`collector.cache_ttl`).
        public var cacheTTL: Duration

        /// Creates settings.
        public init(
            concurrency: Int = 8,
            maxBudget: Duration = .seconds(30),
            timeoutOffset: Duration = .milliseconds(500),
            cacheTTL: Duration = .zero
        ) {
            self.concurrency = max(1, concurrency)
            self.maxBudget = maxBudget
            self.timeoutOffset = timeoutOffset
            self.cacheTTL = cacheTTL
        }
    }

    private let client: DataWorksClient
    private let items: [Item]
    private let settings: Settings
    private let logger: Logger
    private let clock = ContinuousClock()
    private var lastGood: [DeploymentKey: (deployment: Deployment, timestamp: Double)] = [:]
    private var inFlight: Task<Snapshot, Never>?
    private var cached: (snapshot: Snapshot, finished: ContinuousClock.Instant)?

    /// Creates a collector for `items`.
    public init(client: DataWorksClient, items: [Item], settings: Settings, logger: Logger) {
        self.client = client
        self.items = items
        self.settings = settings
        self.logger = logger
    }

    /// The time budget for a scrape whose Prometheus sent `X-Prometheus-Scrape-Timeout-Seconds: scrapeTimeout`:
    /// the header minus the offset, capped by ``Settings/maxBudget``; the cap alone without a header.
    public func budget(scrapeTimeout: Double?) -> Duration {
        guard let scrapeTimeout, scrapeTimeout.isFinite, scrapeTimeout > 0 else { return settings.maxBudget }
        let offered = Duration.milliseconds(Int64(scrapeTimeout * 1_000)) - settings.timeoutOffset
        return max(.milliseconds(100), min(offered, settings.maxBudget))
    }

    /// A snapshot for one scrape: the cached one while fresh, the one in flight if a collection is running,
    /// otherwise a new collection with the budget derived from `scrapeTimeout` (seconds, from the header).
    public func snapshot(scrapeTimeout: Double?) async -> Snapshot {
        if let cached, cached.finished.duration(to: clock.now) < settings.cacheTTL {
            return cached.snapshot
        }
        if let inFlight {
            return await inFlight.value
        }
        let budget = budget(scrapeTimeout: scrapeTimeout)
        let task = Task { await self.collect(budget: budget) }
        inFlight = task
        let snapshot = await task.value
        inFlight = nil
        cached = (snapshot, clock.now)
        return snapshot
    }

    /// Fetches every item, at most ``Settings/concurrency`` at once, until all are done or `budget` runs out.
    func collect(budget: Duration) async -> Snapshot {
        let started = clock.now
        let deadline = started.advanced(by: budget)
        let outcomes = await fetchAll(deadline: deadline)
        let now = Date().timeIntervalSince1970
        var samples: [DeploymentSample] = []
        samples.reserveCapacity(items.count)
        for item in items {
            switch outcomes[item.key] {
            case .success(let deployment)?:
                lastGood[item.key] = (deployment, now)
                samples.append(
                    DeploymentSample(key: item.key, deployment: deployment, lastSuccessTimestamp: now, fetchSucceeded: true)
                )
            case .failure(let error)?:
                log(error, for: item.key)
                samples.append(stale(item.key))
            case nil:
                logger.warning(
                    "deployment not fetched within the scrape budget",
                    metadata: metadata(item.key).merging(["budget_seconds": "\(budget.seconds)"]) { $1 }
                )
                samples.append(stale(item.key))
            }
        }
        return Snapshot(
            deployments: samples,
            durationSeconds: started.duration(to: clock.now).seconds,
            timeoutSeconds: budget.seconds
        )
    }

    private func stale(_ key: DeploymentKey) -> DeploymentSample {
        let last = lastGood[key]
        return DeploymentSample(
            key: key,
            deployment: last?.deployment,
            lastSuccessTimestamp: last?.timestamp,
            fetchSucceeded: false
        )
    }

    private enum Outcome: Sendable {
        case fetched(DeploymentKey, Result<Deployment, any Error>)
        case deadline
    }

    private func fetchAll(deadline: ContinuousClock.Instant) async -> [DeploymentKey: Result<Deployment, any Error>] {
        let client = self.client
        let items = self.items
        let concurrency = settings.concurrency
        guard !items.isEmpty else { return [:] }
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: ContinuousClock())
                return .deadline
            }
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let key = items[next].key
                next += 1
                group.addTask {
                    do {
                        let deployment = try await client.getDeployment(
                            regionId: key.regionId,
                            project: key.project,
                            deploymentId: key.deploymentId,
                            deadline: deadline
                        )
                        return .fetched(key, .success(deployment))
                    } catch {
                        return .fetched(key, .failure(error))
                    }
                }
            }
            for _ in 0..<min(concurrency, items.count) {
                startNext()
            }
            var results: [DeploymentKey: Result<Deployment, any Error>] = [:]
            while let outcome = await group.next() {
                switch outcome {
                case .fetched(let key, let result):
                    results[key] = result
                    if results.count == items.count {
                        group.cancelAll()
                        return results
                    }
                    startNext()
                case .deadline:
                    group.cancelAll()
                    return results
                }
            }
            return results
        }
    }

    private func metadata(_ key: DeploymentKey) -> Logger.Metadata {
        [
            "region_id": "\(key.regionId)",
            "project": "\(key.project)",
            "deployment_id": "\(key.deploymentId)",
        ]
    }

    private func log(_ error: any Error, for key: DeploymentKey) {
        var metadata = metadata(key)
        if let apiError = error as? APIError {
            metadata["code"] = "\(apiError.metricCode)"
            if let requestId = apiError.requestId {
                metadata["request_id"] = "\(requestId)"
            }
        }
        metadata["error"] = "\(error)"
        logger.warning("GetDeployment failed", metadata: metadata)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
