import DataWorksAPI
import HTTPServer

/// The simulator's release history (``SimulatedReleaseHistory``) and the faults injected for its file versions; held
/// by ``SimulatorState``. Empty unless the simulator was given a history.
struct ReleaseHistoryState: Sendable {
    struct FileKey: Hashable, Sendable {
        var projectId: Int64
        var fileId: Int64
        var fileVersion: Int
    }

    var packages: [Int64: SimulatedReleasePackage] = [:]
    var files: [FileKey: SimulatedFileVersion] = [:]
    private var fileFaults: [Int64: InjectedFault] = [:]

    init(_ history: SimulatedReleaseHistory? = nil) {
        guard let history else { return }
        for package in history.packages { packages[package.deploymentId] = package }
        for file in history.files { upsert(file) }
    }

    mutating func upsert(_ file: SimulatedFileVersion) {
        files[FileKey(projectId: file.projectId, fileId: file.fileId, fileVersion: file.fileVersion)] = file
    }

    mutating func inject(_ fault: SimulatedFault, fileId: Int64, count: Int?) {
        fileFaults[fileId] = InjectedFault(fault: fault, remaining: count)
    }

    mutating func clearFaults() {
        fileFaults = [:]
    }

    /// Takes the fault for a `GetFileVersion` answer about `fileId`, if any.
    mutating func takeFault(fileId: Int64) -> SimulatedFault? {
        fileFaults[fileId].take()
    }

    /// The packages the API shows at `now`, by `DeploymentId`.
    func snapshots(at now: Int64) -> [Int64: SimulatedReleasePackage.Snapshot] {
        var result: [Int64: SimulatedReleasePackage.Snapshot] = [:]
        for (id, package) in packages {
            if let snapshot = package.snapshot(at: now) { result[id] = snapshot }
        }
        return result
    }

    /// The file version as `GetFileVersion` answers it at `now`, or `nil` when it does not exist (yet). `Status` is
    /// `DEPLOYED` once a package to production deployed it, `PACKAGED` while a package naming it waits, else
    /// `COMMITTED`; `IsCurrentProd` when it is the highest version of its file deployed to production.
    func fileVersion(_ key: FileKey, at now: Int64) -> FileVersion? {
        guard let file = files[key], file.commitTime <= now else { return nil }
        let reference = SimulatedReleasePackage.File(fileId: key.fileId, fileVersion: key.fileVersion)
        var deployed = false
        var packaged = false
        var newestInProduction: Int?
        for package in packages.values where package.projectId == key.projectId && package.createTime <= now {
            if package.toEnvironment == 2, package.hasSucceeded(at: now) {
                for other in package.files where other.fileId == key.fileId {
                    newestInProduction = max(newestInProduction ?? other.fileVersion, other.fileVersion)
                }
            }
            guard package.files.contains(reference) else { continue }
            if package.toEnvironment == 2, package.hasSucceeded(at: now) {
                deployed = true
            } else if !package.isFinished(at: now) {
                packaged = true
            }
        }
        let status: FileVersionStatus = deployed ? .deployed : packaged ? .packaged : .committed
        return file.answer(status: status, isCurrentProd: deployed && newestInProduction == key.fileVersion)
    }
}

extension SimulatorState {
    func withReleaseHistory<Result: Sendable>(_ body: (inout ReleaseHistoryState) -> Result) -> Result {
        body(&releaseHistory)
    }
}

extension DataWorksSimulator {
    /// Adds or replaces a package of the release history (GetDeployment, ListDeployments). A deployment of the
    /// scenario (``SimulatedDeployment``) with the same `DeploymentId` takes precedence.
    public func upsert(_ package: SimulatedReleasePackage) async {
        await state.withReleaseHistory { $0.packages[package.deploymentId] = package }
    }

    /// Adds or replaces a file version (GetFileVersion).
    public func upsert(_ file: SimulatedFileVersion) async {
        await state.withReleaseHistory { $0.upsert(file) }
    }

    /// Makes the next `count` `GetFileVersion` answers about `fileId` be `fault`; `nil` means until cleared.
    public func injectFileVersionFault(_ fault: SimulatedFault, fileId: Int64, count: Int? = 1) async {
        await state.withReleaseHistory { $0.inject(fault, fileId: fileId, count: count) }
    }
}

/// `GetFileVersion` (2020-05-18) and the release history's packages in `GetDeployment`/`ListDeployments`.
extension SimulatorHandler {
    /// The history's package `deploymentId` at `now`, unless a deployment of the scenario has that id.
    func releasePackage(_ deploymentId: Int64, at now: Int64) async -> SimulatedReleasePackage.Snapshot? {
        await state.withReleaseHistory { $0.packages[deploymentId]?.snapshot(at: now) }
    }

    /// `Data.Deployment` of a history package: the deployment's fields and `CheckingStatus` when a check holds it.
    static func fields(of snapshot: SimulatedReleasePackage.Snapshot) -> [String: Any] {
        var fields = fields(of: snapshot.deployment)
        fields["CheckingStatus"] = snapshot.checkingStatus?.code
        return fields
    }

    /// `Data.DeployedItems[]` of a history package.
    static func fields(of items: [DeployedItem]) -> [[String: Any]] {
        items.map { item in
            var fields: [String: Any] = [:]
            fields["FileId"] = item.fileId
            fields["FileVersion"] = item.fileVersion
            fields["Status"] = item.status?.code
            return fields
        }
    }

    /// Answers `GetFileVersion`: `FileId`, `FileVersion`, and `ProjectId` or `ProjectIdentifier` are required. An
    /// unknown version (or one committed after now) is HTTP 404 `Invalid.FileVersion.NotFound`, a code invented here
    /// in the style of `Invalid.Deployment.NotFound` (no published code is known).
    func getFileVersion(_ call: APICall) async -> ServerResponse {
        guard let fileId = call.parameters["FileId"].flatMap({ Int64($0) }) else {
            return error(400, code: "MissingFileId", message: "FileId is mandatory for this action.")
        }
        guard let version = call.parameters["FileVersion"].flatMap({ Int($0) }) else {
            return error(400, code: "MissingFileVersion", message: "FileVersion is mandatory for this action.")
        }
        guard call.parameters["ProjectId"] != nil || call.parameters["ProjectIdentifier"] != nil else {
            return error(400, code: "MissingProjectId", message: "ProjectId or ProjectIdentifier is mandatory.")
        }
        if let fault = await state.withReleaseHistory({ $0.takeFault(fileId: fileId) }),
            let answer = await answer(for: fault, nonce: call.nonce)
        {
            return answer
        }
        let now = Self.nowMilliseconds()
        let found = await state.withReleaseHistory { history -> FileVersion? in
            let projectId =
                call.parameters["ProjectId"].flatMap { Int64($0) }
                ?? history.files.values.first { $0.projectIdentifier == call.parameters["ProjectIdentifier"] }?
                .projectId
            guard let projectId else { return nil }
            return history.fileVersion(.init(projectId: projectId, fileId: fileId, fileVersion: version), at: now)
        }
        guard let found else {
            return error(
                404,
                code: "Invalid.FileVersion.NotFound",
                message: "The version \(version) of the file \(fileId) does not exist in the specified workspace."
            )
        }
        var data: [String: Any] = [:]
        data["FileVersion"] = found.fileVersion
        data["FileName"] = found.fileName
        data["CommitTime"] = found.commitTime
        data["CommitUser"] = found.commitUser
        data["Comment"] = found.comment
        data["ChangeType"] = found.changeType?.apiValue
        data["Status"] = found.status?.apiValue
        data["IsCurrentProd"] = found.isCurrentProd
        data["NodeId"] = found.nodeId
        data["UseType"] = found.useType
        data["FileContent"] = found.fileContent
        data["NodeContent"] = found.nodeContent
        data["FilePropertyContent"] = found.filePropertyContent
        let body: [String: Any] = ["RequestId": requestId(), "HttpStatusCode": 200, "Success": true, "Data": data]
        return call.wantsXML ? xml(root: "GetFileVersionResponse", body) : json(body)
    }
}
