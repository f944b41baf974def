/// A DataWorks deployment package, as `GetDeployment` (`Data.Deployment`) or `ListDeployments`
/// (`Data.Deployments[]`) return it. Every field is optional; absent keys stay `nil`.
///
/// Source: api-notes §3.1 (fields and types), §6.1 (ListDeployments item), §7 (semantics).
public struct Deployment: Sendable, Equatable, Hashable {
    /// `Id`: the DeploymentId (only in `ListDeployments`; `GetDeployment` does not echo it).
    public var id: Int64?
    /// `Name`: the package name.
    public var name: String?
    /// `CreatorId` (`Creator` in ListDeployments): the creator's Alibaba Cloud UID, kept as a string.
    public var creatorId: String?
    /// `HandlerId` (`Executor` in ListDeployments): the UID of the user who ran the package.
    public var handlerId: String?
    /// `CreateTime`: creation time, epoch milliseconds.
    public var createTime: Int64?
    /// `ExecuteTime`: execution time, epoch milliseconds.
    public var executeTime: Int64?
    /// `Status`: 0 ready, 1 success, 2 failure (6 rejected in ListDeployments).
    public var status: DeploymentStatus?
    /// `ErrorMessage`: meaningful only when `Status` is 2.
    public var errorMessage: String?
    /// `FromEnvironment`: 0 local, 1 development.
    public var fromEnvironment: Int?
    /// `ToEnvironment`: 1 development, 2 production.
    public var toEnvironment: Int?
    /// `CheckingStatus`: 7 check failed, 8 checking; `nil` when absent or empty.
    public var checkingStatus: DeploymentCheckingStatus?

    /// Creates a deployment; every field defaults to `nil`.
    public init(
        id: Int64? = nil,
        name: String? = nil,
        creatorId: String? = nil,
        handlerId: String? = nil,
        createTime: Int64? = nil,
        executeTime: Int64? = nil,
        status: DeploymentStatus? = nil,
        errorMessage: String? = nil,
        fromEnvironment: Int? = nil,
        toEnvironment: Int? = nil,
        checkingStatus: DeploymentCheckingStatus? = nil
    ) {
        self.id = id
        self.name = name
        self.creatorId = creatorId
        self.handlerId = handlerId
        self.createTime = createTime
        self.executeTime = executeTime
        self.status = status
        self.errorMessage = errorMessage
        self.fromEnvironment = fromEnvironment
        self.toEnvironment = toEnvironment
        self.checkingStatus = checkingStatus
    }
}

/// One file of a deployment package, `Data.DeployedItems[]` of `GetDeployment`.
///
/// Source: api-notes §3.1.
public struct DeployedItem: Sendable, Equatable, Hashable {
    /// `FileId`.
    public var fileId: Int64?
    /// `FileVersion`.
    public var fileVersion: Int?
    /// `Status`: 0 UNPUBLISHED, 1 SUCCESS, 2 ERROR, 3 CLONED, 4 DEPLOY_ERROR, 5 CLONING, 6 REJECT.
    public var status: DeployedItemStatus?

    /// Creates an item.
    public init(fileId: Int64? = nil, fileVersion: Int? = nil, status: DeployedItemStatus? = nil) {
        self.fileId = fileId
        self.fileVersion = fileVersion
        self.status = status
    }
}

/// The parameters of `GetDeployment` (2020-05-18), sent in the form body.
///
/// Source: api-notes §1.1.
public struct GetDeploymentRequest: Sendable, Equatable, Hashable {
    /// The API name, `GetDeployment`.
    public static let action = "GetDeployment"

    /// `DeploymentId` (required).
    public var deploymentId: Int64
    /// `ProjectId`; one of this or ``projectIdentifier`` is required by the docs.
    public var projectId: Int64?
    /// `ProjectIdentifier`, the workspace's English identifier.
    public var projectIdentifier: String?

    /// Creates the request parameters.
    public init(deploymentId: Int64, projectId: Int64? = nil, projectIdentifier: String? = nil) {
        self.deploymentId = deploymentId
        self.projectId = projectId
        self.projectIdentifier = projectIdentifier
    }

    /// The non-nil parameters by wire name, for ``SignedRequestBuilder``.
    public var parameters: [String: String] {
        var result = ["DeploymentId": String(deploymentId)]
        if let projectId { result["ProjectId"] = String(projectId) }
        if let projectIdentifier { result["ProjectIdentifier"] = projectIdentifier }
        return result
    }
}

/// A decoded `GetDeployment` answer.
///
/// Source: api-notes §3.1.
public struct GetDeploymentResponse: Sendable, Equatable {
    /// `RequestId`.
    public var requestId: String?
    /// `HttpStatusCode` echoed in the body.
    public var httpStatusCode: Int?
    /// `Success` (`nil` when absent).
    public var success: Bool?
    /// `ErrorCode`, which the docs show even next to `Success: true`; informational only.
    public var errorCode: String?
    /// `ErrorMessage` at the top level; informational only.
    public var errorMessage: String?
    /// `Data.Deployment`.
    public var deployment: Deployment
    /// `Data.DeployedItems` (empty when absent).
    public var deployedItems: [DeployedItem]

    /// Creates a response value.
    public init(
        requestId: String? = nil,
        httpStatusCode: Int? = nil,
        success: Bool? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil,
        deployment: Deployment,
        deployedItems: [DeployedItem] = []
    ) {
        self.requestId = requestId
        self.httpStatusCode = httpStatusCode
        self.success = success
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.deployment = deployment
        self.deployedItems = deployedItems
    }
}
