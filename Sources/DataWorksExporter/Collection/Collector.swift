public import DataWorksAPI
import Foundation
public import Logging

/// Fetches every configured deployment once per scrape, within the scrape's time budget.
///
/// Concurrent scrapes share one collection (single flight), and a finished collection is reused for
/// `cacheTTL`. A deployment not fetched in time, or whose fetch failed, keeps its last good values with
/// `fetchSucceeded == false`; the collection itself never fails.
public actor Collector {
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

        /// The time budget for a scrape whose Prometheus sent `X-Prometheus-Scrape-Timeout-Seconds: scrapeTimeout`:
        /// the header minus ``timeoutOffset``, capped by ``maxBudget``, and at least 100 ms; ``maxBudget`` alone
        /// without a usable header.
        public func budget(scrapeTimeout: Double?) -> Duration {
            guard let scrapeTimeout, scrapeTimeout.isFinite, scrapeTimeout > 0 else { return maxBudget }
            let offered = Duration.milliseconds(Int64((scrapeTimeout * 1_000).rounded())) - timeoutOffset
            return max(.milliseconds(100), min(offered, maxBudget))
        }
    }

    private let client: DataWorksClient
    private let items: [DeploymentKey]
    private let settings: Settings
    private let logger: Logger
    private let clock = ContinuousClock()
    private var lastGood: [DeploymentKey: (deployment: Deployment, timestamp: Double)] = [:]
    private var inFlight: Task<Snapshot, Never>?
    private var cached: (snapshot: Snapshot, finished: ContinuousClock.Instant)?

    /// Creates a collector for the deployments `items`, in the order they are to be exposed.
    public init(client: DataWorksClient, items: [DeploymentKey], settings: Settings, logger: Logger) {
        self.client = client
        self.items = items
        self.settings = settings
        self.logger = logger
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
        let budget = settings.budget(scrapeTimeout: scrapeTimeout)
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
        for key in items {
            switch outcomes[key] {
            case .success(let deployment)?:
                lastGood[key] = (deployment, now)
                samples.append(
                    DeploymentSample(key: key, deployment: deployment, lastSuccessTimestamp: now, fetchSucceeded: true)
                )
            case .failure(let error)?:
                log(error, for: key)
                samples.append(stale(key))
            case nil:
                logger.warning(
                    "deployment not fetched within the scrape budget",
                    metadata: metadata(key).merging(["budget_seconds": "\(budget.seconds)"]) { $1 }
                )
                samples.append(stale(key))
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
                let key = items[next]
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
