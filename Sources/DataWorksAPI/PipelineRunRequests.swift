/// A page request, `PageNumber` from 1 and `PageSize` 1…100 (both clamped).
///
/// Source: api-notes §6.2.1, §6.2.4.
public struct PipelineRunPaging: Sendable, Hashable {
    /// The largest `PageSize` sent: ListPipelineRuns and ListPipelineRunItems document 100; the SDK gives no
    /// maximum for the cross-project lists, so the same bound is used there (api-notes §6.2.1, §9).
    public static let maximumPageSize = 100

    /// `PageNumber`, from 1.
    public var pageNumber: Int
    /// `PageSize`, 1…``maximumPageSize``.
    public var pageSize: Int

    /// Creates a page request; values outside the ranges are clamped.
    ///
    /// - Parameters:
    ///   - pageNumber: The page, from 1 (default 1).
    ///   - pageSize: Elements per page, at most 100 (default 100).
    public init(pageNumber: Int = 1, pageSize: Int = PipelineRunPaging.maximumPageSize) {
        self.pageNumber = max(1, pageNumber)
        self.pageSize = min(max(1, pageSize), Self.maximumPageSize)
    }

    /// The next page with the same size.
    public var next: PipelineRunPaging { PipelineRunPaging(pageNumber: pageNumber + 1, pageSize: pageSize) }

    func write(to parameters: inout [String: String]) {
        parameters["PageNumber"] = String(pageNumber)
        parameters["PageSize"] = String(pageSize)
    }
}

/// `GetPipelineRun` (2024-05-18): `GET`, query `Id`, `ProjectId`.
///
/// Source: api-notes §6.2.1.
public struct GetPipelineRunRequest: Sendable, Hashable {
    /// The operation: `GetPipelineRun`, 2024-05-18, query parameters.
    public static let operation = APIOperation.getPipelineRun

    /// `ProjectId` (required).
    public var projectId: Int64
    /// `Id`: the pipeline run id (required).
    public var pipelineRunId: String

    /// Creates the request.
    public init(projectId: Int64, pipelineRunId: String) {
        self.projectId = projectId
        self.pipelineRunId = pipelineRunId
    }

    /// The parameters by wire name.
    public var parameters: [String: String] {
        ["Id": pipelineRunId, "ProjectId": String(projectId)]
    }
}

/// `ListPipelineRuns` (2024-05-18): `GET`, query `ProjectId`, optional `Creator`, `ObjectId`, `Status`, and paging.
/// The list has no time filter and no sort parameter.
///
/// Source: api-notes §6.2.1, §6.2.4.
public struct ListPipelineRunsRequest: Sendable, Hashable {
    /// The operation: `ListPipelineRuns`, 2024-05-18, query parameters.
    public static let operation = APIOperation.listPipelineRuns

    /// `ProjectId` (required).
    public var projectId: Int64
    /// `Creator`: a UID, or `nil` for all.
    public var creator: String?
    /// `ObjectId`: runs that deploy this object, or `nil` for all.
    public var objectId: String?
    /// `Status` filter, or `nil` for all.
    public var status: PipelineRunStatus?
    /// `PageNumber`, `PageSize`.
    public var paging: PipelineRunPaging

    /// Creates the request.
    public init(
        projectId: Int64,
        creator: String? = nil,
        objectId: String? = nil,
        status: PipelineRunStatus? = nil,
        paging: PipelineRunPaging = PipelineRunPaging()
    ) {
        self.projectId = projectId
        self.creator = creator
        self.objectId = objectId
        self.status = status
        self.paging = paging
    }

    /// The non-nil parameters by wire name.
    public var parameters: [String: String] {
        var result = ["ProjectId": String(projectId)]
        if let creator { result["Creator"] = creator }
        if let objectId { result["ObjectId"] = objectId }
        if let status { result["Status"] = status.apiValue }
        paging.write(to: &result)
        return result
    }
}

/// `ListPipelineRunItems` (2024-05-18): `GET`, query `PipelineRunId`, `ProjectId`, and paging.
///
/// Source: api-notes §6.2.1.
public struct ListPipelineRunItemsRequest: Sendable, Hashable {
    /// The operation: `ListPipelineRunItems`, 2024-05-18, query parameters.
    public static let operation = APIOperation.listPipelineRunItems

    /// `ProjectId` (required).
    public var projectId: Int64
    /// `PipelineRunId` (required).
    public var pipelineRunId: String
    /// `PageNumber`, `PageSize`.
    public var paging: PipelineRunPaging

    /// Creates the request.
    public init(projectId: Int64, pipelineRunId: String, paging: PipelineRunPaging = PipelineRunPaging()) {
        self.projectId = projectId
        self.pipelineRunId = pipelineRunId
        self.paging = paging
    }

    /// The parameters by wire name.
    public var parameters: [String: String] {
        var result = ["PipelineRunId": pipelineRunId, "ProjectId": String(projectId)]
        paging.write(to: &result)
        return result
    }
}

/// `GetCrossProjectPipelineRun` (2024-05-18): `POST`, form body `PipelineRunId`, `ProjectId`.
///
/// Source: api-notes §6.2.1.
public struct GetCrossProjectPipelineRunRequest: Sendable, Hashable {
    /// The operation: `GetCrossProjectPipelineRun`, 2024-05-18, form body.
    public static let operation = APIOperation.getCrossProjectPipelineRun

    /// `ProjectId` (required).
    public var projectId: Int64
    /// `PipelineRunId` (required).
    public var pipelineRunId: String

    /// Creates the request.
    public init(projectId: Int64, pipelineRunId: String) {
        self.projectId = projectId
        self.pipelineRunId = pipelineRunId
    }

    /// The parameters by wire name.
    public var parameters: [String: String] {
        ["PipelineRunId": pipelineRunId, "ProjectId": String(projectId)]
    }
}

/// `ListCrossProjectPipelineRuns` (2024-05-18): `POST`, form body `ProjectId`, optional `CreateTimeFrom`,
/// `CreateTimeTo` (epoch ms), `Creator`, `Executor`, `DeploymentEnvironmentId`, `ObjectId`, `ObjectType`, `Status`,
/// and paging.
///
/// Source: api-notes §6.2.1.
public struct ListCrossProjectPipelineRunsRequest: Sendable, Hashable {
    /// The operation: `ListCrossProjectPipelineRuns`, 2024-05-18, form body.
    public static let operation = APIOperation.listCrossProjectPipelineRuns

    /// `ProjectId` (required).
    public var projectId: Int64
    /// `CreateTimeFrom`: epoch milliseconds, or `nil`.
    public var createTimeFrom: Int64?
    /// `CreateTimeTo`: epoch milliseconds, or `nil`.
    public var createTimeTo: Int64?
    /// `Creator`: a UID, or `nil`.
    public var creator: String?
    /// `Executor`: a UID, or `nil`.
    public var executor: String?
    /// `DeploymentEnvironmentId`, or `nil`.
    public var deploymentEnvironmentId: Int64?
    /// `ObjectId`, or `nil`.
    public var objectId: String?
    /// `ObjectType`, or `nil`.
    public var objectType: String?
    /// `Status` filter (`Building`, `Ready`, `Running`, `Termination`, `Success`, `Fail`), or `nil` for all.
    public var status: PipelineRunStatus?
    /// `PageNumber`, `PageSize`.
    public var paging: PipelineRunPaging

    /// Creates the request.
    public init(
        projectId: Int64,
        createTimeFrom: Int64? = nil,
        createTimeTo: Int64? = nil,
        creator: String? = nil,
        executor: String? = nil,
        deploymentEnvironmentId: Int64? = nil,
        objectId: String? = nil,
        objectType: String? = nil,
        status: PipelineRunStatus? = nil,
        paging: PipelineRunPaging = PipelineRunPaging()
    ) {
        self.projectId = projectId
        self.createTimeFrom = createTimeFrom
        self.createTimeTo = createTimeTo
        self.creator = creator
        self.executor = executor
        self.deploymentEnvironmentId = deploymentEnvironmentId
        self.objectId = objectId
        self.objectType = objectType
        self.status = status
        self.paging = paging
    }

    /// The non-nil parameters by wire name.
    public var parameters: [String: String] {
        var result = ["ProjectId": String(projectId)]
        if let createTimeFrom { result["CreateTimeFrom"] = String(createTimeFrom) }
        if let createTimeTo { result["CreateTimeTo"] = String(createTimeTo) }
        if let creator { result["Creator"] = creator }
        if let executor { result["Executor"] = executor }
        if let deploymentEnvironmentId { result["DeploymentEnvironmentId"] = String(deploymentEnvironmentId) }
        if let objectId { result["ObjectId"] = objectId }
        if let objectType { result["ObjectType"] = objectType }
        if let status { result["Status"] = status.apiValue }
        paging.write(to: &result)
        return result
    }
}

/// `ListCrossProjectPipelineRunItems` (2024-05-18): `POST`, form body `PipelineRunId`, `ProjectId`, and paging.
///
/// Source: api-notes §6.2.1.
public struct ListCrossProjectPipelineRunItemsRequest: Sendable, Hashable {
    /// The operation: `ListCrossProjectPipelineRunItems`, 2024-05-18, form body.
    public static let operation = APIOperation.listCrossProjectPipelineRunItems

    /// `ProjectId` (required).
    public var projectId: Int64
    /// `PipelineRunId` (required).
    public var pipelineRunId: String
    /// `PageNumber`, `PageSize`.
    public var paging: PipelineRunPaging

    /// Creates the request.
    public init(projectId: Int64, pipelineRunId: String, paging: PipelineRunPaging = PipelineRunPaging()) {
        self.projectId = projectId
        self.pipelineRunId = pipelineRunId
        self.paging = paging
    }

    /// The parameters by wire name.
    public var parameters: [String: String] {
        var result = ["PipelineRunId": pipelineRunId, "ProjectId": String(projectId)]
        paging.write(to: &result)
        return result
    }
}
