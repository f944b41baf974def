import DataWorksAPI
import LockedValue
import Logging

/// The pipeline-run part of one collection: the listings of every 2024-05-18 target (``PipelineRunPlanner`` decides
/// how far they page), then the single fetches and item fetches the planner leaves, each workspace's calls in order,
/// the workspaces concurrently; then every tracked run's sample, aged by `max_stale`.
struct PipelineRunCycle: Sendable {
    /// What a collector carries from one cycle to the next.
    struct State: Sendable {
        /// The runs' last good values and failure streaks.
        var records = PipelineRunRecords()
        /// `TotalCount` of each watch's last listing, by workspace and kind.
        var totals: [WatchID: Int64] = [:]
    }

    /// A watch's identity: workspace and kind.
    struct WatchID: Sendable, Hashable {
        var workspace: Workspace
        var kind: PipelineRunKind
    }

    let client: DataWorksClient
    let targets: [Target]
    let settings: CollectorSettings
    let planner: PipelineRunPlanner
    let logger: Logger
    /// This cycle's failed calls by cause, logged once per cause at its end (a cycle makes one of these).
    private let failures = Locked(FailureSummary())

    /// What one job learnt, applied to the ``State`` in job order.
    enum Event: Sendable {
        case run(PipelineRunKey, PipelineRunSummary)
        case items(PipelineRunKey, [PipelineRunItemCount])
        case failed(PipelineRunKey)
        /// The fetch was never sent (rate limit, Retry-After or budget past the deadline).
        case notSent(PipelineRunKey)
        case total(WatchID, Int64)
    }

    /// One watch of one kind, with its tracked runs.
    struct Watch: Sendable {
        var workspace: Workspace
        var projectId: Int64
        var kind: PipelineRunKind
        var listedIds: [String]
        var discovery: PipelineRunDiscovery?
    }

    var watches: [Watch] {
        targets.flatMap { target -> [Watch] in
            guard let watch = target.pipelineRuns, let projectId = target.projectId else { return [] }
            var result = [
                Watch(
                    workspace: target.workspace,
                    projectId: projectId,
                    kind: .workspace,
                    listedIds: watch.pipelineRunIds,
                    discovery: watch.discovery
                )
            ]
            if let cross = watch.crossProject {
                result.append(
                    Watch(
                        workspace: target.workspace,
                        projectId: projectId,
                        kind: .crossProject,
                        listedIds: [],
                        discovery: cross
                    )
                )
            }
            return result
        }
    }

    /// Runs the pipeline-run calls of one cycle at `now` (seconds since the Unix epoch) until `deadline`, and returns
    /// every tracked run's sample, watches in configuration order.
    func run(
        _ state: inout State,
        client: DataWorksClient,
        paused: Set<String>,
        deadline: ContinuousClock.Instant,
        now: Double
    ) async -> [PipelineRunSample] {
        let watches = self.watches
        guard !watches.isEmpty else { return [] }
        let known = state.records.known
        let totals = state.totals
        let listingEvents = await withTaskGroup(of: (Int, [Event]).self) { group in
            for (index, watch) in watches.enumerated() where !paused.contains(watch.workspace.regionId) {
                let lists =
                    watch.kind == .crossProject
                    || planner.listsWorkspace(
                        watch: PipelineRunWatch(pipelineRunIds: watch.listedIds, discovery: watch.discovery),
                        workspace: watch.workspace,
                        known: known,
                        now: now
                    )
                guard lists else { continue }
                group.addTask {
                    let lastTotal = totals[WatchID(workspace: watch.workspace, kind: watch.kind)]
                    return (
                        index,
                        await walk(
                            watch,
                            client: client,
                            known: known,
                            lastTotal: lastTotal,
                            deadline: deadline,
                            now: now
                        )
                    )
                }
            }
            var results: [(Int, [Event])] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        apply(listingEvents, to: &state, now: now)

        // What each watch tracks now: its listed runs, then the newest discovered ones.
        var tracked: [[PipelineRunKey]] = []
        for watch in watches {
            let listed = watch.listedIds.map {
                PipelineRunKey(workspace: watch.workspace, kind: watch.kind, pipelineRunId: $0)
            }
            var keys = listed
            if let discovery = watch.discovery {
                let listedSet = Set(watch.listedIds)
                let candidates = state.records.keys.filter {
                    $0.workspace == watch.workspace && $0.kind == watch.kind && !listedSet.contains($0.pipelineRunId)
                }
                .compactMap { key -> PipelineRunPlanner.Listed? in
                    guard let run = state.records[key]?.run else { return nil }
                    return .init(pipelineRunId: key.pipelineRunId, status: run.status, createTime: run.createTime)
                }
                keys += PipelineRunPlanner.select(candidates, by: discovery, now: now).map {
                    PipelineRunKey(workspace: watch.workspace, kind: watch.kind, pipelineRunId: $0)
                }
            }
            tracked.append(keys)
        }

        let afterListing = state.records.known
        let followUpEvents = await withTaskGroup(of: (Int, [Event]).self) { group in
            for (index, watch) in watches.enumerated() where !paused.contains(watch.workspace.regionId) {
                let singles = planner.singleFetches(tracked: tracked[index], known: afterListing, now: now)
                let items = planner.itemFetches(tracked: tracked[index], known: afterListing)
                guard !singles.isEmpty || !items.isEmpty else { continue }
                group.addTask {
                    var events: [Event] = []
                    for key in singles {
                        events.append(
                            await fetch(key, projectId: watch.projectId, client: client, deadline: deadline)
                        )
                    }
                    // Items of runs that are final after this cycle's fetches too.
                    var itemKeys = items
                    for case .run(let key, let run) in events where run.status?.isTerminal == true {
                        if afterListing[key]?.hasItems != true, !itemKeys.contains(key) { itemKeys.append(key) }
                    }
                    for key in itemKeys {
                        if let event = await fetchItems(
                            key,
                            projectId: watch.projectId,
                            client: client,
                            deadline: deadline
                        ) {
                            events.append(event)
                        }
                    }
                    return (index, events)
                }
            }
            var results: [(Int, [Event])] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        apply(followUpEvents, to: &state, now: now)

        var samples: [PipelineRunSample] = []
        var seen: Set<PipelineRunKey> = []
        var outOfBudget: [PipelineRunKey] = []
        let budgetSpent = Deadline.isReached(deadline)
        let notSent = Set(followUpEvents.compactMap { event in if case .notSent(let key) = event { key } else { nil } })
        for (index, watch) in watches.enumerated() {
            for key in tracked[index] where seen.insert(key).inserted {
                let record = state.records[key]
                if paused.contains(watch.workspace.regionId) || record?.checkedAt != now {
                    // Not refreshed this cycle: a final run not yet due keeps its success, anything else failed.
                    if let record, record.run?.status?.isTerminal == true, !planner.isDue(afterListing[key], now: now) {
                        state.records.carry(key)
                    } else if afterListing[key] == nil || planner.isDue(afterListing[key], now: now) {
                        state.records.fail(key, now: now)
                        if !paused.contains(watch.workspace.regionId), budgetSpent || notSent.contains(key) {
                            outOfBudget.append(key)
                        }
                    }
                }
                samples.append(state.records.age(key, maxStale: settings.maxStale.seconds, now: now))
            }
        }
        // Runs seen in listings but not selected are forgotten, except what discovery may select next cycle.
        state.records.keep(only: seen)
        failures.withLock { $0 }.log(to: logger)
        logOutOfBudget(outOfBudget)
        return samples
    }

    /// One line per workspace for the runs not refreshed because their calls were never sent or the deadline passed
    /// (issue 15 item 5, as the deployments' "deployment not fetched within the scrape budget"), with the count and
    /// the first IDs; their skipped calls are in `dataworks_api_calls_skipped_total`.
    private func logOutOfBudget(_ keys: [PipelineRunKey]) {
        var order: [Workspace] = []
        var byWorkspace: [Workspace: [String]] = [:]
        for key in keys {
            if byWorkspace[key.workspace] == nil { order.append(key.workspace) }
            byWorkspace[key.workspace, default: []].append(key.pipelineRunId)
        }
        for workspace in order {
            let runIds = byWorkspace[workspace] ?? []
            let ids = runIds.prefix(FailureSummary.idsPerLine).joined(separator: ",")
            logger.warning(
                "pipeline run not fetched within the scrape budget",
                metadata: [
                    "region_id": "\(workspace.regionId)", "project": "\(workspace.project)", "code": "budget",
                    "count": "\(runIds.count)",
                    "pipeline_run_ids": "\(ids)\(runIds.count > FailureSummary.idsPerLine ? ",…" : "")",
                ]
            )
        }
    }

    private func apply(_ events: [Event], to state: inout State, now: Double) {
        for event in events {
            switch event {
            case .run(let key, let run):
                state.records.update(key, with: run, now: now)
            case .items(let key, let counts):
                state.records.setItems(key, counts)
            case .failed(let key), .notSent(let key):
                state.records.fail(key, now: now)
            case .total(let id, let total):
                state.totals[id] = total
            }
        }
    }

    /// Pages one watch's listing until the planner says stop, the last page, or a failure.
    private func walk(
        _ watch: Watch,
        client: DataWorksClient,
        known: [PipelineRunKey: PipelineRunPlanner.Known],
        lastTotal: Int64?,
        deadline: ContinuousClock.Instant,
        now: Double
    ) async -> [Event] {
        let id = WatchID(workspace: watch.workspace, kind: watch.kind)
        var events: [Event] = []
        var paging = PipelineRunPaging()
        var missing = Set(watch.listedIds)
        let status = watch.listedIds.isEmpty ? watch.discovery?.listingStatus : nil
        let operation = watch.kind == .workspace ? APIOperation.listPipelineRuns : .listCrossProjectPipelineRuns
        while true {
            let listed: [(PipelineRunPlanner.Listed, PipelineRunSummary)]
            let isLast: Bool
            let total: Int64?
            do {
                switch watch.kind {
                case .workspace:
                    let page = try await client.listPipelineRuns(
                        regionId: watch.workspace.regionId,
                        request: ListPipelineRunsRequest(
                            projectId: watch.projectId,
                            creator: watch.discovery?.creator,
                            objectId: watch.discovery?.objectId,
                            status: status,
                            paging: paging
                        ),
                        deadline: deadline
                    )
                    listed = page.items.compactMap { run in
                        run.id.map {
                            (.init(pipelineRunId: $0, status: run.status, createTime: run.createTime), .init(run))
                        }
                    }
                    isLast = page.isLast(requestedPageNumber: paging.pageNumber, requestedPageSize: paging.pageSize)
                    total = page.totalCount
                case .crossProject:
                    let from = watch.discovery.map { Int64((now - $0.maxAge.seconds) * 1_000) }
                    let page = try await client.listCrossProjectPipelineRuns(
                        regionId: watch.workspace.regionId,
                        request: ListCrossProjectPipelineRunsRequest(
                            projectId: watch.projectId,
                            createTimeFrom: from,
                            creator: watch.discovery?.creator,
                            objectId: watch.discovery?.objectId,
                            status: status,
                            paging: paging
                        ),
                        deadline: deadline
                    )
                    listed = page.items.compactMap { run in
                        run.pipelineRunId.map {
                            (.init(pipelineRunId: $0, status: run.status, createTime: run.createTime), .init(run))
                        }
                    }
                    isLast = page.isLast(requestedPageNumber: paging.pageNumber, requestedPageSize: paging.pageSize)
                    total = page.totalCount
                }
            } catch {
                if !Self.isOutOfBudget(error, deadline: deadline) {
                    logFailure(operation, watch.workspace, error: error, ids: nil)
                }
                return events
            }
            for (item, summary) in listed {
                let key = PipelineRunKey(
                    workspace: watch.workspace,
                    kind: watch.kind,
                    pipelineRunId: item.pipelineRunId
                )
                events.append(.run(key, summary))
                missing.remove(item.pipelineRunId)
            }
            if paging.pageNumber == 1, let total {
                events.append(.total(id, total))
            }
            guard !isLast, !Task.isCancelled, ContinuousClock.now < deadline else { return events }
            if watch.discovery == nil {
                // Only listed runs are wanted: the walk ends once every one was found.
                guard !missing.isEmpty else { return events }
            } else {
                let goesOn = planner.continuesPaging(
                    after: listed.map(\.0),
                    kind: watch.kind,
                    workspace: watch.workspace,
                    known: known,
                    discovery: watch.discovery,
                    totalCountChanged: total != nil && lastTotal != nil && total != lastTotal,
                    now: now
                )
                guard goesOn || !missing.isEmpty else { return events }
            }
            paging = paging.next
        }
    }

    private func fetch(
        _ key: PipelineRunKey,
        projectId: Int64,
        client: DataWorksClient,
        deadline: ContinuousClock.Instant
    ) async -> Event {
        do {
            switch key.kind {
            case .workspace:
                let run = try await client.getPipelineRun(
                    regionId: key.workspace.regionId,
                    request: GetPipelineRunRequest(projectId: projectId, pipelineRunId: key.pipelineRunId),
                    deadline: deadline
                )
                return .run(key, PipelineRunSummary(run))
            case .crossProject:
                let run = try await client.getCrossProjectPipelineRun(
                    regionId: key.workspace.regionId,
                    request: GetCrossProjectPipelineRunRequest(projectId: projectId, pipelineRunId: key.pipelineRunId),
                    deadline: deadline
                )
                return .run(key, PipelineRunSummary(run))
            }
        } catch {
            if Self.isOutOfBudget(error, deadline: deadline) { return .notSent(key) }
            let operation = key.kind == .workspace ? APIOperation.getPipelineRun : .getCrossProjectPipelineRun
            logFailure(operation, key.workspace, error: error, ids: [key.pipelineRunId])
            return .failed(key)
        }
    }

    /// Whether a failed call is left to the one budget line instead of a warning of its own: it was never sent
    /// (rate limit, `Retry-After`; counted in `dataworks_api_calls_skipped_total`), or it timed out at the deadline
    /// (not started, or cut in flight and counted once as `client_timeout`).
    static func isOutOfBudget(_ error: any Error, deadline: ContinuousClock.Instant) -> Bool {
        if error is CallNotSentError { return true }
        guard let apiError = error as? APIError, apiError.errorClass == APIError.clientTimeout else { return false }
        return Deadline.isReached(deadline)
    }

    /// Every page of a run's items, counted by type and status; `nil` (retried next cycle) on a failure.
    private func fetchItems(
        _ key: PipelineRunKey,
        projectId: Int64,
        client: DataWorksClient,
        deadline: ContinuousClock.Instant
    ) async -> Event? {
        var paging = PipelineRunPaging()
        var items: [(type: String?, status: PipelineRunStatus?)] = []
        do {
            while true {
                let isLast: Bool
                switch key.kind {
                case .workspace:
                    let page = try await client.listPipelineRunItems(
                        regionId: key.workspace.regionId,
                        request: ListPipelineRunItemsRequest(
                            projectId: projectId,
                            pipelineRunId: key.pipelineRunId,
                            paging: paging
                        ),
                        deadline: deadline
                    )
                    items += page.items.map { ($0.type, $0.status) }
                    isLast = page.isLast(requestedPageNumber: paging.pageNumber, requestedPageSize: paging.pageSize)
                case .crossProject:
                    let page = try await client.listCrossProjectPipelineRunItems(
                        regionId: key.workspace.regionId,
                        request: ListCrossProjectPipelineRunItemsRequest(
                            projectId: projectId,
                            pipelineRunId: key.pipelineRunId,
                            paging: paging
                        ),
                        deadline: deadline
                    )
                    items += page.items.map { ($0.objectType, $0.status) }
                    isLast = page.isLast(requestedPageNumber: paging.pageNumber, requestedPageSize: paging.pageSize)
                }
                if isLast || paging.pageNumber >= 100 { break }
                paging = paging.next
            }
        } catch {
            let operation =
                key.kind == .workspace ? APIOperation.listPipelineRunItems : .listCrossProjectPipelineRunItems
            if !Self.isOutOfBudget(error, deadline: deadline) {
                logFailure(operation, key.workspace, error: error, ids: [key.pipelineRunId])
            }
            return nil
        }
        return .items(key, PipelineRunItemCount.counts(of: items))
    }

    /// Adds a failed call to the cycle's ``FailureSummary``: one warning per workspace and cause at the end of the
    /// cycle, with the count and the first pipeline run Ids (issue 15, item 17); an answer meaning the wrong API
    /// version says which key to change.
    private func logFailure(_ operation: APIOperation, _ workspace: Workspace, error: any Error, ids: [String]?) {
        guard !(error is RegionPausedError) else { return }
        var fields: Logger.Metadata = ["region_id": "\(workspace.regionId)", "project": "\(workspace.project)"]
        fields.merge(CollectionCycle.failureMetadata(error)) { $1 }
        let message =
            (error as? APIError)?.indicatesWrongAPIVersion == true
            ? "\(operation.action) failed: the workspace does not answer API version \(operation.version); if it is on the old Data Studio, set api_version: 2020-05-18 for this target"
            : "\(operation.action) failed"
        // Grouped by workspace too: one line per workspace and cause, whose fields name that workspace.
        failures.withLock {
            $0.add(
                message,
                code: "\(workspace.regionId)/\(workspace.project)/" + CollectionCycle.cause(of: error),
                metadata: fields,
                ids: ids ?? [],
                of: .pipelineRun
            )
        }
    }
}
