public import DataWorksAPI

/// The identity of one deployment's series: the labels `region_id`, `project` and `deployment_id`.
public struct DeploymentKey: Sendable, Hashable {
    /// The RegionId, e.g. `cn-zhangjiakou`.
    public var regionId: String
    /// The ProjectId or ProjectIdentifier as configured.
    public var project: ProjectReference
    /// The DeploymentId.
    public var deploymentId: Int64

    /// Creates a key.
    public init(regionId: String, project: ProjectReference, deploymentId: Int64) {
        self.regionId = regionId
        self.project = project
        self.deploymentId = deploymentId
    }
}

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

    /// Creates a sample.
    public init(key: DeploymentKey, deployment: Deployment?, lastSuccessTimestamp: Double?, fetchSucceeded: Bool) {
        self.key = key
        self.deployment = deployment
        self.lastSuccessTimestamp = lastSuccessTimestamp
        self.fetchSucceeded = fetchSucceeded
    }
}

/// The immutable result of one collection: every configured deployment in configuration order, and how the
/// collection went.
public struct Snapshot: Sendable {
    /// One entry per configured deployment, in configuration order.
    public var deployments: [DeploymentSample]
    /// How long the collection took, in seconds (`dataworks_scrape_duration_seconds`).
    public var durationSeconds: Double
    /// The time budget the collection had, in seconds (`dataworks_scrape_timeout_seconds`).
    public var timeoutSeconds: Double

    /// Creates a snapshot.
    public init(deployments: [DeploymentSample], durationSeconds: Double, timeoutSeconds: Double) {
        self.deployments = deployments
        self.durationSeconds = durationSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// True when every configured deployment was fetched by this collection (`dataworks_up`).
    public var isUp: Bool { deployments.allSatisfy(\.fetchSucceeded) }
}
