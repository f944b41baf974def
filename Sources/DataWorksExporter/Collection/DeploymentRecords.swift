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

    /// Where each remembered deployment's record is in ``entries``. A dictionary's capacity is a power of two it
    /// fills at most to 3/4, up to 2.6 times its count (262,144 slots for 100,000 keys): its slots hold a key and an
    /// index, not a record of ~250 bytes (issue 16, `scripts/bench-scale`; for 100,000 deployments ~47 instead of
    /// ~78 MB, estimated from the layouts).
    private var slots: [DeploymentKey: Int] = [:]
    /// The records, in the order first seen; only ``keep(only:)`` removes any.
    private var entries: [Record] = []

    /// Creates an empty set of records.
    public init() {}

    /// The record of `key`, if any.
    public subscript(key: DeploymentKey) -> Record? { slots[key].map { entries[$0] } }

    /// The number of deployments remembered.
    public var count: Int { slots.count }

    /// What the ``Planner`` needs to know of every remembered deployment.
    public var known: [DeploymentKey: Planner.Known] {
        slots.mapValues { index in
            let record = entries[index]
            return Planner.Known(
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
        update(key) { record in
            var deployment = deployment
            deployment.errorMessage = Self.steadyMessage(deployment, after: record.deployment)
            record.deployment = deployment
            record.deployedItems = items
            record.hasDetails = true
            Self.succeed(&record, now: now)
        }
    }

    /// Records a `ListDeployments` item, keeping what items do not carry (environments, CheckingStatus) from before.
    /// An item that ends its deployment (a terminal status after a non-terminal one) marks the details as missing, so
    /// the planner asks `GetDeployment` once more for the final `DeployedItems` and `CheckingStatus`.
    public mutating func merge(_ item: Deployment, into key: DeploymentKey, now: Double) {
        update(key) { record in
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
        }
    }

    /// Records a failed or missed fetch: the last good values stay, and the failure streak starts if it had not.
    public mutating func fail(_ key: DeploymentKey, now: Double) {
        update(key) { record in
            record.fetchSucceeded = false
            record.failingSince = record.failingSince ?? now
        }
    }

    /// Records an answer that the deployment does not exist: final, unlike a transient failure, so its last values
    /// are dropped at once, and the ``Planner`` checks it again only every `terminal_refresh`.
    public mutating func notFound(_ key: DeploymentKey, now: Double) {
        update(key) { record in
            record.deployment = nil
            record.fetchSucceeded = false
            record.failingSince = record.failingSince ?? now
            record.notFoundAt = now
            record.checkedAt = now
        }
    }

    /// Ends a cycle for `key`: drops its last good values once it has been failing for `maxStale` seconds or more,
    /// and returns its sample.
    public mutating func age(_ key: DeploymentKey, maxStale: Double, now: Double) -> DeploymentSample {
        update(key) { record in
            if !record.fetchSucceeded, let since = record.failingSince, now - since >= maxStale {
                record.deployment = nil
            }
            return DeploymentSample(
                key: key,
                deployment: record.deployment,
                lastSuccessTimestamp: record.lastSuccess,
                fetchSucceeded: record.fetchSucceeded,
                deployedItems: record.deployment == nil ? [] : record.deployedItems
            )
        }
    }

    /// Forgets every deployment not in `keys` (no longer tracked, e.g. aged out of discovery).
    public mutating func keep(only keys: Set<DeploymentKey>) {
        // A cycle that forgets nothing (the usual one) copies nothing.
        guard slots.keys.contains(where: { !keys.contains($0) }) else { return }
        var kept = DeploymentRecords()
        kept.slots.reserveCapacity(min(keys.count, slots.count))
        for (key, index) in slots where keys.contains(key) {
            kept.insert(entries[index], for: key)
        }
        self = kept
    }

    /// Takes over `other`'s records of deployments in `workspaces` that these records do not have.
    public mutating func adopt(_ other: DeploymentRecords, in workspaces: Set<Workspace>) {
        for (key, index) in other.slots where slots[key] == nil && workspaces.contains(key.workspace) {
            insert(other.entries[index], for: key)
        }
    }

    /// Changes the record of `key` in place, an empty one first when there is none, and returns what `change` does.
    private mutating func update<Result>(_ key: DeploymentKey, _ change: (inout Record) -> Result) -> Result {
        if let index = slots[key] {
            return change(&entries[index])
        }
        var record = Record()
        let result = change(&record)
        insert(record, for: key)
        return result
    }

    /// Adds a record for a key that has none.
    private mutating func insert(_ record: Record, for key: DeploymentKey) {
        slots[key] = entries.count
        entries.append(record)
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
