import Logging

/// The failures of one collection cycle grouped by cause (action and error class), so that a cause shared by many
/// deployments (an unresolvable host, an expired AccessKey) is logged once per cycle with its count, not once per
/// deployment (issue 15, item 17).
struct FailureSummary: Sendable {
    /// One cause: its first failure's log fields, and every deployment it hit.
    struct Cause: Sendable {
        var message: String
        var metadata: Logger.Metadata
        var deploymentIds: [Int64] = []
        /// Failures added without a deployment (a file version's `GetFileVersion`).
        var otherFailures = 0
    }

    /// The most deployment IDs named in one line.
    static let idsPerLine = 10

    private(set) var causes: [String: Cause] = [:]
    private var order: [String] = []

    /// Adds one failure of `deploymentIds` under `message` (e.g. `GetDeployment failed`) with `metadata` (the first
    /// failure of a cause keeps its fields: `code`, `request_id`, `error`); an empty `deploymentIds` counts one
    /// failure of something else (its `metadata` names it).
    mutating func add(_ message: String, code: String, metadata: Logger.Metadata, deploymentIds: [Int64]) {
        let cause = message + "\u{0}" + code
        if causes[cause] == nil {
            causes[cause] = Cause(message: message, metadata: metadata)
            order.append(cause)
        }
        causes[cause]?.deploymentIds += deploymentIds
        if deploymentIds.isEmpty {
            causes[cause]?.otherFailures += 1
        }
    }

    /// Logs one warning per cause, in order of first appearance, with `count` and the first deployment IDs.
    func log(to logger: Logger) {
        for name in order {
            guard let cause = causes[name] else { continue }
            var fields = cause.metadata
            fields["count"] = "\(cause.deploymentIds.count + cause.otherFailures)"
            if cause.deploymentIds.isEmpty {
                logger.warning("\(cause.message)", metadata: fields)
                continue
            }
            if cause.deploymentIds.count == 1, let id = cause.deploymentIds.first {
                fields["deployment_id"] = "\(id)"
                logger.warning("\(cause.message)", metadata: fields)
                continue
            }
            let ids = cause.deploymentIds.prefix(Self.idsPerLine).map(String.init).joined(separator: ",")
            fields["deployment_ids"] = "\(ids)\(cause.deploymentIds.count > Self.idsPerLine ? ",…" : "")"
            logger.warning("\(cause.message)", metadata: fields)
        }
    }
}
