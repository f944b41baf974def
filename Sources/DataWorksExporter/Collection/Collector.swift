public import DataWorksAPI
import Foundation
public import Logging

/// Collects the configured (and discovered) deployments, spending as few API calls as the ``Planner`` allows, within
/// each collection's time budget.
///
/// In scrape mode a collection runs per scrape: concurrent scrapes share one collection (single flight), and a finished
/// collection is reused for `cacheTTL`. In interval mode ``runInterval()`` collects in a loop and scrapes get the
/// latest snapshot. A deployment not fetched in time, or whose fetch failed, keeps its last good values with
/// `fetchSucceeded == false` for at most `maxStale`; the collection itself never fails.
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
        /// How long a terminal status is trusted (`collector.terminal_refresh`). Default 1 h.
        public var terminalRefresh: Duration
        /// How long last good values survive failing fetches (`collector.max_stale`). Default 10 min.
        public var maxStale: Duration
        /// Scrape or interval mode (`collector.mode`).
        public var mode: CollectionMode
        /// The period of interval mode (`collector.interval`).
        public var interval: Duration
        /// Whether refreshes may use `ListDeployments` pages (`collector.list_deployments`). Default true.
        public var usesListings: Bool

        /// Creates settings.
        public init(
            concurrency: Int = 8,
            maxBudget: Duration = .seconds(30),
            timeoutOffset: Duration = .milliseconds(500),
            cacheTTL: Duration = .zero,
            terminalRefresh: Duration = .seconds(3_600),
            maxStale: Duration = .seconds(600),
            mode: CollectionMode = .scrape,
            interval: Duration = .seconds(30),
            usesListings: Bool = true
        ) {
            self.usesListings = usesListings
            self.concurrency = max(1, concurrency)
            self.maxBudget = maxBudget
            self.timeoutOffset = timeoutOffset
            self.cacheTTL = cacheTTL
            self.terminalRefresh = terminalRefresh
            self.maxStale = maxStale
            self.mode = mode
            self.interval = interval
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

    /// What the collector remembers of one deployment.
    struct Record {
        var deployment: Deployment?
        var lastSuccess: Double?
        var checkedAt: Double = 0
        var hasDetails = false
        var fetchSucceeded = false
        /// When fetches started failing after the last success.
        var failingSince: Double?
    }

    private let client: DataWorksClient
    private let targets: [Target]
    private let settings: Settings
    private let logger: Logger
    private let apiMetrics: APIMetrics?
    private let rateLimiter: RateLimiter?
    private let wallClock: @Sendable () -> Double
    private let planner: Planner
    private let clock = ContinuousClock()
    private var records: [DeploymentKey: Record] = [:]
    private var discovered: [Int: [Int64]] = [:]
    private var listTotals: [GroupKey: (total: Int64?, ready: Int64?)] = [:]
    private var inFlight: Task<Snapshot, Never>?
    private var cached: (snapshot: Snapshot, finished: ContinuousClock.Instant)?

    struct GroupKey: Hashable {
        var regionId: String
        var project: ProjectReference
    }

    /// Creates a collector for the deployments `items`, in the order they are to be exposed.
    public init(client: DataWorksClient, items: [DeploymentKey], settings: Settings, logger: Logger) {
        var targets: [Target] = []
        for item in items {
            if let last = targets.last, last.regionId == item.regionId, last.project == item.project {
                targets[targets.count - 1].deploymentIds.append(item.deploymentId)
            } else {
                targets.append(
                    Target(regionId: item.regionId, project: item.project, deploymentIds: [item.deploymentId])
                )
            }
        }
        self.init(client: client, targets: targets, settings: settings, logger: logger)
    }

    /// Creates a collector.
    ///
    /// - Parameters:
    ///   - client: The API client.
    ///   - targets: The configured targets, in exposition order.
    ///   - settings: Budget, cache, planning and staleness settings.
    ///   - logger: Receives fetch failures.
    ///   - apiMetrics: Read before and after each collection to count its requests; `nil` to leave them out.
    ///   - rateLimiter: The client's limiter, for the paused-region check and the self-metrics; `nil` if none.
    ///   - wallClock: Seconds since the Unix epoch; the system clock by default (the benchmark speeds it up).
    public init(
        client: DataWorksClient,
        targets: [Target],
        settings: Settings,
        logger: Logger,
        apiMetrics: APIMetrics? = nil,
        rateLimiter: RateLimiter? = nil,
        wallClock: (@Sendable () -> Double)? = nil
    ) {
        self.client = client
        self.targets = targets
        self.settings = settings
        self.logger = logger
        self.apiMetrics = apiMetrics
        self.rateLimiter = rateLimiter
        self.wallClock = wallClock ?? { Date().timeIntervalSince1970 }
        self.planner = Planner(
            settings: .init(terminalRefresh: settings.terminalRefresh.seconds, usesListings: settings.usesListings)
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
        // Kept only when a later scrape may reuse it (interval mode, or scrape mode with a cache_ttl): a snapshot
        // holds its rendered deployment families (~1.4 KB per deployment) once served.
        cached = settings.mode == .interval || settings.cacheTTL > .zero ? (snapshot, clock.now) : nil
        return snapshot
    }

    /// Interval mode: collects every ``Settings/interval`` until the calling task is cancelled. Each collection's
    /// budget is ``Settings/maxBudget`` capped by the interval.
    public func runInterval() async {
        let budget = min(settings.maxBudget, settings.interval)
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

    // MARK: - Reload hand-over

    /// What this collector knows of each deployment: last good values, failure streaks and the planner's view.
    /// A reload hands it to the next collector (``adopt(_:)``), so deployments that stay configured keep their values
    /// and cost no extra API calls.
    func memory() -> [DeploymentKey: Record] {
        records
    }

    /// Takes over what a predecessor knew of the deployments in this collector's targets' workspaces; records of
    /// workspaces no longer configured are dropped, and those of deployments no longer tracked go with the first
    /// collection.
    func adopt(_ memory: [DeploymentKey: Record]) {
        let groups = Set(targets.map { GroupKey(regionId: $0.regionId, project: $0.project) })
        for (key, record) in memory where records[key] == nil {
            if groups.contains(GroupKey(regionId: key.regionId, project: key.project)) {
                records[key] = record
            }
        }
    }

    // MARK: - One collection

    /// The result of one job.
    enum JobResult: Sendable {
        case got(DeploymentKey, Result<Deployment, any Error>)
        case listed(Planner.Call, Result<(deployments: [Deployment], total: Int64?), any Error>)
        case discovered(Int, Result<(deployments: [Deployment], total: Int64?), any Error>)
        case deadline
    }

    /// One unit of work.
    enum Job: Sendable {
        case call(Planner.Call)
        case discover(Int)
    }

    /// Runs one cycle: discovery listings, then the planned calls and their follow-ups, until done or `budget` ends.
    func collect(budget: Duration) async -> Snapshot {
        let started = clock.now
        let deadline = started.advanced(by: budget)
        let before = await apiMetrics?.current.requests ?? [:]
        let now = wallClock()

        var paused: Set<String> = []
        for region in Set(targets.map(\.regionId)) {
            if await rateLimiter?.pause(of: region) != nil {
                paused.insert(region)
            }
        }
        let discoveries = targets.indices.filter {
            targets[$0].discovery != nil && !paused.contains(targets[$0].regionId)
        }
        _ = await run(jobs: discoveries.map { Job.discover($0) }, deadline: deadline, now: now)

        let groups = targets.enumerated().compactMap { index, target -> Planner.Group? in
            guard !paused.contains(target.regionId) else { return nil }
            let totals = listTotals[GroupKey(regionId: target.regionId, project: target.project)]
            // Deployments the discovery listing just refreshed need no call (unless their details are missing).
            let ids = tracked(index).filter { id in
                let record = records[
                    DeploymentKey(regionId: target.regionId, project: target.project, deploymentId: id)
                ]
                return !(record?.checkedAt == now && record?.hasDetails == true)
            }
            return Planner.Group(
                regionId: target.regionId,
                project: target.project,
                deploymentIds: ids,
                totalCount: totals?.total,
                readyCount: totals?.ready
            )
        }
        let known = records.mapValues { record in
            Planner.Known(status: record.deployment?.status, checkedAt: record.checkedAt, hasDetails: record.hasDetails)
        }
        let calls = planner.plan(groups: groups, known: known, now: now)
        let finished = await run(jobs: calls.map { Job.call($0) }, deadline: deadline, now: now)
        let neverFinished = Set(calls.flatMap(Self.keys(of:))).subtracting(finished)

        var samples: [DeploymentSample] = []
        var keys: [DeploymentKey] = []
        for (index, target) in targets.enumerated() {
            for id in tracked(index) {
                keys.append(DeploymentKey(regionId: target.regionId, project: target.project, deploymentId: id))
            }
        }
        for key in keys {
            var record = records[key] ?? Record()
            if paused.contains(key.regionId) || neverFinished.contains(key) {
                if neverFinished.contains(key) {
                    logger.warning(
                        "deployment not fetched within the scrape budget",
                        metadata: metadata(key).merging(["budget_seconds": "\(budget.seconds)"]) { $1 }
                    )
                }
                record.fetchSucceeded = false
                record.failingSince = record.failingSince ?? now
            }
            if !record.fetchSucceeded, let since = record.failingSince, now - since >= settings.maxStale.seconds {
                record.deployment = nil
            }
            records[key] = record
            samples.append(
                DeploymentSample(
                    key: key,
                    deployment: record.deployment,
                    lastSuccessTimestamp: record.lastSuccess,
                    fetchSucceeded: record.fetchSucceeded
                )
            )
        }
        // Forget deployments that are no longer tracked (aged out of discovery).
        let current = Set(keys)
        for key in records.keys where !current.contains(key) {
            records[key] = nil
        }

        let after = await apiMetrics?.current.requests ?? [:]
        var spent: [String: UInt64] = [:]
        for (action, count) in after {
            spent[action] = count - min(count, before[action] ?? 0)
        }
        var regions: [QuotaBudget.Region] = []
        for region in Set(targets.map(\.regionId)).sorted() {
            let state = await rateLimiter?.region(region)
            regions.append(
                .init(regionId: region, effectiveRate: state?.effectiveRate, paused: state?.pausedUntil != nil)
            )
        }
        return Snapshot(
            deployments: samples,
            durationSeconds: started.duration(to: clock.now).seconds,
            timeoutSeconds: budget.seconds,
            budget: QuotaBudget(requestsByAction: spent, regions: regions)
        )
    }

    /// The deployment IDs target `index` tracks now: its listed IDs, then the discovered ones not listed.
    private func tracked(_ index: Int) -> [Int64] {
        let listed = targets[index].deploymentIds
        guard let found = discovered[index] else { return listed }
        let listedSet = Set(listed)
        return listed + found.filter { !listedSet.contains($0) }
    }

    private static func keys(of call: Planner.Call) -> [DeploymentKey] {
        switch call {
        case .get(let key): [key]
        case .list(let regionId, let project, _, let covers, _):
            covers.map { DeploymentKey(regionId: regionId, project: project, deploymentId: $0) }
        }
    }

    /// Runs `jobs` and the follow-ups they cause, at most ``Settings/concurrency`` at a time, until all are done or
    /// `deadline` passes, applying each result as it arrives.
    ///
    /// - Returns: The deployments whose refresh finished (successfully or not).
    private func run(jobs: [Job], deadline: ContinuousClock.Instant, now: Double) async -> Set<DeploymentKey> {
        guard !jobs.isEmpty else { return [] }
        let client = self.client
        let concurrency = settings.concurrency
        let pageSize = planner.settings.pageSize
        let targets = self.targets
        var finished: Set<DeploymentKey> = []
        await withTaskGroup(of: JobResult.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: ContinuousClock())
                return .deadline
            }
            var queue = jobs[...]
            var running = 0
            func startNext() {
                guard let job = queue.popFirst() else { return }
                running += 1
                group.addTask {
                    await Self.execute(job, client: client, deadline: deadline, pageSize: pageSize, targets: targets)
                }
            }
            while running < concurrency, !queue.isEmpty {
                startNext()
            }
            while let result = await group.next() {
                if case .deadline = result {
                    group.cancelAll()
                    return
                }
                running -= 1
                let more = apply(result, now: now, finished: &finished)
                queue.append(contentsOf: more)
                while running < concurrency, !queue.isEmpty {
                    startNext()
                }
                if running == 0 {
                    group.cancelAll()
                    return
                }
            }
        }
        return finished
    }

    private static func execute(
        _ job: Job,
        client: DataWorksClient,
        deadline: ContinuousClock.Instant,
        pageSize: Int,
        targets: [Target]
    ) async -> JobResult {
        switch job {
        case .call(.get(let key)):
            do {
                let deployment = try await client.getDeployment(
                    regionId: key.regionId,
                    project: key.project,
                    deploymentId: key.deploymentId,
                    deadline: deadline
                )
                return .got(key, .success(deployment))
            } catch {
                return .got(key, .failure(error))
            }
        case .call(let call):
            guard case .list(let regionId, let project, let status, _, _) = call else { return .deadline }
            let result = await listAll(
                client: client,
                regionId: regionId,
                project: project,
                status: status,
                pageSize: pageSize,
                deadline: deadline
            )
            return .listed(call, result)
        case .discover(let index):
            let target = targets[index]
            let statuses = target.discovery?.statuses ?? []
            let result = await listAll(
                client: client,
                regionId: target.regionId,
                project: target.project,
                status: statuses.count == 1 ? statuses.first : nil,
                pageSize: pageSize,
                deadline: deadline
            )
            return .discovered(index, result)
        }
    }

    /// The most pages one listing walks (10,000 deployments at 100 a page).
    static let maxPages = 100

    /// Every page of one listing, sequentially.
    private static func listAll(
        client: DataWorksClient,
        regionId: String,
        project: ProjectReference,
        status: Int?,
        pageSize: Int,
        deadline: ContinuousClock.Instant
    ) async -> Result<(deployments: [Deployment], total: Int64?), any Error> {
        var deployments: [Deployment] = []
        var total: Int64?
        var page = 1
        do {
            while page <= maxPages {
                var request = ListDeploymentsRequest(pageNumber: page, pageSize: pageSize, status: status)
                switch project {
                case .id(let id): request.projectId = id
                case .identifier(let identifier): request.projectIdentifier = identifier
                }
                let answer = try await client.listDeployments(regionId: regionId, request: request, deadline: deadline)
                deployments += answer.deployments
                total = answer.totalCount ?? total
                let expected = total ?? 0
                if answer.deployments.count < pageSize || Int64(page * pageSize) >= expected {
                    break
                }
                page += 1
            }
            return .success((deployments, total))
        } catch {
            return .failure(error)
        }
    }

    /// Applies one result to the records and returns the follow-up jobs.
    private func apply(_ result: JobResult, now: Double, finished: inout Set<DeploymentKey>) -> [Job] {
        switch result {
        case .deadline:
            return []
        case .got(let key, .success(let deployment)):
            finished.insert(key)
            var record = records[key] ?? Record()
            record.deployment = deployment
            record.hasDetails = true
            succeed(&record, now: now)
            records[key] = record
            return []
        case .got(let key, .failure(let error)):
            finished.insert(key)
            fail(key, error: error, action: GetDeploymentRequest.action, now: now)
            return []
        case .listed(let call, .success(let listing)):
            guard case .list(let regionId, let project, let status, let covers, _) = call else { return [] }
            let group = GroupKey(regionId: regionId, project: project)
            var totals = listTotals[group] ?? (nil, nil)
            if status == nil { totals.total = listing.total } else if status == 0 { totals.ready = listing.total }
            listTotals[group] = totals
            let byId = Dictionary(
                listing.deployments.compactMap { item in item.id.map { ($0, item) } },
                uniquingKeysWith: { first, _ in first }
            )
            var found: Set<Int64> = []
            for id in covers {
                guard let item = byId[id] else { continue }
                let key = DeploymentKey(regionId: regionId, project: project, deploymentId: id)
                merge(item, into: key, now: now)
                finished.insert(key)
                found.insert(id)
            }
            return planner.followUps(after: call, found: found).map { Job.call($0) }
        case .listed(let call, .failure(let error)):
            guard case .list(let regionId, let project, _, let covers, _) = call else { return [] }
            for id in covers {
                let key = DeploymentKey(regionId: regionId, project: project, deploymentId: id)
                finished.insert(key)
                fail(key, error: error, action: ListDeploymentsRequest.action, now: now, quiet: true)
            }
            if !(error is RegionPausedError) {
                // One line for the listing, naming the deployments it was to refresh.
                var fields: Logger.Metadata = ["region_id": "\(regionId)", "project": "\(project)"]
                fields["deployment_ids"] = "\(covers.map(String.init).joined(separator: ","))"
                logger.warning(
                    "\(ListDeploymentsRequest.action) failed",
                    metadata: fields.merging(Self.failureMetadata(error)) { $1 }
                )
            }
            return []
        case .discovered(let index, .success(let listing)):
            let target = targets[index]
            guard let discovery = target.discovery else { return [] }
            let oldest = (now - discovery.maxAge.seconds) * 1_000
            let selected =
                listing.deployments
                .filter { item in
                    item.id != nil && (item.createTime.map { Double($0) >= oldest } ?? false)
                        && discovery.statuses.contains(item.status ?? -1)
                }
                .sorted { ($0.createTime ?? 0, $0.id ?? 0) > ($1.createTime ?? 0, $1.id ?? 0) }
                .prefix(discovery.limit)
            let ids = selected.compactMap(\.id)
            discovered[index] = ids
            for item in selected {
                guard let id = item.id else { continue }
                let key = DeploymentKey(regionId: target.regionId, project: target.project, deploymentId: id)
                merge(item, into: key, now: now)
            }
            return []
        case .discovered(let index, .failure(let error)):
            let target = targets[index]
            let fields = (["region_id": "\(target.regionId)", "project": "\(target.project)"] as Logger.Metadata)
                .merging(Self.failureMetadata(error)) { $1 }
            logger.warning(
                "ListDeployments for discovery failed; keeping the deployments found before",
                metadata: fields
            )
            return []
        }
    }

    /// Updates a record from a `ListDeployments` item, keeping what items do not carry (environments, CheckingStatus).
    private func merge(_ item: Deployment, into key: DeploymentKey, now: Double) {
        var record = records[key] ?? Record()
        var deployment = record.deployment ?? Deployment()
        deployment.name = item.name ?? deployment.name
        deployment.status = item.status
        deployment.creatorId = item.creatorId ?? deployment.creatorId
        deployment.handlerId = item.handlerId ?? deployment.handlerId
        deployment.createTime = item.createTime ?? deployment.createTime
        deployment.executeTime = item.executeTime ?? deployment.executeTime
        deployment.errorMessage = item.errorMessage
        record.deployment = deployment
        succeed(&record, now: now)
        records[key] = record
    }

    private func succeed(_ record: inout Record, now: Double) {
        record.lastSuccess = now
        record.checkedAt = now
        record.fetchSucceeded = true
        record.failingSince = nil
    }

    private func fail(_ key: DeploymentKey, error: any Error, action: String, now: Double, quiet: Bool = false) {
        var record = records[key] ?? Record()
        record.fetchSucceeded = false
        record.failingSince = record.failingSince ?? now
        records[key] = record
        if !quiet, !(error is RegionPausedError) {
            log(error, for: key, action: action)
        }
    }

    private func metadata(_ key: DeploymentKey) -> Logger.Metadata {
        [
            "region_id": "\(key.regionId)",
            "project": "\(key.project)",
            "deployment_id": "\(key.deploymentId)",
        ]
    }

    private func log(_ error: any Error, for key: DeploymentKey, action: String) {
        logger.warning("\(action) failed", metadata: metadata(key).merging(Self.failureMetadata(error)) { $1 })
    }

    /// The fields of a failure's log line: `code` (the API error code or client class, as in
    /// `dataworks_api_errors_total`), `request_id` and `http_status` when the answer had them, and `error`.
    static func failureMetadata(_ error: any Error) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let apiError = error as? APIError {
            metadata["code"] = "\(apiError.metricCode)"
            if let requestId = apiError.requestId {
                metadata["request_id"] = "\(requestId)"
            }
            if let status = apiError.httpStatus {
                metadata["http_status"] = "\(status)"
            }
        }
        metadata["error"] = "\(error)"
        return metadata
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
