public import DataWorksAPI

/// What the collector remembers of its deployments between cycles: a pure value, changed only by ``succeed(_:with:now:)``,
/// ``merge(_:into:now:)``, ``fail(_:now:)`` and ``age(_:maxStale:now:)``, and handed to the next collector on reload.
public struct DeploymentRecords: Sendable {
    /// What is remembered of one deployment.
    public struct Record: Sendable, Equatable {
        /// The last good values; `nil` before the first success, and after ``DeploymentRecords/age(_:maxStale:now:)``
        /// dropped them.
        public var deployment: Deployment?
        /// When the last successful fetch was, in seconds since the Unix epoch.
        public var lastSuccess: Double?
        /// When the status was last confirmed, in seconds since the Unix epoch; 0 if never.
        public var checkedAt: Double = 0
        /// Whether a `GetDeployment` answer (with the environment fields) has been had.
        public var hasDetails = false
        /// The files of the last `GetDeployment` answer (`Data.DeployedItems`); empty before one, and for a listing.
        public var deployedItems: [DeployedItem] = []
        /// Whether the latest fetch succeeded.
        public var fetchSucceeded = false
        /// When fetches started failing after the last success, in seconds since the Unix epoch.
        public var failingSince: Double?
        /// When the API last answered that the deployment does not exist (`Invalid.Deployment.NotExists`), in seconds
        /// since the Unix epoch; `nil` while it exists.
        public var notFoundAt: Double?

        /// Creates an empty record.
        public init() {}
    }

    private var records: [DeploymentKey: Record] = [:]

    /// Creates an empty set of records.
    public init() {}

    /// The record of `key`, if any.
    public subscript(key: DeploymentKey) -> Record? { records[key] }

    /// The number of deployments remembered.
    public var count: Int { records.count }

    /// What the ``Planner`` needs to know of every remembered deployment.
    public var known: [DeploymentKey: Planner.Known] {
        records.mapValues { record in
            Planner.Known(
                status: record.deployment?.status,
                checkedAt: record.checkedAt,
                hasDetails: record.hasDetails,
                notFound: record.notFoundAt != nil
            )
        }
    }

    /// Records a `GetDeployment` answer: every field, the details and the deployed items.
    public mutating func succeed(
        _ key: DeploymentKey,
        with deployment: Deployment,
        items: [DeployedItem] = [],
        now: Double
    ) {
        var record = records[key] ?? Record()
        var deployment = deployment
        deployment.errorMessage = Self.steadyMessage(deployment, after: record.deployment)
        record.deployment = deployment
        record.deployedItems = items
        record.hasDetails = true
        Self.succeed(&record, now: now)
        records[key] = record
    }

    /// Records a `ListDeployments` item, keeping what items do not carry (environments, CheckingStatus) from before.
    /// An item that ends its deployment (a terminal status after a non-terminal one) marks the details as missing, so
    /// the planner asks `GetDeployment` once more for the final `DeployedItems` and `CheckingStatus`.
    public mutating func merge(_ item: Deployment, into key: DeploymentKey, now: Double) {
        var record = records[key] ?? Record()
        if record.hasDetails, item.status?.isTerminal == true, record.deployment?.status?.isTerminal != true {
            record.hasDetails = false
        }
        var deployment = record.deployment ?? Deployment()
        deployment.name = item.name ?? deployment.name
        deployment.status = item.status
        deployment.creatorId = item.creatorId ?? deployment.creatorId
        deployment.handlerId = item.handlerId ?? deployment.handlerId
        deployment.createTime = item.createTime ?? deployment.createTime
        deployment.executeTime = item.executeTime ?? deployment.executeTime
        deployment.errorMessage = Self.steadyMessage(item, after: record.deployment)
        record.deployment = deployment
        Self.succeed(&record, now: now)
        records[key] = record
    }

    /// Records a failed or missed fetch: the last good values stay, and the failure streak starts if it had not.
    public mutating func fail(_ key: DeploymentKey, now: Double) {
        var record = records[key] ?? Record()
        record.fetchSucceeded = false
        record.failingSince = record.failingSince ?? now
        records[key] = record
    }

    /// Records an answer that the deployment does not exist: final, unlike a transient failure, so its last values
    /// are dropped at once, and the ``Planner`` checks it again only every `terminal_refresh`.
    public mutating func notFound(_ key: DeploymentKey, now: Double) {
        var record = records[key] ?? Record()
        record.deployment = nil
        record.fetchSucceeded = false
        record.failingSince = record.failingSince ?? now
        record.notFoundAt = now
        record.checkedAt = now
        records[key] = record
    }

    /// Ends a cycle for `key`: drops its last good values once it has been failing for `maxStale` seconds or more,
    /// and returns its sample.
    public mutating func age(_ key: DeploymentKey, maxStale: Double, now: Double) -> DeploymentSample {
        var record = records[key] ?? Record()
        if !record.fetchSucceeded, let since = record.failingSince, now - since >= maxStale {
            record.deployment = nil
        }
        records[key] = record
        return DeploymentSample(
            key: key,
            deployment: record.deployment,
            lastSuccessTimestamp: record.lastSuccess,
            fetchSucceeded: record.fetchSucceeded,
            deployedItems: record.deployment == nil ? [] : record.deployedItems
        )
    }

    /// Forgets every deployment not in `keys` (no longer tracked, e.g. aged out of discovery).
    public mutating func keep(only keys: Set<DeploymentKey>) {
        records = records.filter { keys.contains($0.key) }
    }

    /// Takes over `other`'s records of deployments in `workspaces` that these records do not have.
    public mutating func adopt(_ other: DeploymentRecords, in workspaces: Set<Workspace>) {
        for (key, record) in other.records where records[key] == nil && workspaces.contains(key.workspace) {
            records[key] = record
        }
    }

    /// The `ErrorMessage` to keep: a failure's first message while the status stays failure, so that a message that
    /// differs on every answer (request ids, times inside it) does not make a new `error_message` series per refresh.
    private static func steadyMessage(_ new: Deployment, after old: Deployment?) -> String? {
        if new.status == .failure, old?.status == .failure, let first = old?.errorMessage {
            return first
        }
        return new.errorMessage
    }

    private static func succeed(_ record: inout Record, now: Double) {
        record.lastSuccess = now
        record.checkedAt = now
        record.fetchSucceeded = true
        record.failingSince = nil
        record.notFoundAt = nil
    }
}
