public import DataWorksAPI

/// Decides which pipeline-run calls a collection cycle makes: a pure value, given what is known and the time.
///
/// Rules (issue 12 item 3, README "Quota arithmetic for pipeline runs"):
/// - stages come inline in `ListPipelineRuns` answers, so one listing per workspace per cycle refreshes every run
///   that is still moving; it is planned when the target discovers runs, or when two or more of its listed runs are
///   due (one `GetPipelineRun` is cheaper for a single one);
/// - the list has no time filter and no documented order, so the walk goes page by page and stops after the first
///   page that holds only runs created before the discovery age or already final and known
///   (``continuesPaging(after:kind:workspace:known:discovery:now:)``), or the last page;
/// - a run in a final status (Success, Fail, Termination, Cancel) is due again only every
///   ``CollectorSettings/terminalRefresh``; a tracked run the pages did not carry is fetched alone
///   (`GetPipelineRun`, `GetCrossProjectPipelineRun`) when due;
/// - the items (`ListPipelineRunItems`) of a run are fetched once, when it has ended.
public struct PipelineRunPlanner: Sendable, Hashable {
    /// What is known of one run.
    public struct Known: Sendable, Hashable {
        /// The last status seen.
        public var status: PipelineRunStatus?
        /// `CreateTime`, epoch ms.
        public var createTime: Int64?
        /// When the status was last confirmed, in seconds since the Unix epoch.
        public var checkedAt: Double
        /// Whether the items were fetched.
        public var hasItems: Bool

        /// Creates a value.
        public init(status: PipelineRunStatus?, createTime: Int64?, checkedAt: Double, hasItems: Bool) {
            self.status = status
            self.createTime = createTime
            self.checkedAt = checkedAt
            self.hasItems = hasItems
        }
    }

    /// One element of a listing page, as the planner sees it.
    public struct Listed: Sendable, Hashable {
        /// The run's ID.
        public var pipelineRunId: String
        /// Its status.
        public var status: PipelineRunStatus?
        /// `CreateTime`, epoch ms.
        public var createTime: Int64?

        /// Creates a value.
        public init(pipelineRunId: String, status: PipelineRunStatus?, createTime: Int64?) {
            self.pipelineRunId = pipelineRunId
            self.status = status
            self.createTime = createTime
        }
    }

    /// The settings (`terminal_refresh`).
    public var settings: CollectorSettings

    /// Creates a planner.
    public init(settings: CollectorSettings = CollectorSettings()) {
        self.settings = settings
    }

    /// Whether a run known as `known` must be refreshed at `now` (seconds since the Unix epoch): always when unknown
    /// or moving, every `terminal_refresh` when final.
    public func isDue(_ known: Known?, now: Double) -> Bool {
        guard let known, let status = known.status, status.isTerminal else { return true }
        return now - known.checkedAt >= settings.terminalRefresh.seconds
    }

    /// Whether a workspace's `ListPipelineRuns` listing is planned this cycle: with discovery always, else when at
    /// least two of the listed runs are due (a listing page costs one call, as one `GetPipelineRun` does).
    public func listsWorkspace(
        watch: PipelineRunWatch,
        workspace: Workspace,
        known: [PipelineRunKey: Known],
        now: Double
    ) -> Bool {
        if watch.discovery != nil { return true }
        let due = watch.pipelineRunIds.filter { id in
            isDue(known[PipelineRunKey(workspace: workspace, kind: .workspace, pipelineRunId: id)], now: now)
        }
        return due.count >= 2
    }

    /// Whether the walk reads the next page after `page`: not after an empty page, and not after a page whose every
    /// run was created before `discovery`'s age or is final and was already known as final, unless `TotalCount`
    /// changed since the last cycle's walk (a run was added somewhere, maybe on a later page). (Without discovery the
    /// age is not a bound: only final-and-known stops.)
    public func continuesPaging(
        after page: [Listed],
        kind: PipelineRunKind,
        workspace: Workspace,
        known: [PipelineRunKey: Known],
        discovery: PipelineRunDiscovery?,
        totalCountChanged: Bool = false,
        now: Double
    ) -> Bool {
        guard !page.isEmpty else { return false }
        if totalCountChanged { return true }
        let oldest = discovery.map { (now - $0.maxAge.seconds) * 1_000 }
        let onlySettled = page.allSatisfy { item in
            if let oldest, let created = item.createTime, Double(created) < oldest { return true }
            let key = PipelineRunKey(workspace: workspace, kind: kind, pipelineRunId: item.pipelineRunId)
            return item.status?.isTerminal == true && known[key]?.status?.isTerminal == true
        }
        return !onlySettled
    }

    /// The runs a discovery selects among `candidates`: created at most `max_age` before `now`, in one of its
    /// statuses; the newest first (`CreateTime`, then ID), at most `limit`.
    public static func select(_ candidates: [Listed], by discovery: PipelineRunDiscovery, now: Double) -> [String] {
        let oldest = (now - discovery.maxAge.seconds) * 1_000
        let selected =
            candidates
            .filter { item in
                guard let created = item.createTime, Double(created) >= oldest else { return false }
                return discovery.selects(item.status)
            }
            .sorted { ($0.createTime ?? 0, $0.pipelineRunId) > ($1.createTime ?? 0, $1.pipelineRunId) }
        return selected.prefix(discovery.limit).map(\.pipelineRunId)
    }

    /// The tracked runs a cycle fetches alone: those not refreshed at `now` by a listing and due.
    public func singleFetches(
        tracked: [PipelineRunKey],
        known: [PipelineRunKey: Known],
        now: Double
    ) -> [PipelineRunKey] {
        tracked.filter { key in
            let state = known[key]
            if let state, state.checkedAt == now { return false }
            return isDue(state, now: now)
        }
    }

    /// The tracked runs whose items are fetched now: final, and not fetched before.
    public func itemFetches(tracked: [PipelineRunKey], known: [PipelineRunKey: Known]) -> [PipelineRunKey] {
        tracked.filter { key in
            guard let state = known[key], state.status?.isTerminal == true else { return false }
            return !state.hasItems
        }
    }
}
