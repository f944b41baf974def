public import DataWorksAPI

/// Which API a pipeline run comes from: the `kind` label.
public enum PipelineRunKind: String, Sendable, Hashable, CaseIterable {
    /// A same-workspace run (`ListPipelineRuns`, `GetPipelineRun`).
    case workspace
    /// A cross-project run (`ListCrossProjectPipelineRuns`, `GetCrossProjectPipelineRun`).
    case crossProject = "cross_project"
}

/// The identity of one pipeline run's series: `region_id`, `project`, `pipeline_run_id` and `kind`.
public struct PipelineRunKey: Sendable, Hashable {
    /// The workspace (its ProjectId).
    public var workspace: Workspace
    /// Which API the run comes from.
    public var kind: PipelineRunKind
    /// The run's `Id` (`PipelineRunId` for cross-project runs).
    public var pipelineRunId: String

    /// Creates a key.
    public init(workspace: Workspace, kind: PipelineRunKind, pipelineRunId: String) {
        self.workspace = workspace
        self.kind = kind
        self.pipelineRunId = pipelineRunId
    }
}

/// What the exporter shows of one pipeline run of either kind: the fields of `PipelineRun` or
/// `CrossProjectPipelineRun` (api-notes §6.2.2) the metrics use, times in epoch milliseconds.
public struct PipelineRunSummary: Sendable, Hashable {
    /// `Status`.
    public var status: PipelineRunStatus?
    /// `Creator`.
    public var creator: String?
    /// `Executor` (cross-project runs only).
    public var executor: String?
    /// `ObjectName` (cross-project runs only).
    public var objectName: String?
    /// `ObjectType` (cross-project runs only).
    public var objectType: String?
    /// `ChangeType` (cross-project runs only).
    public var changeType: String?
    /// `CreateTime`, epoch ms.
    public var createTime: Int64?
    /// `ModifyTime`, epoch ms (same-workspace runs only).
    public var modifyTime: Int64?
    /// `ExecuteTime`, epoch ms (cross-project runs only).
    public var executeTime: Int64?
    /// `FinishTime`, epoch ms (cross-project runs only).
    public var finishTime: Int64?
    /// `Message` or `ErrorMessage`: the failure text.
    public var errorMessage: String?
    /// `Stages[]` (same-workspace runs only).
    public var stages: [PipelineRunStage]
    /// The stage waiting at a manual gate (``PipelineRun/awaitingStage``), if any.
    public var awaitingStage: PipelineRunStage?

    /// A same-workspace run's fields.
    public init(_ run: PipelineRun) {
        status = run.status
        creator = run.creator
        createTime = run.createTime
        modifyTime = run.modifyTime
        errorMessage = run.message
        stages = run.stages
        awaitingStage = run.awaitingStage
    }

    /// A cross-project run's fields.
    public init(_ run: CrossProjectPipelineRun) {
        status = run.status
        creator = run.creator
        executor = run.executor
        objectName = run.objectName
        objectType = run.objectType
        changeType = run.changeType
        createTime = run.createTime
        executeTime = run.executeTime
        finishTime = run.finishTime
        errorMessage = run.errorMessage
        stages = []
    }
}

/// The count of a run's items of one type in one status (`dataworks_pipeline_run_items`).
public struct PipelineRunItemCount: Sendable, Hashable {
    /// The item type (`Node`, `WorkflowDefinition`, …; `ObjectType` for cross-project items); `unknown` if absent.
    public var itemType: String
    /// The item status label (``PipelineRunStatus/label``).
    public var status: String
    /// How many items.
    public var count: Int

    /// Creates a count.
    public init(itemType: String, status: String, count: Int) {
        self.itemType = itemType
        self.status = status
        self.count = count
    }

    /// Counts of `(type, status)` pairs, sorted by type then status.
    public static func counts(of items: [(type: String?, status: PipelineRunStatus?)]) -> [PipelineRunItemCount] {
        var counts: [String: [String: Int]] = [:]
        for item in items {
            counts[item.type ?? "unknown", default: [:]][item.status?.label ?? "unknown", default: 0] += 1
        }
        return counts.keys.sorted().flatMap { type in
            (counts[type] ?? [:]).sorted { $0.key < $1.key }.map {
                PipelineRunItemCount(itemType: type, status: $0.key, count: $0.value)
            }
        }
    }
}

/// What the exporter knows about one pipeline run after a collection.
public struct PipelineRunSample: Sendable {
    /// Which run.
    public var key: PipelineRunKey
    /// The last good values; `nil` if never fetched (or gone stale).
    public var run: PipelineRunSummary?
    /// Item counts, once the run ended and `ListPipelineRunItems` answered; `nil` before.
    public var items: [PipelineRunItemCount]?
    /// When the current manual-gate wait began, in seconds since the Unix epoch.
    public var awaitingSince: Double?
    /// When the run was last fetched successfully, in seconds since the Unix epoch.
    public var lastSuccessTimestamp: Double?
    /// Whether this collection's refresh succeeded.
    public var fetchSucceeded: Bool
}

/// What the collector remembers of pipeline runs between cycles: a pure value like ``DeploymentRecords``, changed only
/// by its mutating methods.
///
/// The first time a run is seen in a final status (Success, Fail, Termination, Cancel) is observed in one place,
/// ``update(_:with:now:)``, which returns it and appends the key to ``newlyFinal``: release analytics hook in there.
public struct PipelineRunRecords: Sendable {
    /// What is remembered of one run.
    public struct Record: Sendable, Equatable {
        /// The last good values.
        public var run: PipelineRunSummary?
        /// Item counts, once fetched after the run ended.
        public var items: [PipelineRunItemCount]?
        /// When the current manual-gate wait began (seconds since the Unix epoch); `nil` when not waiting.
        public var awaitingSince: Double?
        /// The stage step and code of that wait.
        public var awaitingStage: String?
        /// When the last successful fetch was (seconds since the Unix epoch).
        public var lastSuccess: Double?
        /// When the status was last confirmed (seconds since the Unix epoch); 0 if never.
        public var checkedAt: Double = 0
        /// Whether the latest refresh succeeded.
        public var fetchSucceeded = false
        /// When refreshes started failing after the last success (seconds since the Unix epoch).
        public var failingSince: Double?
        /// When the run was first seen in a final status (seconds since the Unix epoch).
        public var finalSince: Double?

        /// Creates an empty record.
        public init() {}
    }

    private var records: [PipelineRunKey: Record] = [:]
    /// Runs seen in a final status for the first time since the last ``takeNewlyFinal()``.
    public private(set) var newlyFinal: [PipelineRunKey] = []

    /// Creates empty records.
    public init() {}

    /// The record of `key`, if any.
    public subscript(key: PipelineRunKey) -> Record? { records[key] }

    /// The number of runs remembered.
    public var count: Int { records.count }

    /// Every remembered key.
    public var keys: Dictionary<PipelineRunKey, Record>.Keys { records.keys }

    /// What the ``PipelineRunPlanner`` needs to know of every remembered run.
    public var known: [PipelineRunKey: PipelineRunPlanner.Known] {
        records.compactMapValues { record in
            PipelineRunPlanner.Known(
                status: record.run?.status,
                createTime: record.run?.createTime,
                checkedAt: record.checkedAt,
                hasItems: record.items != nil
            )
        }
    }

    /// Records an answer (a list item or a Get answer: both carry every field the metrics use).
    ///
    /// - Returns: True when this is the first time the run is seen in a final status (the release-analytics hook).
    @discardableResult
    public mutating func update(_ key: PipelineRunKey, with run: PipelineRunSummary, now: Double) -> Bool {
        var record = records[key] ?? Record()
        var run = run
        // A failure's first message is kept while the status stays Fail (issue 15 item 9, as DeploymentRecords does).
        if run.status == .fail, record.run?.status == .fail, let first = record.run?.errorMessage {
            run.errorMessage = first
        }
        record.run = run
        if let stage = run.awaitingStage {
            let id = "\(stage.step.map(String.init) ?? "")/\(stage.code ?? "")"
            if record.awaitingStage != id || record.awaitingSince == nil {
                // ModifyTime moves when the stage before the gate finishes; else the first time seen waiting.
                record.awaitingSince = run.modifyTime.map { Double($0) / 1_000 } ?? now
                record.awaitingStage = id
            }
        } else {
            record.awaitingSince = nil
            record.awaitingStage = nil
        }
        record.lastSuccess = now
        record.checkedAt = now
        record.fetchSucceeded = true
        record.failingSince = nil
        var becameFinal = false
        if run.status?.isTerminal == true, record.finalSince == nil {
            record.finalSince = now
            becameFinal = true
            newlyFinal.append(key)
        }
        records[key] = record
        return becameFinal
    }

    /// Records the items of an ended run.
    public mutating func setItems(_ key: PipelineRunKey, _ items: [PipelineRunItemCount]) {
        var record = records[key] ?? Record()
        record.items = items
        records[key] = record
    }

    /// Records a failed or missed refresh: the last good values stay, the failure streak starts if it had not.
    public mutating func fail(_ key: PipelineRunKey, now: Double) {
        var record = records[key] ?? Record()
        record.fetchSucceeded = false
        record.failingSince = record.failingSince ?? now
        records[key] = record
    }

    /// Marks `key` as confirmed now without new values (a final run not due for a refresh keeps its success).
    public mutating func carry(_ key: PipelineRunKey) {
        guard var record = records[key], record.run != nil else { return }
        record.fetchSucceeded = record.failingSince == nil
        records[key] = record
    }

    /// Ends a cycle for `key`: drops its last good values once failing for `maxStale` seconds or more, and returns
    /// its sample.
    public mutating func age(_ key: PipelineRunKey, maxStale: Double, now: Double) -> PipelineRunSample {
        let record = Self.aged(records[key] ?? Record(), maxStale: maxStale, now: now)
        records[key] = record
        return Self.sample(key, record)
    }

    /// The sample of `key` as ``fail(_:now:)`` then ``age(_:maxStale:now:)`` would leave it, the records unchanged:
    /// what a scrape that joins a collection in flight shows, without copying every record.
    ///
    /// - Parameters:
    ///   - key: The run; an unknown one gives a sample without data.
    ///   - maxStale: `max_stale`, in seconds: how long a failing run keeps its last good values.
    ///   - now: The current time, in seconds since the Unix epoch.
    /// - Returns: The sample, with `fetchSucceeded` false.
    public func failedSample(_ key: PipelineRunKey, maxStale: Double, now: Double) -> PipelineRunSample {
        var record = records[key] ?? Record()
        record.fetchSucceeded = false
        record.failingSince = record.failingSince ?? now
        return Self.sample(key, Self.aged(record, maxStale: maxStale, now: now))
    }

    /// `record` without its last good values once it has been failing for `maxStale` seconds or more.
    private static func aged(_ record: Record, maxStale: Double, now: Double) -> Record {
        var record = record
        if !record.fetchSucceeded, let since = record.failingSince, now - since >= maxStale {
            record.run = nil
            record.items = nil
        }
        return record
    }

    private static func sample(_ key: PipelineRunKey, _ record: Record) -> PipelineRunSample {
        PipelineRunSample(
            key: key,
            run: record.run,
            items: record.items,
            awaitingSince: record.run == nil ? nil : record.awaitingSince,
            lastSuccessTimestamp: record.lastSuccess,
            fetchSucceeded: record.fetchSucceeded
        )
    }

    /// Forgets every run not in `keys`.
    public mutating func keep(only keys: Set<PipelineRunKey>) {
        records = records.filter { keys.contains($0.key) }
    }

    /// Takes over `other`'s records of runs in `workspaces` that these records do not have.
    public mutating func adopt(_ other: PipelineRunRecords, in workspaces: Set<Workspace>) {
        for (key, record) in other.records where records[key] == nil && workspaces.contains(key.workspace) {
            records[key] = record
        }
    }

    /// Returns and clears ``newlyFinal``.
    public mutating func takeNewlyFinal() -> [PipelineRunKey] {
        defer { newlyFinal = [] }
        return newlyFinal
    }
}
