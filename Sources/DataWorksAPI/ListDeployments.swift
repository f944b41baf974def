/// The parameters of `ListDeployments` (2020-05-18), sent in the form body.
///
/// Source: api-notes §6.1.
public struct ListDeploymentsRequest: Sendable, Equatable, Hashable {
    /// The API name, `ListDeployments`.
    public static let action = "ListDeployments"
    /// The largest `PageSize` the API accepts.
    public static let maximumPageSize = 100

    /// `ProjectId`; one of this or ``projectIdentifier`` is required.
    public var projectId: Int64?
    /// `ProjectIdentifier`.
    public var projectIdentifier: String?
    /// `PageNumber`, from 1.
    public var pageNumber: Int
    /// `PageSize`, 1…100 (clamped).
    public var pageSize: Int
    /// `Status` filter, or `nil` for all.
    public var status: DeploymentStatus?

    /// Creates the request parameters.
    public init(
        projectId: Int64? = nil,
        projectIdentifier: String? = nil,
        pageNumber: Int = 1,
        pageSize: Int = 100,
        status: DeploymentStatus? = nil
    ) {
        self.projectId = projectId
        self.projectIdentifier = projectIdentifier
        self.pageNumber = max(1, pageNumber)
        self.pageSize = min(max(1, pageSize), Self.maximumPageSize)
        self.status = status
    }

    /// The non-nil parameters by wire name, for ``SignedRequestBuilder``.
    public var parameters: [String: String] {
        var result = ["PageNumber": String(pageNumber), "PageSize": String(pageSize)]
        if let projectId { result["ProjectId"] = String(projectId) }
        if let projectIdentifier { result["ProjectIdentifier"] = projectIdentifier }
        if let status { result["Status"] = String(status.code) }
        return result
    }
}

/// One page of `ListDeployments`: `Data.{PageNumber, PageSize, TotalCount, Deployments[]}`.
///
/// Items map `Id`, `Name`, `Status`, `Creator` (→ ``Deployment/creatorId``), `Executor` (→ ``Deployment/handlerId``),
/// `CreateTime`, `ExecuteTime`, `ErrorMessage` onto ``Deployment``.
///
/// Source: api-notes §6.1.
public struct ListDeploymentsPage: Sendable, Equatable {
    /// `RequestId`.
    public var requestId: String?
    /// `Data.PageNumber`.
    public var pageNumber: Int?
    /// `Data.PageSize`.
    public var pageSize: Int?
    /// `Data.TotalCount`.
    public var totalCount: Int64?
    /// `Data.Deployments` (empty when absent).
    public var deployments: [Deployment]

    /// Creates a page.
    public init(
        requestId: String? = nil,
        pageNumber: Int? = nil,
        pageSize: Int? = nil,
        totalCount: Int64? = nil,
        deployments: [Deployment] = []
    ) {
        self.requestId = requestId
        self.pageNumber = pageNumber
        self.pageSize = pageSize
        self.totalCount = totalCount
        self.deployments = deployments
    }
}
