import DataWorksAPI
import LockedValue
import Logging

/// One collection: the discovery listings, then the ``Planner``'s calls and their follow-ups, at most `concurrency`
/// at a time within the budget, each result applied to the ``State`` as it arrives; then every tracked deployment's
/// sample, aged by `max_stale`.
struct CollectionCycle: Sendable {
    /// What a collector carries from one cycle to the next.
    struct State: Sendable {
        /// The deployments' last good values and failure streaks.
        var records = DeploymentRecords()
        /// The deployment IDs each target's discovery found last, by target index.
        var discovered: [Int: [Int64]] = [:]
        /// `TotalCount` of the last listings of each workspace: unfiltered, and `Status=0`.
        var listTotals: [Workspace: (total: Int64?, ready: Int64?)] = [:]
        /// This cycle's failures by cause, logged once per cause at its end.
        var failures = FailureSummary()
        /// The pipeline runs of the 2024-05-18 targets.
        var pipelineRuns = PipelineRunCycle.State()
        /// The releases seen reaching a final status (`dataworks_release*`).
        var analytics: ReleaseAnalytics
        /// Commit times of file versions, and the releases whose lead time waits for them (`release_lead_time`).
        var commitTimes = FileCommitTimes()

        /// Creates an empty state for a process started at `processStart` (seconds since the Unix epoch).
        init(processStart: Double) {
            analytics = ReleaseAnalytics(processStart: processStart)
        }
    }

    let client: DataWorksClient
    let targets: [Target]
    let settings: CollectorSettings
    let concurrency: Int
    let planner: Planner
    let logger: Logger
    let apiMetrics: APIMetrics?
    let rateLimiter: RateLimiter?
    /// Receives each deployment's record as its refresh finishes, for scrapes that end before the cycle does.
    var progress: CycleProgress?

    /// The result of one job.
    enum JobResult: Sendable {
        case got(DeploymentKey, Result<GetDeploymentResponse, any Error>)
        case listed(Planner.Listing, Result<DeploymentListing, any Error>)
        case discovered(Int, Result<DeploymentListing, any Error>)
        case deadline
    }

    /// One unit of work.
    enum Job: Sendable {
        case call(Planner.Call)
        case discover(Int)

        /// The API action of the job's first call.
        var action: String {
            switch self {
            case .call(.get): GetDeploymentRequest.action
            case .call(.list), .discover: ListDeploymentsRequest.action
            }
        }
    }

    /// Runs one cycle at `now` (seconds since the Unix epoch) within `budget`, updating `state`.
    func run(_ state: inout State, budget: Duration, now: Double) async -> Snapshot {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: budget)
        // This cycle's own calls, not those of probes or other work sharing the client.
        let counter = RequestCounter(actions: apiMetrics?.current.requests.keys.map { $0 } ?? [])
        let client = self.client.observed(by: counter)
        state.failures = FailureSummary()
        defer { state.failures = FailureSummary() }
        progress?.begin()

        var paused: Set<String> = []
        for region in Set(targets.map(\.regionId)) {
            if rateLimiter?.pause(of: region) != nil {
                paused.insert(region)
            }
        }
        let discoveries = targets.indices.filter { targets[$0].discovery != nil }
        let (heldDiscoveries, sentDiscoveries) = discoveries.partitioned { paused.contains(targets[$0].regionId) }
        _ = await run(
            jobs: sentDiscoveries.map { Job.discover($0) },
            client: client,
            state: &state,
            deadline: deadline,
            now: now
        )

        let groups = targets.enumerated().map { index, target -> Planner.Group in
            let totals = state.listTotals[target.workspace]
            // Deployments the discovery listing just refreshed need no call (unless their details are missing).
            let ids = tracked(index, state).filter { id in
                let record = state.records[target.workspace.key(id)]
                return !(record?.checkedAt == now && record?.hasDetails == true)
            }
            return Planner.Group(
                workspace: target.workspace,
                deploymentIds: ids,
                totalCount: totals?.total,
                readyCount: totals?.ready
            )
        }
        let (heldGroups, sentGroups) = groups.partitioned { paused.contains($0.workspace.regionId) }
        // Calls the quota pause holds back are never sent: counted as skipped, not as requests or errors.
        let held =
            heldDiscoveries.map { Job.discover($0) }
            + planner.plan(groups: heldGroups, known: state.records.known, now: now).map { Job.call($0) }
        for job in held {
            apiMetrics?.callSkipped(action: job.action, reason: .regionPaused)
        }
        let calls = planner.plan(groups: sentGroups, known: state.records.known, now: now)
        let finished = await run(
            jobs: calls.map { Job.call($0) },
            client: client,
            state: &state,
            deadline: deadline,
            now: now
        )
        let neverFinished = Set(calls.flatMap(\.keys)).subtracting(finished)

        let keys = trackedKeys(state)
        var samples: [DeploymentSample] = []
        samples.reserveCapacity(keys.count)
        for key in keys {
            if neverFinished.contains(key) {
                state.failures.add(
                    "deployment not fetched within the scrape budget",
                    code: "budget",
                    metadata: [
                        "region_id": "\(key.regionId)", "project": "\(key.project)",
                        "budget_seconds": "\(budget.seconds)",
                    ],
                    deploymentIds: [key.deploymentId]
                )
            }
            if paused.contains(key.regionId) || neverFinished.contains(key) {
                state.records.fail(key, now: now)
            }
            samples.append(state.records.age(key, maxStale: settings.maxStale.seconds, now: now))
        }
        state.records.keep(only: Set(keys))
        observeReleases(keys, in: &state, now: now)
        if settings.releaseLeadTime {
            await fetchCommitTimes(&state, client: client, deadline: deadline, now: now)
        }
        state.failures.log(to: logger)

        let pipelineRuns = await PipelineRunCycle(
            client: client,
            targets: targets,
            settings: settings,
            planner: PipelineRunPlanner(settings: settings),
            logger: logger
        ).run(&state.pipelineRuns, client: client, paused: paused, deadline: deadline, now: now)
        observePipelineRunReleases(in: &state, now: now)

        let spent = counter.requests
        var regions: [QuotaBudget.Region] = []
        for region in Set(targets.map(\.regionId)).sorted() {
            let limit = rateLimiter?.region(region)
            regions.append(
                .init(regionId: region, effectiveRate: limit?.effectiveRate, paused: limit?.pausedUntil != nil)
            )
        }
        return Snapshot(
            deployments: samples,
            pipelineRuns: pipelineRuns,
            durationSeconds: started.duration(to: clock.now).seconds,
            timeoutSeconds: budget.seconds,
            budget: QuotaBudget(requestsByAction: spent, regions: regions),
            releases: state.analytics
        )
    }

    /// The `to_environment` labels of deployment packages and their final statuses, pre-set at zero per workspace.
    static let presetEnvironments = ["development", "production"]
    static let presetStatuses = DeploymentStatus.known.filter(\.isTerminal).map(\.name)

    /// Feeds the release analytics with every tracked deployment whose details are known: pre-sets each configured
    /// workspace's zero series, then counts the releases first seen final.
    private func observeReleases(_ keys: [DeploymentKey], in state: inout State, now: Double) {
        state.analytics.leadTimeEnabled = settings.releaseLeadTime
        // Zero series for the workspaces of deployment packages only: a 2024-05-18 target has pipeline runs.
        for workspace in Set(targets.filter { $0.apiVersion == .v2020_05_18 }.map(\.workspace)) {
            state.analytics.preset(
                workspace,
                kind: .deployment,
                environments: Self.presetEnvironments,
                statuses: Self.presetStatuses,
                now: now
            )
        }
        for key in keys {
            // A listing item lacks ToEnvironment: wait for a GetDeployment answer (the planner asks for one).
            guard let record = state.records[key], let deployment = record.deployment,
                record.hasDetails || deployment.toEnvironment != nil,
                let observation = ReleaseAnalytics.observation(of: key, deployment: deployment)
            else { continue }
            let counted = state.analytics.observe(observation, now: now)
            if counted, settings.releaseLeadTime, deployment.status == .success, let executedAt = observation.finishedAt
            {
                let files = record.deployedItems.compactMap { item -> FileCommitTimes.Key? in
                    guard let fileId = item.fileId, let version = item.fileVersion else { return nil }
                    return FileCommitTimes.Key(workspace: key.workspace, fileId: fileId, fileVersion: version)
                }
                if !files.isEmpty {
                    state.commitTimes.pending.append(
                        .init(series: observation.series, files: files, executedAt: executedAt)
                    )
                }
            }
        }
    }

    /// The `to_environment` labels and final statuses of pipeline runs, pre-set at zero per watched workspace: a
    /// same-workspace run deploys to development or production (its last `Deploy` stage), a cross-project run names
    /// no environment (`unknown`) and has no `Cancel` status (api-notes §6.2.3).
    static let pipelineRunPresets: [(kind: ReleaseKind, environments: [String], statuses: [String])] = [
        (.pipelineRun, ["development", "production"], ["success", "fail", "termination", "cancel"]),
        (.crossProject, ["unknown"], ["success", "fail", "termination"]),
    ]

    /// Feeds the release analytics with the pipeline runs first seen final this cycle (``PipelineRunRecords/newlyFinal``,
    /// tracked runs only): pre-sets each watched workspace's zero series, then counts them; a run counted before (a
    /// re-listed one, or one handed over on reload) is not counted again.
    private func observePipelineRunReleases(in state: inout State, now: Double) {
        for target in targets {
            guard let watch = target.pipelineRuns else { continue }
            for preset in Self.pipelineRunPresets where preset.kind == .pipelineRun || watch.crossProject != nil {
                state.analytics.preset(
                    target.workspace,
                    kind: preset.kind,
                    environments: preset.environments,
                    statuses: preset.statuses,
                    now: now
                )
            }
        }
        for key in state.pipelineRuns.records.takeNewlyFinal() {
            guard let run = state.pipelineRuns.records[key]?.run,
                let observation = ReleaseAnalytics.observation(of: key, run: run)
            else { continue }
            state.analytics.observe(observation, now: now)
        }
    }

    /// Fetches the commit times (`GetFileVersion`) the pending releases lack, at most `concurrency` at a time within
    /// the deadline, and adds the lead time of every release whose files are all known.
    private func fetchCommitTimes(
        _ state: inout State,
        client: DataWorksClient,
        deadline: ContinuousClock.Instant,
        now: Double
    ) async {
        let missing = state.commitTimes.missing
        if !missing.isEmpty {
            let concurrency = self.concurrency
            let fetched = await withTaskGroup(of: (FileCommitTimes.Key, Result<Double?, any Error>).self) { group in
                var queue = missing[...]
                var results: [(FileCommitTimes.Key, Result<Double?, any Error>)] = []
                func startNext() {
                    guard let key = queue.popFirst() else { return }
                    group.addTask {
                        do {
                            let version = try await client.getFileVersion(
                                regionId: key.workspace.regionId,
                                request: GetFileVersionRequest(
                                    project: key.workspace.project,
                                    fileId: key.fileId,
                                    fileVersion: key.fileVersion
                                ),
                                deadline: deadline
                            )
                            return (key, .success(version.commitTime.map { Double($0) / 1_000 }))
                        } catch {
                            return (key, .failure(error))
                        }
                    }
                }
                for _ in 0..<concurrency { startNext() }
                while let result = await group.next() {
                    results.append(result)
                    startNext()
                }
                return results
            }
            var failures = FailureSummary()
            for (key, result) in fetched {
                switch result {
                case .success(let commitTime?):
                    state.commitTimes.insert(key, commitTime: commitTime)
                case .success(nil):
                    break
                case .failure(let error):
                    guard !(error is RegionPausedError), !(error is CancellationError) else { continue }
                    var fields = Self.failureMetadata(error)
                    fields["region_id"] = "\(key.workspace.regionId)"
                    fields["project"] = "\(key.workspace.project)"
                    fields["file_id"] = "\(key.fileId)"
                    fields["file_version"] = "\(key.fileVersion)"
                    failures.add(
                        "\(GetFileVersionRequest.operation.action) failed",
                        code: Self.cause(of: error),
                        metadata: fields,
                        deploymentIds: []
                    )
                }
            }
            // One line per cause, with the first failure's file.
            failures.log(to: logger)
        }
        for (series, seconds) in state.commitTimes.resolve() {
            state.analytics.observeLeadTime(series, seconds: seconds, now: now)
        }
    }

    /// Every deployment the targets track now, in configuration order.
    func trackedKeys(_ state: State) -> [DeploymentKey] {
        var keys: [DeploymentKey] = []
        for (index, target) in targets.enumerated() {
            keys += tracked(index, state).map(target.workspace.key)
        }
        return keys
    }

    /// The deployment IDs target `index` tracks now: its listed IDs, then the discovered ones not listed.
    private func tracked(_ index: Int, _ state: State) -> [Int64] {
        let listed = targets[index].deploymentIds
        guard let found = state.discovered[index] else { return listed }
        let listedSet = Set(listed)
        return listed + found.filter { !listedSet.contains($0) }
    }

    /// Runs `jobs` and the follow-ups they cause, at most `concurrency` at a time, until all are done or `deadline`
    /// passes, applying each result to `state` as it arrives.
    ///
    /// - Returns: The deployments whose refresh finished (successfully or not).
    private func run(
        jobs: [Job],
        client: DataWorksClient,
        state: inout State,
        deadline: ContinuousClock.Instant,
        now: Double
    ) async -> Set<DeploymentKey> {
        guard !jobs.isEmpty else { return [] }
        let pageSize = planner.pageSize
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
                    // Calls never started: the budget ran out first.
                    for job in queue {
                        apiMetrics?.callSkipped(action: job.action, reason: .budget)
                    }
                    return
                }
                running -= 1
                queue.append(contentsOf: apply(result, to: &state, now: now, finished: &finished))
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
                var request = GetDeploymentRequest(deploymentId: key.deploymentId)
                switch key.project {
                case .id(let id): request.projectId = id
                case .identifier(let identifier): request.projectIdentifier = identifier
                }
                let answer = try await client.getDeploymentWithItems(
                    regionId: key.regionId,
                    request: request,
                    deadline: deadline
                )
                return .got(key, .success(answer))
            } catch {
                return .got(key, .failure(error))
            }
        case .call(.list(let listing)):
            let result = await listAll(
                client: client,
                workspace: listing.workspace,
                status: listing.status,
                pageSize: pageSize,
                deadline: deadline
            )
            return .listed(listing, result)
        case .discover(let index):
            let target = targets[index]
            let result = await listAll(
                client: client,
                workspace: target.workspace,
                status: target.discovery.flatMap(Planner.listingStatus(of:)),
                pageSize: pageSize,
                deadline: deadline
            )
            return .discovered(index, result)
        }
    }

    private static func listAll(
        client: DataWorksClient,
        workspace: Workspace,
        status: DeploymentStatus?,
        pageSize: Int,
        deadline: ContinuousClock.Instant
    ) async -> Result<DeploymentListing, any Error> {
        do {
            return .success(
                try await client.listAllDeployments(
                    in: workspace,
                    status: status,
                    pageSize: pageSize,
                    deadline: deadline
                )
            )
        } catch {
            return .failure(error)
        }
    }

    /// Ends the refresh of `key` in this cycle: applies `change` to the records, marks `key` finished and publishes
    /// its record to the scrapes that join the collection (``CycleProgress``). The one place where a refresh ends, so
    /// that no finished refresh goes unpublished.
    private func finish(
        _ key: DeploymentKey,
        in state: inout State,
        finished: inout Set<DeploymentKey>,
        _ change: (inout DeploymentRecords) -> Void
    ) {
        change(&state.records)
        finished.insert(key)
        progress?.publish(key, state.records[key])
    }

    /// Applies one result to `state` and returns the follow-up jobs.
    private func apply(
        _ result: JobResult,
        to state: inout State,
        now: Double,
        finished: inout Set<DeploymentKey>
    ) -> [Job] {
        switch result {
        case .deadline:
            return []
        case .got(let key, .success(let answer)):
            finish(key, in: &state, finished: &finished) {
                $0.succeed(key, with: answer.deployment, items: answer.deployedItems, now: now)
            }
            return []
        case .got(let key, .failure(let error)):
            let notFound = Self.isNotFound(error)
            finish(key, in: &state, finished: &finished) { records in
                if notFound { records.notFound(key, now: now) } else { records.fail(key, now: now) }
            }
            if notFound {
                // Final: its series go now; a discovered one leaves the watch list.
                for (index, target) in targets.enumerated() where target.workspace == key.workspace {
                    state.discovered[index]?.removeAll { $0 == key.deploymentId }
                }
            }
            if !(error is RegionPausedError) {
                var fields = Self.failureMetadata(error)
                fields["region_id"] = "\(key.regionId)"
                fields["project"] = "\(key.project)"
                state.failures.add(
                    "\(GetDeploymentRequest.action) failed",
                    code: Self.cause(of: error),
                    metadata: fields,
                    deploymentIds: [key.deploymentId]
                )
            }
            return []
        case .listed(let listing, .success(let answer)):
            var totals = state.listTotals[listing.workspace] ?? (nil, nil)
            if listing.status == nil {
                totals.total = answer.totalCount
            } else if listing.status == .ready {
                totals.ready = answer.totalCount
            }
            state.listTotals[listing.workspace] = totals
            let byId = Dictionary(
                answer.deployments.compactMap { item in item.id.map { ($0, item) } },
                uniquingKeysWith: { first, _ in first }
            )
            var found: Set<Int64> = []
            for id in listing.covers {
                guard let item = byId[id] else { continue }
                let key = listing.workspace.key(id)
                finish(key, in: &state, finished: &finished) { $0.merge(item, into: key, now: now) }
                found.insert(id)
            }
            return planner.followUps(after: .list(listing), found: found).map { Job.call($0) }
        case .listed(let listing, .failure(let error)):
            for key in listing.coveredKeys {
                finish(key, in: &state, finished: &finished) { $0.fail(key, now: now) }
            }
            if !(error is RegionPausedError) {
                // One line for the listing, naming the deployments it was to refresh.
                var fields: Logger.Metadata = [
                    "region_id": "\(listing.workspace.regionId)", "project": "\(listing.workspace.project)",
                ]
                fields["deployment_ids"] = "\(listing.covers.map(String.init).joined(separator: ","))"
                logger.warning(
                    "\(ListDeploymentsRequest.action) failed",
                    metadata: fields.merging(Self.failureMetadata(error)) { $1 }
                )
            }
            return []
        case .discovered(let index, .success(let answer)):
            let target = targets[index]
            guard let discovery = target.discovery else { return [] }
            let selected = Planner.select(answer.deployments, by: discovery, now: now)
            state.discovered[index] = selected.compactMap(\.id)
            for item in selected {
                guard let id = item.id else { continue }
                state.records.merge(item, into: target.workspace.key(id), now: now)
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

    static func metadata(_ key: DeploymentKey) -> Logger.Metadata {
        [
            "region_id": "\(key.regionId)",
            "project": "\(key.project)",
            "deployment_id": "\(key.deploymentId)",
        ]
    }

    /// The API codes that say a deployment does not exist (400 or 404).
    static let notFoundCodes: Set<String> = ["Invalid.Deployment.NotExists", "Invalid.Deployment.NotFound"]

    /// Whether `error` says the deployment does not exist.
    static func isNotFound(_ error: any Error) -> Bool {
        guard let apiError = error as? APIError else { return false }
        return notFoundCodes.contains(apiError.errorClass)
    }

    /// The cause of a failure, for grouping log lines: the error class, or the error's type.
    static func cause(of error: any Error) -> String {
        if let apiError = error as? APIError { return apiError.errorClass }
        if let skipped = error as? CallNotSentError { return "skipped_\(skipped.reason.rawValue)" }
        return String(describing: type(of: error))
    }

    /// The fields of a failure's log line: `code` (the API error code or client class, as in
    /// `dataworks_api_errors_total`), `request_id` and `http_status` when the answer had them, and `error`.
    static func failureMetadata(_ error: any Error) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let apiError = error as? APIError {
            metadata["code"] = "\(APIMetrics.errorCode(of: apiError))"
            if apiError.indicatesWrongAPIVersion {
                metadata["gateway_code"] = "\(apiError.errorClass)"
                metadata["fix"] = "set the target's api_version to the other version (2020-05-18 or 2024-05-18)"
            }
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

/// Counts the HTTP requests (retries included) of one collection cycle, by action (`dataworks_cycle_api_requests`).
///
/// Thread safety: locked, so counting takes no task hop on the request path.
final class RequestCounter: APIRequestObserver {
    private let counts: Locked<[String: UInt64]>

    /// Requests by action; the actions given at creation start at 0.
    var requests: [String: UInt64] { counts.withLock { $0 } }

    init(actions: [String]) {
        counts = Locked(Dictionary(uniqueKeysWithValues: actions.map { ($0, 0) }))
    }

    func requestFinished(action: String, duration: Duration, error: APIError?) {
        counts.withLock { $0[action, default: 0] += 1 }
    }

    func retryScheduled(action: String, reason: String) {}

    /// Skipped calls are not requests: nothing to count here (``APIMetrics`` counts them).
    func callSkipped(action: String, reason: CallSkipReason) {}
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Sequence {
    /// The elements for which `isIncluded` holds and the others, each in their original order.
    fileprivate func partitioned(by isIncluded: (Element) -> Bool) -> (included: [Element], excluded: [Element]) {
        var included: [Element] = []
        var excluded: [Element] = []
        for element in self {
            if isIncluded(element) { included.append(element) } else { excluded.append(element) }
        }
        return (included, excluded)
    }
}
