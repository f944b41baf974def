public import DataWorksAPI

/// Decides which API calls a collection cycle makes: a pure value, given what is known and the time.
///
/// Rules (issue 3, `DESIGN.md` "Quota"):
/// - a deployment never fetched with `GetDeployment` (whose `FromEnvironment`/`ToEnvironment` are unknown) is fetched
///   with `GetDeployment`;
/// - a deployment in a terminal status (success 1, failure 2, rejected 6) is due again only
///   ``CollectorSettings/terminalRefresh``
///   after its last check; ready (0) and unknown statuses are due every cycle;
/// - within one region and project, the due deployments are refreshed the cheapest way: one `GetDeployment` each,
///   `ListDeployments` pages of the ready ones (`Status=0`) plus `GetDeployment` for the due terminal ones, or
///   unfiltered `ListDeployments` pages of the whole project. Page counts are estimated from the last `TotalCount`
///   seen. On a tie, `GetDeployment` wins (it carries every field);
/// - after a listing, every covered deployment the pages did not carry is fetched with `GetDeployment`
///   (``followUps(after:found:)``): for a `Status=0` listing, exactly those whose status changed.
public struct Planner: Sendable, Hashable {
    /// What is known of one deployment.
    public struct Known: Sendable, Hashable {
        /// The last status seen (`Status`), or `nil`.
        public var status: DeploymentStatus?
        /// When the status was last confirmed by a successful call, in seconds since the Unix epoch.
        public var checkedAt: Double
        /// Whether a `GetDeployment` answer (with the environment fields) has been had.
        public var hasDetails: Bool
        /// Whether the API answered that the deployment does not exist (checked again every `terminal_refresh`).
        public var notFound: Bool

        /// Creates a value.
        public init(status: DeploymentStatus?, checkedAt: Double, hasDetails: Bool, notFound: Bool = false) {
            self.status = status
            self.checkedAt = checkedAt
            self.hasDetails = hasDetails
            self.notFound = notFound
        }
    }

    /// The deployments of one workspace, and what earlier listings said about its size.
    public struct Group: Sendable, Hashable {
        /// The workspace.
        public var workspace: Workspace
        /// The tracked deployment IDs.
        public var deploymentIds: [Int64]
        /// `TotalCount` of the last unfiltered listing of the workspace, if any.
        public var totalCount: Int64?
        /// `TotalCount` of the last `Status=0` listing of the workspace, if any.
        public var readyCount: Int64?

        /// Creates a group.
        public init(workspace: Workspace, deploymentIds: [Int64], totalCount: Int64? = nil, readyCount: Int64? = nil) {
            self.workspace = workspace
            self.deploymentIds = deploymentIds
            self.totalCount = totalCount
            self.readyCount = readyCount
        }
    }

    /// A planned `ListDeployments` walk: every page of one workspace's listing.
    public struct Listing: Sendable, Hashable {
        /// The workspace listed.
        public var workspace: Workspace
        /// The `Status` filter; `nil` for none.
        public var status: DeploymentStatus?
        /// The tracked deployments the listing refreshes.
        public var covers: [Int64]
        /// The pages expected.
        public var pages: Int

        /// Creates a listing.
        public init(workspace: Workspace, status: DeploymentStatus?, covers: [Int64], pages: Int) {
            self.workspace = workspace
            self.status = status
            self.covers = covers
            self.pages = pages
        }

        /// The keys of the covered deployments.
        public var coveredKeys: [DeploymentKey] { covers.map(workspace.key) }
    }

    /// One planned call.
    public enum Call: Sendable, Hashable {
        /// `GetDeployment` of one deployment.
        case get(DeploymentKey)
        /// Every page of a `ListDeployments` listing.
        case list(Listing)

        /// The calls this is expected to cost.
        public var expectedCost: Int {
            switch self {
            case .get: 1
            case .list(let listing): listing.pages
            }
        }

        /// The deployments the call refreshes.
        public var keys: [DeploymentKey] {
            switch self {
            case .get(let key): [key]
            case .list(let listing): listing.coveredKeys
            }
        }
    }

    /// The settings (`terminal_refresh`, `list_deployments`).
    public var settings: CollectorSettings
    /// Deployments per `ListDeployments` page: 100, the API's maximum.
    public let pageSize = ListDeploymentsRequest.maximumPageSize

    /// Creates a planner.
    public init(settings: CollectorSettings = CollectorSettings()) {
        self.settings = settings
    }

    /// Whether `known` must be checked at `now` (seconds since the Unix epoch).
    public func isDue(_ known: Known?, now: Double) -> Bool {
        if let known, known.notFound {
            return now - known.checkedAt >= settings.terminalRefresh.seconds
        }
        guard let known, known.hasDetails, let status = known.status, status.isTerminal else {
            return true
        }
        return now - known.checkedAt >= settings.terminalRefresh.seconds
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
        Int(max(1, (count + Int64(pageSize) - 1) / Int64(pageSize)))
    }

    func plan(group: Group, known: [DeploymentKey: Known], now: Double) -> [Call] {
        var details: [Int64] = []
        var ready: [Int64] = []
        var terminal: [Int64] = []
        var seen: Set<Int64> = []
        for id in group.deploymentIds where seen.insert(id).inserted {
            let state = known[group.workspace.key(id)]
            guard isDue(state, now: now) else { continue }
            guard let state, state.hasDetails, let status = state.status else {
                details.append(id)
                continue
            }
            if status == .ready {
                ready.append(id)
            } else if status.isTerminal {
                terminal.append(id)
            } else {
                details.append(id)  // An unknown status: only GetDeployment tells it fully.
            }
        }
        let key = group.workspace.key
        var calls = details.map { Call.get(key($0)) }
        let refreshable = ready + terminal
        guard !refreshable.isEmpty else { return calls }
        let getCost = refreshable.count
        let readyPages = pages(group.readyCount ?? 1)
        let readyListCost = ready.isEmpty ? Int.max : readyPages + terminal.count
        let allPages = pages(group.totalCount ?? Int64(group.deploymentIds.count))
        let allListCost = allPages
        if !settings.listDeployments || (getCost <= readyListCost && getCost <= allListCost) {
            calls += refreshable.map { .get(key($0)) }
        } else if readyListCost <= allListCost {
            calls.insert(
                .list(Listing(workspace: group.workspace, status: .ready, covers: ready, pages: readyPages)),
                at: 0
            )
            calls += terminal.map { .get(key($0)) }
        } else {
            calls.insert(
                .list(Listing(workspace: group.workspace, status: nil, covers: refreshable, pages: allPages)),
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
        guard case .list(let listing) = call else { return [] }
        return listing.covers.filter { !found.contains($0) }.map { .get(listing.workspace.key($0)) }
    }

    // MARK: - Discovery

    /// The `Status` filter of a discovery listing: the one status when `discovery` selects exactly one, else none.
    public static func listingStatus(of discovery: Discovery) -> DeploymentStatus? {
        discovery.statuses.count == 1 ? discovery.statuses.first : nil
    }

    /// The deployments a discovery listing selects: those with an `Id`, created at most `maxAge` before `now`
    /// (seconds since the Unix epoch; `CreateTime` is in milliseconds), in one of `statuses`; the newest first
    /// (`CreateTime`, then `Id`), at most `limit`.
    public static func select(_ items: [Deployment], by discovery: Discovery, now: Double) -> [Deployment] {
        let oldest = (now - discovery.maxAge.seconds) * 1_000
        let selected =
            items
            .filter { item in
                guard item.id != nil, let created = item.createTime, Double(created) >= oldest,
                    let status = item.status
                else { return false }
                return discovery.statuses.contains(status)
            }
            .sorted { ($0.createTime ?? 0, $0.id ?? 0) > ($1.createTime ?? 0, $1.id ?? 0) }
        return Array(selected.prefix(discovery.limit))
    }
}
