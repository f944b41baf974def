/// The status of a pipeline run, of one of its stages, of a run item, or of a cross-project pipeline run.
///
/// Pipeline runs and stages use `Init`, `Running`, `Success`, `Fail`, `Termination`, `Cancel`; cross-project runs use
/// `Building`, `Ready` (waiting to be executed), `Running`, `Termination`, `Success`, `Fail`. Any other value is kept
/// as ``unknown(_:)``.
///
/// Source: api-notes §6.2.3.
public enum PipelineRunStatus: Sendable, Hashable, CustomStringConvertible {
    /// `Init`: not started (a stage still `Init` after earlier ones succeeded is a manual gate).
    case initial
    /// `Building` (cross-project runs).
    case building
    /// `Ready` (cross-project runs): built, waiting to be executed.
    case ready
    /// `Running`.
    case running
    /// `Success`.
    case success
    /// `Fail`.
    case fail
    /// `Termination`: stopped (e.g. by AbolishPipelineRun).
    case termination
    /// `Cancel`.
    case cancel
    /// Any other value, as sent.
    case unknown(String)

    /// Every known status, in the order of the metric's `status` label set (``unknown(_:)`` excluded).
    public static let known: [PipelineRunStatus] = [
        .initial, .building, .ready, .running, .success, .fail, .termination, .cancel,
    ]

    /// Every `status` label value a status metric presets: the known labels and `unknown`.
    public static let allLabels: [String] = known.map(\.label) + ["unknown"]

    /// Reads the API value (`Init`, `Running`, …); the match ignores case, anything else is ``unknown(_:)``.
    ///
    /// - Parameter apiValue: The `Status` string of the answer.
    public init(apiValue: String) {
        switch apiValue.lowercased() {
        case "init": self = .initial
        case "building": self = .building
        case "ready": self = .ready
        case "running": self = .running
        case "success": self = .success
        case "fail": self = .fail
        case "termination": self = .termination
        case "cancel": self = .cancel
        default: self = .unknown(apiValue)
        }
    }

    /// The API value: `Init`, `Building`, `Ready`, `Running`, `Success`, `Fail`, `Termination`, `Cancel`, or the
    /// unknown value as received.
    public var apiValue: String {
        switch self {
        case .initial: "Init"
        case .building: "Building"
        case .ready: "Ready"
        case .running: "Running"
        case .success: "Success"
        case .fail: "Fail"
        case .termination: "Termination"
        case .cancel: "Cancel"
        case .unknown(let value): value
        }
    }

    /// The `status` label of the metrics: the API value lower-cased (`init`, `running`, …), `unknown` for any value
    /// not known.
    public var label: String {
        if case .unknown = self { return "unknown" }
        return apiValue.lowercased()
    }

    /// Whether the run has ended: `Success`, `Fail`, `Termination` or `Cancel`.
    public var isTerminal: Bool {
        switch self {
        case .success, .fail, .termination, .cancel: true
        case .initial, .building, .ready, .running, .unknown: false
        }
    }

    /// The API value.
    public var description: String { apiValue }
}

/// The type of a pipeline-run stage: `Build`, `Check`, `Deploy`, `Offline`, `Delete`, or another value as sent.
///
/// Source: api-notes §6.2.3.
public enum PipelineRunStageType: Sendable, Hashable, CustomStringConvertible {
    /// `Build`: the package is built.
    case build
    /// `Check`: checkers run before a deploy.
    case check
    /// `Deploy`: the package is deployed to an environment.
    case deploy
    /// `Offline`: objects are taken offline.
    case offline
    /// `Delete`: objects are deleted.
    case delete
    /// Any other value, as sent.
    case unknown(String)

    /// Reads the API value; the match ignores case.
    ///
    /// - Parameter apiValue: The stage's `Type` string.
    public init(apiValue: String) {
        switch apiValue.lowercased() {
        case "build": self = .build
        case "check": self = .check
        case "deploy": self = .deploy
        case "offline": self = .offline
        case "delete": self = .delete
        default: self = .unknown(apiValue)
        }
    }

    /// The API value: `Build`, `Check`, `Deploy`, `Offline`, `Delete`, or the unknown value as received.
    public var apiValue: String {
        switch self {
        case .build: "Build"
        case .check: "Check"
        case .deploy: "Deploy"
        case .offline: "Offline"
        case .delete: "Delete"
        case .unknown(let value): value
        }
    }

    /// The API value.
    public var description: String { apiValue }
}

/// One stage of a pipeline run, `Pipeline.Stages[]` (GetPipelineRun) or `PagingInfo.PipelineRuns[].Stages[]`
/// (ListPipelineRuns). Every field is optional; absent keys stay `nil`. Stages carry no times.
///
/// Source: api-notes §6.2.2 (fields), §6.2.3 (values).
public struct PipelineRunStage: Sendable, Hashable {
    /// `Step`: 1, 2, 3, … in execution order.
    public var step: Int?
    /// `Code`: the stage code (e.g. `BUILD_PACKAGE`, `DEV_CHECK`, `PROD`), the input of ExecPipelineRunStage.
    public var code: String?
    /// `Type`.
    public var type: PipelineRunStageType?
    /// `Status`.
    public var status: PipelineRunStatus?
    /// `Name` (often Chinese text).
    public var name: String?
    /// `Description`.
    public var description: String?
    /// `Message`: the stage's error text; absent while `Init`, empty once finished without error.
    public var message: String?

    /// Creates a stage; every field defaults to `nil`.
    public init(
        step: Int? = nil,
        code: String? = nil,
        type: PipelineRunStageType? = nil,
        status: PipelineRunStatus? = nil,
        name: String? = nil,
        description: String? = nil,
        message: String? = nil
    ) {
        self.step = step
        self.code = code
        self.type = type
        self.status = status
        self.name = name
        self.description = description
        self.message = message
    }
}

/// A pipeline run of a workspace on the new Data Studio: `Pipeline` of GetPipelineRun, or an element of
/// `PagingInfo.PipelineRuns[]` of ListPipelineRuns (the same fields, stages included). Every field is optional.
///
/// There is no executor and there are no execute or finish times for this kind (api-notes §6.2.4, "Times").
///
/// Source: api-notes §6.2.2.
public struct PipelineRun: Sendable, Hashable {
    /// `Id`: the pipeline run id, a string (a UUID in practice).
    public var id: String?
    /// `ProjectId`.
    public var projectId: Int64?
    /// `Creator`: the creator's Alibaba Cloud UID, kept as a string.
    public var creator: String?
    /// `Description`.
    public var description: String?
    /// `Status`.
    public var status: PipelineRunStatus?
    /// `Message`: the error text when the run failed.
    public var message: String?
    /// `CreateTime`: epoch milliseconds.
    public var createTime: Int64?
    /// `ModifyTime`: epoch milliseconds.
    public var modifyTime: Int64?
    /// `Stages[]` in the order received (empty when absent).
    public var stages: [PipelineRunStage]

    /// Creates a run; every field defaults to `nil` or empty.
    public init(
        id: String? = nil,
        projectId: Int64? = nil,
        creator: String? = nil,
        description: String? = nil,
        status: PipelineRunStatus? = nil,
        message: String? = nil,
        createTime: Int64? = nil,
        modifyTime: Int64? = nil,
        stages: [PipelineRunStage] = []
    ) {
        self.id = id
        self.projectId = projectId
        self.creator = creator
        self.description = description
        self.status = status
        self.message = message
        self.createTime = createTime
        self.modifyTime = modifyTime
        self.stages = stages
    }

    /// The stage a person must execute next, when the run waits at a manual gate: the run is `Running`, no stage is
    /// `Running`, at least one earlier stage is done (`Success`), and the first stage after the done ones is `Init`.
    ///
    /// Stages are taken in `Step` order (stages without a step keep their place after the numbered ones).
    /// Source: api-notes §6.2.4, "Manual gates".
    public var awaitingStage: PipelineRunStage? {
        guard status == .running else { return nil }
        let ordered = stages.enumerated().sorted { lhs, rhs in
            (lhs.element.step ?? Int.max, lhs.offset) < (rhs.element.step ?? Int.max, rhs.offset)
        }.map(\.element)
        guard !ordered.contains(where: { $0.status == .running }) else { return nil }
        let done = ordered.prefix { $0.status == .success }
        guard !done.isEmpty, done.count < ordered.count else { return nil }
        let next = ordered[done.count]
        return next.status == .initial ? next : nil
    }
}

/// One object a pipeline run deploys: `PagingInfo.PipelineRunItems[]` of ListPipelineRunItems. Every field is
/// optional. The answer does not name the run; the caller knows which one it asked about.
///
/// Source: api-notes §6.2.2, §6.2.3 (item types `Node`, `WorkflowDefinition`, `Resource`, `Function`; statuses `Init`,
/// `Running`, `Success`, `Fail`, `Termination`).
public struct PipelineRunItem: Sendable, Hashable {
    /// `Id`: a string (a Long before SDK 8.0.0; numbers are read as their decimal text).
    public var id: String?
    /// `Name`.
    public var name: String?
    /// `Type`: `Node`, `WorkflowDefinition`, `Resource`, `Function`, as sent.
    public var type: String?
    /// `Status`.
    public var status: PipelineRunStatus?
    /// `Version`.
    public var version: Int?
    /// `Message`: the item's error text.
    public var message: String?
    /// `Spec`: a FlowSpec JSON document as a string (not decoded here).
    public var spec: String?
    /// `CreateTime`: epoch milliseconds.
    public var createTime: Int64?
    /// `ModifyTime`: epoch milliseconds.
    public var modifyTime: Int64?

    /// Creates an item; every field defaults to `nil`.
    public init(
        id: String? = nil,
        name: String? = nil,
        type: String? = nil,
        status: PipelineRunStatus? = nil,
        version: Int? = nil,
        message: String? = nil,
        spec: String? = nil,
        createTime: Int64? = nil,
        modifyTime: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.status = status
        self.version = version
        self.message = message
        self.spec = spec
        self.createTime = createTime
        self.modifyTime = modifyTime
    }
}

/// A release across workspaces: `Data` of GetCrossProjectPipelineRun, or an element of `Data.PipelineRuns[]` of
/// ListCrossProjectPipelineRuns. Every field is optional.
///
/// Source: api-notes §6.2.2 (fields), §6.2.3 (`Status`: `Building`, `Ready`, `Running`, `Termination`, `Success`,
/// `Fail`; `ObjectType` and `ChangeType` are not enumerated).
public struct CrossProjectPipelineRun: Sendable, Hashable {
    /// `PipelineRunId`: a string.
    public var pipelineRunId: String?
    /// `DeploymentEnvironmentId`.
    public var deploymentEnvironmentId: Int64?
    /// `ObjectId`: a string even when it looks numeric.
    public var objectId: String?
    /// `ObjectName`.
    public var objectName: String?
    /// `ObjectType`, e.g. `ODPS_SQL`, as sent.
    public var objectType: String?
    /// `ObjectVersion`: a string.
    public var objectVersion: String?
    /// `ChangeType`, e.g. `ADD`, `UPDATE`, as sent.
    public var changeType: String?
    /// `Status`.
    public var status: PipelineRunStatus?
    /// `Description`.
    public var description: String?
    /// `Creator`: a UID string.
    public var creator: String?
    /// `CreateTime`: epoch milliseconds.
    public var createTime: Int64?
    /// `Executor`: a UID string; present once executed.
    public var executor: String?
    /// `ExecuteTime`: epoch milliseconds.
    public var executeTime: Int64?
    /// `FinishTime`: epoch milliseconds.
    public var finishTime: Int64?
    /// `ErrorCode` of a failed run.
    public var errorCode: String?
    /// `ErrorMessage` of a failed run.
    public var errorMessage: String?
    /// `Abolisher`: a UID string; present after the run was terminated.
    public var abolisher: String?
    /// `AbolishTime`: epoch milliseconds; present after the run was terminated.
    public var abolishTime: Int64?

    /// Creates a run; every field defaults to `nil`.
    public init(
        pipelineRunId: String? = nil,
        deploymentEnvironmentId: Int64? = nil,
        objectId: String? = nil,
        objectName: String? = nil,
        objectType: String? = nil,
        objectVersion: String? = nil,
        changeType: String? = nil,
        status: PipelineRunStatus? = nil,
        description: String? = nil,
        creator: String? = nil,
        createTime: Int64? = nil,
        executor: String? = nil,
        executeTime: Int64? = nil,
        finishTime: Int64? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil,
        abolisher: String? = nil,
        abolishTime: Int64? = nil
    ) {
        self.pipelineRunId = pipelineRunId
        self.deploymentEnvironmentId = deploymentEnvironmentId
        self.objectId = objectId
        self.objectName = objectName
        self.objectType = objectType
        self.objectVersion = objectVersion
        self.changeType = changeType
        self.status = status
        self.description = description
        self.creator = creator
        self.createTime = createTime
        self.executor = executor
        self.executeTime = executeTime
        self.finishTime = finishTime
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.abolisher = abolisher
        self.abolishTime = abolishTime
    }
}

/// One object of a cross-project pipeline run: `Data.PipelineRunItems[]` of ListCrossProjectPipelineRunItems.
/// Every field is optional.
///
/// Source: api-notes §6.2.2.
public struct CrossProjectPipelineRunItem: Sendable, Hashable {
    /// `ObjectId`: a string.
    public var objectId: String?
    /// `ObjectName`.
    public var objectName: String?
    /// `ObjectType`, as sent.
    public var objectType: String?
    /// `ObjectVersion`: a string.
    public var objectVersion: String?
    /// `ChangeType`, as sent.
    public var changeType: String?
    /// `Status` (not enumerated by the SDK).
    public var status: PipelineRunStatus?
    /// `IsRoot`: whether this is the root object of the run.
    public var isRoot: Bool?
    /// `ParentObjectId`.
    public var parentObjectId: String?
    /// `ErrorCode`.
    public var errorCode: String?
    /// `ErrorMessage`.
    public var errorMessage: String?

    /// Creates an item; every field defaults to `nil`.
    public init(
        objectId: String? = nil,
        objectName: String? = nil,
        objectType: String? = nil,
        objectVersion: String? = nil,
        changeType: String? = nil,
        status: PipelineRunStatus? = nil,
        isRoot: Bool? = nil,
        parentObjectId: String? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil
    ) {
        self.objectId = objectId
        self.objectName = objectName
        self.objectType = objectType
        self.objectVersion = objectVersion
        self.changeType = changeType
        self.status = status
        self.isRoot = isRoot
        self.parentObjectId = parentObjectId
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// One page of a 2024-05-18 list answer: `PagingInfo` (same-workspace lists) or `Data` (cross-project lists).
///
/// Source: api-notes §6.2.2 (shapes), §6.2.4 ("Paging": `PageNumber` starts at 1; stop when
/// `PageNumber × PageSize ≥ TotalCount` or when a page is empty).
public struct PipelineRunPage<Element: Sendable & Hashable>: Sendable, Hashable {
    /// The top-level `RequestId`.
    public var requestId: String?
    /// `PageNumber` as echoed.
    public var pageNumber: Int?
    /// `PageSize` as echoed.
    public var pageSize: Int?
    /// `TotalCount`.
    public var totalCount: Int64?
    /// The elements (empty when the list is absent: the SDK cannot tell absent from empty either).
    public var items: [Element]

    /// Creates a page.
    public init(
        requestId: String? = nil,
        pageNumber: Int? = nil,
        pageSize: Int? = nil,
        totalCount: Int64? = nil,
        items: [Element] = []
    ) {
        self.requestId = requestId
        self.pageNumber = pageNumber
        self.pageSize = pageSize
        self.totalCount = totalCount
        self.items = items
    }

    /// Whether no further page holds anything: this page is empty, or `PageNumber × PageSize ≥ TotalCount` (with
    /// `requestedPageNumber` and `requestedPageSize` standing in for values the answer did not echo). Also true when
    /// `TotalCount` is absent and the page is not full.
    ///
    /// - Parameters:
    ///   - requestedPageNumber: The `PageNumber` that was sent.
    ///   - requestedPageSize: The `PageSize` that was sent.
    public func isLast(requestedPageNumber: Int, requestedPageSize: Int) -> Bool {
        if items.isEmpty { return true }
        let number = Int64(pageNumber ?? requestedPageNumber)
        let size = Int64(max(1, pageSize ?? requestedPageSize))
        guard let totalCount else { return items.count < size }
        return number * size >= totalCount
    }
}
