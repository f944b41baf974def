public import DataWorksAPI

/// Decides which API calls a collection cycle makes: a pure value, given what is known and the time.
///
/// Rules (issue 3, `DESIGN.md` "Quota"):
/// - a deployment never fetched with `GetDeployment` (whose `FromEnvironment`/`ToEnvironment` are unknown) is fetched
///   with `GetDeployment`;
/// - a deployment in a terminal status (success 1, failure 2, rejected 6) is due again only ``Settings/terminalRefresh``
///   after its last check; ready (0) and unknown statuses are due every cycle;
/// - within one region and project, the due deployments are refreshed the cheapest way: one `GetDeployment` each,
///   `ListDeployments` pages of the ready ones (`Status=0`) plus `GetDeployment` for the due terminal ones, or
///   unfiltered `ListDeployments` pages of the whole project. Page counts are estimated from the last `TotalCount`
///   seen. On a tie, `GetDeployment` wins (it carries every field);
/// - after a listing, every covered deployment the pages did not carry is fetched with `GetDeployment`
///   (``followUps(after:found:)``): for a `Status=0` listing, exactly those whose status changed.
public struct Planner: Sendable, Hashable {
    /// Planner settings.
    public struct Settings: Sendable, Hashable {
        /// How long a terminal status is trusted, in seconds (`collector.terminal_refresh`). Default 3600.
        public var terminalRefresh: Double
        /// Deployments per `ListDeployments` page: 100, the API's maximum.
        public var pageSize: Int
        /// Whether refreshes may use `ListDeployments` (`collector.list_deployments`); false plans `GetDeployment`
        /// only, for a RAM policy without `dataworks:ListDeployments`. Default true.
        public var usesListings: Bool

        /// Creates settings.
        public init(
            terminalRefresh: Double = 3_600,
            pageSize: Int = ListDeploymentsRequest.maximumPageSize,
            usesListings: Bool = true
        ) {
            self.terminalRefresh = terminalRefresh
            self.pageSize = max(1, min(pageSize, ListDeploymentsRequest.maximumPageSize))
            self.usesListings = usesListings
        }
    }

    /// What is known of one deployment.
    public struct Known: Sendable, Hashable {
        /// The last status seen (`Status`), or `nil`.
        public var status: Int?
        /// When the status was last confirmed by a successful call, in seconds since the Unix epoch.
        public var checkedAt: Double
        /// Whether a `GetDeployment` answer (with the environment fields) has been had.
        public var hasDetails: Bool

        /// Creates a value.
        public init(status: Int?, checkedAt: Double, hasDetails: Bool) {
            self.status = status
            self.checkedAt = checkedAt
            self.hasDetails = hasDetails
        }
    }

    /// The deployments of one workspace in one region, and what earlier listings said about its size.
    public struct Group: Sendable, Hashable {
        /// The RegionId.
        public var regionId: String
        /// The workspace.
        public var project: ProjectReference
        /// The tracked deployment IDs.
        public var deploymentIds: [Int64]
        /// `TotalCount` of the last unfiltered listing of the workspace, if any.
        public var totalCount: Int64?
        /// `TotalCount` of the last `Status=0` listing of the workspace, if any.
        public var readyCount: Int64?

        /// Creates a group.
        public init(
            regionId: String,
            project: ProjectReference,
            deploymentIds: [Int64],
            totalCount: Int64? = nil,
            readyCount: Int64? = nil
        ) {
            self.regionId = regionId
            self.project = project
            self.deploymentIds = deploymentIds
            self.totalCount = totalCount
            self.readyCount = readyCount
        }
    }

    /// One planned call.
    public enum Call: Sendable, Hashable {
        /// `GetDeployment` of one deployment.
        case get(DeploymentKey)
        /// Every page of `ListDeployments` for a workspace, with the `Status` filter (nil: none); `covers` lists the
        /// tracked deployments the listing refreshes, `pages` the pages expected.
        case list(regionId: String, project: ProjectReference, status: Int?, covers: [Int64], pages: Int)

        /// The calls this is expected to cost.
        public var expectedCost: Int {
            switch self {
            case .get: 1
            case .list(_, _, _, _, let pages): pages
            }
        }
    }

    /// The statuses that end a deployment: success, failure, rejected.
    public static let terminalStatuses: Set<Int> = [1, 2, 6]

    /// The settings.
    public var settings: Settings

    /// Creates a planner.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Whether `known` must be checked at `now` (seconds since the Unix epoch).
    public func isDue(_ known: Known?, now: Double) -> Bool {
        guard let known, known.hasDetails, let status = known.status, Self.terminalStatuses.contains(status) else {
            return true
        }
        return now - known.checkedAt >= settings.terminalRefresh
    }

    /// The calls of one cycle.
    ///
    /// - Parameters:
    ///   - groups: The tracked deployments by region and workspace, in exposition order.
    ///   - known: What earlier cycles learnt, by deployment.
    ///   - now: The current time, in seconds since the Unix epoch.
    /// - Returns: The calls, groups in order; within a group, listings first.
    public func plan(groups: [Group], known: [DeploymentKey: Known], now: Double) -> [Call] {
        groups.flatMap { plan(group: $0, known: known, now: now) }
    }

    func pages(_ count: Int64) -> Int {
        Int(max(1, (count + Int64(settings.pageSize) - 1) / Int64(settings.pageSize)))
    }

    func plan(group: Group, known: [DeploymentKey: Known], now: Double) -> [Call] {
        var details: [Int64] = []
        var ready: [Int64] = []
        var terminal: [Int64] = []
        var seen: Set<Int64> = []
        for id in group.deploymentIds where seen.insert(id).inserted {
            let key = DeploymentKey(regionId: group.regionId, project: group.project, deploymentId: id)
            let state = known[key]
            guard isDue(state, now: now) else { continue }
            guard let state, state.hasDetails, let status = state.status else {
                details.append(id)
                continue
            }
            if status == 0 {
                ready.append(id)
            } else if Self.terminalStatuses.contains(status) {
                terminal.append(id)
            } else {
                details.append(id)  // An unknown status: only GetDeployment tells it fully.
            }
        }
        func key(_ id: Int64) -> DeploymentKey {
            DeploymentKey(regionId: group.regionId, project: group.project, deploymentId: id)
        }
        var calls = details.map { Call.get(key($0)) }
        let refreshable = ready + terminal
        guard !refreshable.isEmpty else { return calls }
        let getCost = refreshable.count
        let readyPages = pages(group.readyCount ?? 1)
        let readyListCost = ready.isEmpty ? Int.max : readyPages + terminal.count
        let allPages = pages(group.totalCount ?? Int64(group.deploymentIds.count))
        let allListCost = allPages
        if !settings.usesListings || (getCost <= readyListCost && getCost <= allListCost) {
            calls += refreshable.map { .get(key($0)) }
        } else if readyListCost <= allListCost {
            calls.insert(
                .list(regionId: group.regionId, project: group.project, status: 0, covers: ready, pages: readyPages),
                at: 0
            )
            calls += terminal.map { .get(key($0)) }
        } else {
            calls.insert(
                .list(
                    regionId: group.regionId,
                    project: group.project,
                    status: nil,
                    covers: refreshable,
                    pages: allPages
                ),
                at: 0
            )
        }
        return calls
    }

    /// The `GetDeployment` calls a finished listing leaves to make: one per covered deployment its pages did not
    /// carry (its status changed out of the filter, it moved between pages, or it is gone).
    ///
    /// - Parameters:
    ///   - call: The listing (other calls have no follow-ups).
    ///   - found: The deployment IDs the listing's pages carried.
    public func followUps(after call: Call, found: Set<Int64>) -> [Call] {
        guard case .list(let regionId, let project, _, let covers, _) = call else { return [] }
        return covers.filter { !found.contains($0) }.map {
            .get(DeploymentKey(regionId: regionId, project: project, deploymentId: $0))
        }
    }
}
