/// A deployment (release package) that the simulator holds, in the fields of the GetDeployment response
/// (`Data.Deployment`, DataWorks 2020-05-18).
public struct SimulatedDeployment: Sendable, Hashable {
    /// `DeploymentId`.
    public var deploymentId: Int64
    /// The ProjectId of the workspace that owns it.
    public var projectId: Int64
    /// The ProjectIdentifier of the same workspace, e.g. `dw_demo`.
    public var projectIdentifier: String
    /// `Name`.
    public var name: String
    /// `Status`: 0 ready, 1 success, 2 failure, 6 rejected.
    public var status: Int
    /// `CreatorId`, an Alibaba Cloud UID.
    public var creatorId: String
    /// `HandlerId`; absent until executed.
    public var handlerId: String?
    /// `CreateTime`, epoch milliseconds.
    public var createTime: Int64
    /// `ExecuteTime`, epoch milliseconds; absent until executed.
    public var executeTime: Int64?
    /// `ErrorMessage`, the failure reason when `status` is 2.
    public var errorMessage: String?
    /// `FromEnvironment`: 0 local, 1 development.
    public var fromEnvironment: Int
    /// `ToEnvironment`: 1 development, 2 production.
    public var toEnvironment: Int

    /// Creates a deployment.
    public init(
        deploymentId: Int64,
        projectId: Int64,
        projectIdentifier: String,
        name: String,
        status: Int,
        creatorId: String,
        handlerId: String? = nil,
        createTime: Int64,
        executeTime: Int64? = nil,
        errorMessage: String? = nil,
        fromEnvironment: Int = 1,
        toEnvironment: Int = 2
    ) {
        self.deploymentId = deploymentId
        self.projectId = projectId
        self.projectIdentifier = projectIdentifier
        self.name = name
        self.status = status
        self.creatorId = creatorId
        self.handlerId = handlerId
        self.createTime = createTime
        self.executeTime = executeTime
        self.errorMessage = errorMessage
        self.fromEnvironment = fromEnvironment
        self.toEnvironment = toEnvironment
    }

    /// The demo workspace's region.
    public static let demoRegionId = "cn-zhangjiakou"
    /// The demo workspace's ProjectId.
    public static let demoProjectId: Int64 = 10000
    /// The demo workspace's ProjectIdentifier.
    public static let demoProjectIdentifier = "dw_demo"

    /// The demo set: one success, one failure with an error message, one ready, one rejected, all in the demo
    /// workspace and created relative to `now`.
    ///
    /// - Parameter now: The current time in epoch milliseconds.
    public static func demoSet(now: Int64) -> [SimulatedDeployment] {
        let hour: Int64 = 3_600_000
        return [
            SimulatedDeployment(
                deploymentId: 3_000_001,
                projectId: demoProjectId,
                projectIdentifier: demoProjectIdentifier,
                name: "ods_user_info_d-release",
                status: 1,
                creatorId: "200300000001",
                handlerId: "200300000001",
                createTime: now - 3 * hour,
                executeTime: now - 3 * hour + 42_000,
                fromEnvironment: 1,
                toEnvironment: 2
            ),
            SimulatedDeployment(
                deploymentId: 3_000_002,
                projectId: demoProjectId,
                projectIdentifier: demoProjectIdentifier,
                name: "dwd_orders_di-release",
                status: 2,
                creatorId: "200300000002",
                handlerId: "200300000002",
                createTime: now - 2 * hour,
                executeTime: now - 2 * hour + 95_000,
                errorMessage: "The connection does not exist.",
                fromEnvironment: 1,
                toEnvironment: 2
            ),
            SimulatedDeployment(
                deploymentId: 3_000_003,
                projectId: demoProjectId,
                projectIdentifier: demoProjectIdentifier,
                name: "ads_gmv_summary_d-release",
                status: 0,
                creatorId: "200300000003",
                createTime: now - hour / 2,
                fromEnvironment: 1,
                toEnvironment: 2
            ),
            SimulatedDeployment(
                deploymentId: 3_000_004,
                projectId: demoProjectId,
                projectIdentifier: demoProjectIdentifier,
                name: "dim_region_d-release",
                status: 6,
                creatorId: "200300000001",
                createTime: now - 5 * hour,
                fromEnvironment: 0,
                toEnvironment: 1
            ),
        ]
    }
}

/// An answer the simulator can be told to give instead of the deployment, as DataWorks gives it.
public enum SimulatedFault: Sendable, Hashable {
    /// HTTP 429, `Throttling.User` ("Your request is too frequent").
    case throttlingUser
    /// HTTP 400, `Throttling` (gateway flow control).
    case throttling
    /// HTTP 429, `Throttling.Resource` (the edition's quota is used up).
    case throttlingResource
    /// HTTP 429, `Throttling.Api.Risk` (the daily call limit is reached).
    case throttlingApiRisk
    /// HTTP 403, `Forbidden.Access`.
    case forbiddenAccess
    /// HTTP 500, `InternalError.System`.
    case internalError
    /// HTTP 400, `Invalid.Deployment.NotExists`: the other answer DataWorks gives for a deleted deployment, beside the
    /// 404 `Invalid.Deployment.NotFound` of ``DataWorksSimulator/remove(deploymentId:)``.
    case deploymentNotExists
    /// The normal answer after the given delay.
    case delay(Duration)
    /// HTTP 200 with a body that is not JSON.
    case malformedBody
    /// HTTP 200 with a full deployment whose `Status` is `null` (an invalid answer).
    case nullStatus
    /// No answer: the connection is closed as soon as the request is read (the client sees a reset or an empty reply).
    case reset

    /// Parses the names used by the simulator's control endpoint: `throttling_user`, `throttling`,
    /// `throttling_resource`, `throttling_api_risk`, `forbidden_access`, `internal_error`, `deployment_not_exists`,
    /// `malformed_body`, `null_status`, `reset`, or
    /// `delay_ms:<n>`.
    public init?(name: String) {
        switch name {
        case "throttling_user": self = .throttlingUser
        case "throttling": self = .throttling
        case "throttling_resource": self = .throttlingResource
        case "throttling_api_risk": self = .throttlingApiRisk
        case "forbidden_access": self = .forbiddenAccess
        case "internal_error": self = .internalError
        case "deployment_not_exists": self = .deploymentNotExists
        case "malformed_body": self = .malformedBody
        case "null_status": self = .nullStatus
        case "reset": self = .reset
        default:
            guard name.hasPrefix("delay_ms:"), let ms = Int(name.dropFirst("delay_ms:".count)), ms >= 0 else {
                return nil
            }
            self = .delay(.milliseconds(ms))
        }
    }
}
