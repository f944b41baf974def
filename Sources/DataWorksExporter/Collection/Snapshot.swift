public import DataWorksAPI
import LockedValue

/// What the exporter knows about one configured deployment after a collection.
public struct DeploymentSample: Sendable {
    /// Which deployment.
    public var key: DeploymentKey
    /// The last `Data.Deployment` fetched successfully; nil if none ever was (or it went stale).
    public var deployment: Deployment?
    /// When `deployment` was fetched, in seconds since the Unix epoch.
    public var lastSuccessTimestamp: Double?
    /// Whether this collection's fetch succeeded.
    public var fetchSucceeded: Bool
    /// The files of the last `GetDeployment` answer (`Data.DeployedItems`); empty if none was had.
    public var deployedItems: [DeployedItem]

    /// Creates a sample.
    public init(
        key: DeploymentKey,
        deployment: Deployment?,
        lastSuccessTimestamp: Double?,
        fetchSucceeded: Bool,
        deployedItems: [DeployedItem] = []
    ) {
        self.key = key
        self.deployment = deployment
        self.lastSuccessTimestamp = lastSuccessTimestamp
        self.fetchSucceeded = fetchSucceeded
        self.deployedItems = deployedItems
    }
}

/// The immutable result of one collection: every configured deployment in configuration order, and how the
/// collection went. Plain data: the exposition rendered from it is kept by the serving side
/// (`RenderedDeployments`), keyed by ``id``.
public struct Snapshot: Sendable {
    /// The identity of one collection's result: unique per created snapshot, shared by its copies, increasing in
    /// the order snapshots are created.
    public struct ID: Sendable, Hashable, Comparable {
        /// The sequence number, from 1.
        public let rawValue: UInt64

        private static let last = Locked<UInt64>(0)

        /// A new identity, greater than every earlier one in this process.
        static func next() -> ID {
            ID(
                rawValue: last.withLock { last in
                    last += 1
                    return last
                }
            )
        }

        public static func < (lhs: ID, rhs: ID) -> Bool {
            lhs.rawValue < rhs.rawValue
        }
    }

    /// Which collection this is; every ``init(deployments:pipelineRuns:durationSeconds:timeoutSeconds:budget:releases:)`` makes a
    /// new one.
    public let id: ID
    /// One entry per configured deployment, in configuration order.
    public let deployments: [DeploymentSample]
    /// One entry per tracked pipeline run of the 2024-05-18 targets, in configuration order.
    public let pipelineRuns: [PipelineRunSample]
    /// How long the collection took, in seconds (`dataworks_scrape_duration_seconds`).
    public let durationSeconds: Double
    /// The time budget the collection had, in seconds (`dataworks_scrape_timeout_seconds`).
    public let timeoutSeconds: Double
    /// How the collection spent the API quota.
    public let budget: QuotaBudget
    /// The release analytics after the collection (`dataworks_release*`); `nil` leaves those families out.
    public let releases: ReleaseAnalytics?

    /// Creates a snapshot.
    public init(
        deployments: [DeploymentSample],
        pipelineRuns: [PipelineRunSample] = [],
        durationSeconds: Double,
        timeoutSeconds: Double,
        budget: QuotaBudget = QuotaBudget(),
        releases: ReleaseAnalytics? = nil
    ) {
        self.id = .next()
        self.deployments = deployments
        self.pipelineRuns = pipelineRuns
        self.durationSeconds = durationSeconds
        self.timeoutSeconds = timeoutSeconds
        self.budget = budget
        self.releases = releases
    }

    /// True when every configured deployment and tracked pipeline run was fetched by this collection (`dataworks_up`).
    public var isUp: Bool { deployments.allSatisfy(\.fetchSucceeded) && pipelineRuns.allSatisfy(\.fetchSucceeded) }
}

/// How a collection spent the API quota, for the `dataworks_cycle_*` and `dataworks_api_rate_limit_*` self-metrics.
public struct QuotaBudget: Sendable, Equatable {
    /// The state of one region's rate limit.
    public struct Region: Sendable, Equatable {
        /// The RegionId.
        public var regionId: String
        /// The effective rate limit, in calls per second; `nil` when unlimited.
        public var effectiveRate: Double?
        /// Whether calls to the region are paused after a quota answer.
        public var paused: Bool

        /// Creates a value.
        public init(regionId: String, effectiveRate: Double?, paused: Bool) {
            self.regionId = regionId
            self.effectiveRate = effectiveRate
            self.paused = paused
        }
    }

    /// HTTP requests (retries included) the collection sent, by action.
    public var requestsByAction: [String: UInt64]
    /// Every configured region, sorted by RegionId.
    public var regions: [Region]

    /// Creates a value.
    public init(requestsByAction: [String: UInt64] = [:], regions: [Region] = []) {
        self.requestsByAction = requestsByAction
        self.regions = regions
    }
}
