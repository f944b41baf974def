import Logging

/// The failures of one collection cycle grouped by cause (action and error class), so that a cause shared by many
/// deployments or pipeline runs (an unresolvable host, an expired AccessKey) is logged once per cycle with its count,
/// not once per deployment or run (issue 15, item 17).
struct FailureSummary: Sendable {
    /// What a cause's IDs name, and the log fields they go in.
    enum Subject: Sendable {
        /// DeploymentIds: `deployment_id`, or `deployment_ids` for several.
        case deployment
        /// Pipeline run Ids: `pipeline_run_id`, or `pipeline_run_ids` for several.
        case pipelineRun

        var field: String {
            switch self {
            case .deployment: "deployment_id"
            case .pipelineRun: "pipeline_run_id"
            }
        }
    }

    /// One cause: its first failure's log fields, and every deployment or run it hit.
    struct Cause: Sendable {
        var message: String
        var metadata: Logger.Metadata
        var subject: Subject
        var ids: [String] = []
        /// Failures added without an ID (a file version's `GetFileVersion`, a workspace's listing).
        var otherFailures = 0
    }

    /// The most IDs named in one line.
    static let idsPerLine = 10

    private(set) var causes: [String: Cause] = [:]
    private var order: [String] = []

    /// Adds one failure of `deploymentIds` under `message` (e.g. `GetDeployment failed`) with `metadata` (the first
    /// failure of a cause keeps its fields: `code`, `request_id`, `error`); an empty `deploymentIds` counts one
    /// failure of something else (its `metadata` names it).
    mutating func add(_ message: String, code: String, metadata: Logger.Metadata, deploymentIds: [Int64]) {
        add(message, code: code, metadata: metadata, ids: deploymentIds.map(String.init), of: .deployment)
    }

    /// Adds one failure of the deployments or pipeline runs `ids` (as `subject` names them) under `message`, as
    /// ``add(_:code:metadata:deploymentIds:)`` does.
    mutating func add(_ message: String, code: String, metadata: Logger.Metadata, ids: [String], of subject: Subject) {
        let cause = message + "\u{0}" + code
        if causes[cause] == nil {
            causes[cause] = Cause(message: message, metadata: metadata, subject: subject)
            order.append(cause)
        }
        causes[cause]?.ids += ids
        if ids.isEmpty {
            causes[cause]?.otherFailures += 1
        }
    }

    /// Logs one warning per cause, in order of first appearance, with `count` and the first IDs.
    func log(to logger: Logger) {
        for name in order {
            guard let cause = causes[name] else { continue }
            var fields = cause.metadata
            fields["count"] = "\(cause.ids.count + cause.otherFailures)"
            if cause.ids.count == 1, let id = cause.ids.first {
                fields[cause.subject.field] = "\(id)"
            } else if !cause.ids.isEmpty {
                let ids = cause.ids.prefix(Self.idsPerLine).joined(separator: ",")
                fields[cause.subject.field + "s"] = "\(ids)\(cause.ids.count > Self.idsPerLine ? ",…" : "")"
            }
            logger.warning("\(cause.message)", metadata: fields)
        }
    }
}
