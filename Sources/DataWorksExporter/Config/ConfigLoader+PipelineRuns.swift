import DataWorksAPI
import Yams

/// The keys of a 2024-05-18 target (``PipelineRunWatch``).
extension ConfigParser {
    static let pipelineRunDiscover = Section<PipelineRunDiscovery>(
        what: "discover",
        handlers: [
            ("max_age", { p, e, d throws(ConfigError) in d.maxAge = try p.duration(e, positive: true) }),
            ("statuses", { p, e, d throws(ConfigError) in d.statuses = try p.pipelineRunStatuses(e) }),
            ("creator", { p, e, d throws(ConfigError) in d.creator = try p.nonEmptyString(e) }),
            ("object_id", { p, e, d throws(ConfigError) in d.objectId = try p.nonEmptyString(e) }),
            ("limit", { p, e, d throws(ConfigError) in d.limit = Int(try p.integer(e, in: 1...10_000)) }),
        ]
    )

    static var crossProject: Section<PipelineRunDiscovery> {
        var section = pipelineRunDiscover
        section.what = "cross_project"
        return section
    }

    func nonEmptyString(_ entry: Entry) throws(ConfigError) -> String? {
        let text = try string(entry)
        return text.isEmpty ? nil : text
    }

    func pipelineRunStatuses(_ entry: Entry) throws(ConfigError) -> [PipelineRunStatus] {
        guard case .sequence(let items) = entry.value, !items.isEmpty else {
            throw wrongType(entry.value, expected: "a non-empty list of statuses", key: entry.key)
        }
        let allowed = PipelineRunStatus.known.map(\.label)
        var statuses: [PipelineRunStatus] = []
        for item in items {
            guard case .scalar(let scalar) = item, allowed.contains(scalar.string.lowercased()) else {
                throw error(
                    .invalidValue,
                    at: item,
                    "statuses must list \(allowed.joined(separator: ", ")), got \(describe(item))"
                )
            }
            let status = PipelineRunStatus(apiValue: scalar.string)
            if !statuses.contains(status) {
                statuses.append(status)
            }
        }
        return statuses
    }

    /// A target with `api_version: 2024-05-18`: `region_id`, `project_id` (a `project_identifier` is an error: these
    /// calls take none), `pipeline_run_ids` and/or `discover`, and optionally `cross_project`; `deployment_ids` is an
    /// error (deployments are the 2020-05-18 release).
    func pipelineRunTarget(
        _ node: Node,
        regionId: String,
        entries: [String: Entry],
        seen: inout [Workspace: [String: Node]]
    ) throws(ConfigError) -> Target {
        if let identifier = entries["project_identifier"] {
            throw error(
                .conflictingKeys,
                at: identifier.keyNode,
                "project_identifier is not accepted with api_version 2024-05-18: the pipeline-run calls take only a "
                    + "ProjectId; set project_id to the workspace's numeric ID"
            )
        }
        if let deployments = entries["deployment_ids"] {
            throw error(
                .conflictingKeys,
                at: deployments.keyNode,
                "deployment_ids is a key of api_version 2020-05-18; a 2024-05-18 target lists pipeline_run_ids"
            )
        }
        guard let idEntry = entries["project_id"] else {
            throw error(.missingKey, at: node, "a target with api_version 2024-05-18 needs project_id")
        }
        let projectId = try integer(idEntry, in: 1...Int64.max)
        let workspace = Workspace(regionId: regionId, project: .id(projectId))
        var watch = PipelineRunWatch()
        if let entry = entries["discover"], !isNull(entry.value) {
            watch.discovery = try section(entry.value, Self.pipelineRunDiscover, into: PipelineRunDiscovery())
        }
        if let entry = entries["cross_project"] {
            watch.crossProject =
                isNull(entry.value)
                ? PipelineRunDiscovery() : try section(entry.value, Self.crossProject, into: PipelineRunDiscovery())
        }
        if let idsEntry = entries["pipeline_run_ids"], !isNull(idsEntry.value) {
            guard case .sequence(let idNodes) = idsEntry.value else {
                throw wrongType(idsEntry.value, expected: "a list of pipeline run IDs", key: "pipeline_run_ids")
            }
            for idNode in idNodes {
                guard case .scalar(let scalar) = idNode, !isNull(idNode), !scalar.string.isEmpty else {
                    throw wrongType(idNode, expected: "a non-empty string", key: "pipeline run ID")
                }
                let id = scalar.string
                if let first = seen[workspace]?[id] {
                    let where_ = first.mark.map { "line \($0.line), column \($0.column)" } ?? "earlier"
                    throw error(
                        .invalidValue,
                        at: idNode,
                        "pipeline run ID \(id) is listed twice for region \(regionId), project \(projectId); "
                            + "first at \(where_)"
                    )
                }
                seen[workspace, default: [:]][id] = idNode
                watch.pipelineRunIds.append(id)
            }
        }
        if watch.pipelineRunIds.isEmpty, watch.discovery == nil, watch.crossProject == nil {
            throw error(
                .missingKey,
                at: node,
                "a target with api_version 2024-05-18 needs pipeline_run_ids, discover or cross_project"
            )
        }
        return Target(regionId: regionId, projectId: projectId, pipelineRuns: watch)
    }
}
