/// A DataWorks workspace as an API call addresses it: the RegionId whose endpoint serves it and the project
/// reference (`ProjectId` or `ProjectIdentifier`). Two references to one workspace, by ID and by identifier, are
/// different values: the exporter labels series with the reference as configured.
///
/// Source: api-notes §1.1 (`ProjectId`/`ProjectIdentifier`), §2 (regional endpoints).
public struct Workspace: Sendable, Hashable, CustomStringConvertible {
    /// The RegionId, e.g. `cn-zhangjiakou`.
    public var regionId: String
    /// The ProjectId or ProjectIdentifier.
    public var project: ProjectReference

    /// Creates a workspace reference.
    public init(regionId: String, project: ProjectReference) {
        self.regionId = regionId
        self.project = project
    }

    /// `cn-zhangjiakou/10000`: RegionId and project, for messages.
    public var description: String { "\(regionId)/\(project)" }
}
