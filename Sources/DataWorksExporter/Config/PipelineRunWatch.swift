public import DataWorksAPI

/// Which pipeline runs of a workspace a discovery listing selects (`discover:` of a 2024-05-18 target, or
/// `cross_project:`): the newest ones, optionally of some statuses, one creator, one object, created within `max_age`,
/// at most `limit`.
///
/// Source: api-notes §6.2.1 (`ListPipelineRuns` filters `Creator`, `ObjectId`, `Status`; `ListCrossProjectPipelineRuns`
/// also `CreateTimeFrom`).
public struct PipelineRunDiscovery: Sendable, Hashable {
    /// Only runs created at most this long ago (`max_age`), positive. Default 24 h.
    public var maxAge: Duration
    /// Only these statuses (`statuses`: `init`, `building`, `ready`, `running`, `success`, `fail`, `termination`,
    /// `cancel`); empty (the default) for all.
    public var statuses: [PipelineRunStatus]
    /// Only runs created by this Alibaba Cloud UID (`creator`), sent as `Creator`; `nil` for any.
    public var creator: String?
    /// Only runs deploying this object (`object_id`), sent as `ObjectId`; `nil` for any.
    public var objectId: String?
    /// At most this many, the newest first (`limit`), 1...10000. Default 100.
    public var limit: Int

    /// Creates settings; every parameter defaults to the documented default.
    public init(
        maxAge: Duration = .seconds(86_400),
        statuses: [PipelineRunStatus] = [],
        creator: String? = nil,
        objectId: String? = nil,
        limit: Int = 100
    ) {
        self.maxAge = maxAge
        self.statuses = statuses
        self.creator = creator
        self.objectId = objectId
        self.limit = limit
    }

    /// The `Status` filter sent: the one status when exactly one is selected, else none.
    public var listingStatus: PipelineRunStatus? { statuses.count == 1 ? statuses.first : nil }

    /// Whether a run in `status` is selected.
    public func selects(_ status: PipelineRunStatus?) -> Bool {
        guard !statuses.isEmpty else { return true }
        guard let status else { return false }
        return statuses.contains(status)
    }
}

/// The pipeline runs a 2024-05-18 target watches (`api_version: 2024-05-18`): listed IDs, discovery of the
/// workspace's runs, and on request the cross-project runs of its project in its region.
///
/// ```yaml
/// targets:
///   - region_id: cn-shanghai
///     api_version: 2024-05-18
///     project_id: 20000                  # ProjectIdentifier is not accepted by these calls
///     pipeline_run_ids: ["a1b2c3d4-…"]   # optional with discover
///     discover:                          # optional: the workspace's newest runs
///       max_age: 24h
///       statuses: [running, fail]        # default: all
///       creator: "200300000001"          # optional
///       object_id: "7000001"             # optional
///       limit: 100
///     cross_project:                     # optional: cross-project runs of this project (same keys as discover)
///       max_age: 24h
/// ```
public struct PipelineRunWatch: Sendable, Hashable {
    /// The listed pipeline run IDs (`pipeline_run_ids`), unique within the workspace, in file order.
    public var pipelineRunIds: [String]
    /// Discovery of the workspace's runs through `ListPipelineRuns` (`discover:`), or `nil`.
    public var discovery: PipelineRunDiscovery?
    /// Discovery of the project's cross-project runs through `ListCrossProjectPipelineRuns` (`cross_project:`), or
    /// `nil` for none.
    public var crossProject: PipelineRunDiscovery?

    /// Creates a watch.
    public init(
        pipelineRunIds: [String] = [],
        discovery: PipelineRunDiscovery? = nil,
        crossProject: PipelineRunDiscovery? = nil
    ) {
        self.pipelineRunIds = pipelineRunIds
        self.discovery = discovery
        self.crossProject = crossProject
    }
}

extension Target {
    /// A 2024-05-18 target: the pipeline runs of workspace `projectId` in `regionId`.
    ///
    /// - Parameters:
    ///   - regionId: The region, e.g. `cn-shanghai`.
    ///   - projectId: The ProjectId (the 2024-05-18 calls take no ProjectIdentifier).
    ///   - pipelineRuns: What to watch.
    public init(regionId: String, projectId: Int64, pipelineRuns: PipelineRunWatch) {
        self.init(regionId: regionId, project: .id(projectId), deploymentIds: [])
        self.apiVersion = .v2024_05_18
        self.pipelineRuns = pipelineRuns
    }

    /// The ProjectId of a 2024-05-18 target; `nil` for a target given by ProjectIdentifier.
    public var projectId: Int64? {
        if case .id(let id) = project { return id }
        return nil
    }
}

extension ExporterConfig {
    /// The API actions this configuration calls, for the pre-set zero series of `dataworks_api_*`: the 2020-05-18
    /// deployment reads always, the pipeline-run reads when a 2024-05-18 target is configured, the cross-project ones
    /// when a target asks for them, `GetFileVersion` when `collector.release_lead_time` is on.
    public var apiActions: [String] {
        var actions = [GetDeploymentRequest.action, ListDeploymentsRequest.action]
        if collector.releaseLeadTime {
            actions.append(GetFileVersionRequest.operation.action)
        }
        let watches = targets.compactMap(\.pipelineRuns)
        if !watches.isEmpty {
            actions += [APIOperation.getPipelineRun, .listPipelineRuns, .listPipelineRunItems].map(\.action)
        }
        if watches.contains(where: { $0.crossProject != nil }) {
            actions += [
                APIOperation.getCrossProjectPipelineRun, .listCrossProjectPipelineRuns,
                .listCrossProjectPipelineRunItems,
            ].map(\.action)
        }
        return actions
    }
}
