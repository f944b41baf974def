public import DataWorksAPI

/// The identity of one deployment's series: the labels `region_id`, `project` and `deployment_id`.
public struct DeploymentKey: Sendable, Hashable {
    /// The workspace the deployment belongs to, as configured.
    public var workspace: Workspace
    /// The DeploymentId.
    public var deploymentId: Int64

    /// Creates a key.
    public init(workspace: Workspace, deploymentId: Int64) {
        self.workspace = workspace
        self.deploymentId = deploymentId
    }

    /// Creates a key from the workspace's parts.
    public init(regionId: String, project: ProjectReference, deploymentId: Int64) {
        self.init(workspace: Workspace(regionId: regionId, project: project), deploymentId: deploymentId)
    }

    /// The RegionId, e.g. `cn-zhangjiakou`.
    public var regionId: String { workspace.regionId }
    /// The ProjectId or ProjectIdentifier as configured.
    public var project: ProjectReference { workspace.project }
}

extension Workspace {
    /// The key of deployment `deploymentId` of this workspace.
    public func key(_ deploymentId: Int64) -> DeploymentKey {
        DeploymentKey(workspace: self, deploymentId: deploymentId)
    }
}
