public import DataWorksAPI

/// A committed version of a Data Studio file that the simulator holds, in the fields of `GetFileVersion`
/// (`Data`, DataWorks 2020-05-18). It exists from ``commitTime`` on; before, `GetFileVersion` does not find it.
///
/// Its `Status` and `IsCurrentProd` are not stored: the simulator derives them at each answer from the release
/// packages that name the version (``SimulatedReleasePackage/files``).
public struct SimulatedFileVersion: Sendable, Hashable {
    /// The ProjectId of the workspace that owns the file.
    public var projectId: Int64
    /// The ProjectIdentifier of the same workspace.
    public var projectIdentifier: String
    /// `FileId`.
    public var fileId: Int64
    /// `FileVersion`, from 1.
    public var fileVersion: Int
    /// `FileName`, e.g. `ods_user_info_d`.
    public var fileName: String
    /// `CommitUser`, an Alibaba Cloud UID.
    public var commitUser: String
    /// `CommitTime`, epoch milliseconds.
    public var commitTime: Int64
    /// `ChangeType`.
    public var changeType: FileChangeType
    /// `Comment`.
    public var comment: String
    /// `NodeId`.
    public var nodeId: Int64?
    /// `UseType`, `NORMAL` (Data Studio) by default.
    public var useType: String
    /// `FileContent`.
    public var fileContent: String

    /// Creates a file version.
    public init(
        projectId: Int64,
        projectIdentifier: String,
        fileId: Int64,
        fileVersion: Int,
        fileName: String,
        commitUser: String,
        commitTime: Int64,
        changeType: FileChangeType = .update,
        comment: String = "",
        nodeId: Int64? = nil,
        useType: String = "NORMAL",
        fileContent: String = "SELECT 1;"
    ) {
        self.projectId = projectId
        self.projectIdentifier = projectIdentifier
        self.fileId = fileId
        self.fileVersion = fileVersion
        self.fileName = fileName
        self.commitUser = commitUser
        self.commitTime = commitTime
        self.changeType = changeType
        self.comment = comment
        self.nodeId = nodeId
        self.useType = useType
        self.fileContent = fileContent
    }

    /// The version as `GetFileVersion` answers it, with the `status` and `isCurrentProd` the packages give it.
    public func answer(status: FileVersionStatus, isCurrentProd: Bool) -> FileVersion {
        FileVersion(
            fileVersion: fileVersion,
            fileName: fileName,
            commitTime: commitTime,
            commitUser: commitUser,
            comment: comment,
            changeType: changeType,
            status: status,
            isCurrentProd: isCurrentProd,
            nodeId: nodeId,
            useType: useType,
            fileContent: fileContent,
            nodeContent: #"{"cycleType":0,"cronExpress":"00 05 00 * * ?"}"#,
            filePropertyContent: #"{"fileName":"\#(fileName)","fileType":10}"#
        )
    }
}

/// A deployment package (DataWorks 2020-05-18) with a timeline, for a release history: it appears at
/// ``createTime`` with `Status` 0 (ready) and its files `UNPUBLISHED`, is executed (or rejected) ``executionDelay``
/// milliseconds later with its ``outcome``, and after a success may be held by a check (``check``, `CheckingStatus`).
///
/// ``snapshot(at:)`` gives what `GetDeployment` and `ListDeployments` answer at a given time. Source of the fields:
/// api-notes §3.1, §6.1, §7.
public struct SimulatedReleasePackage: Sendable, Hashable {
    /// How the package ends.
    public enum Outcome: Sendable, Hashable {
        /// `Status` 1; every file `SUCCESS`.
        case success
        /// `Status` 2 with `ErrorMessage`; the first file `DEPLOY_ERROR`, the others `ERROR`.
        case failure(message: String)
        /// `Status` 6, rejected by a reviewer; every file `REJECT`; no executor, no `ExecuteTime`.
        case rejected
        /// Never executed: `Status` 0 for good.
        case abandoned
    }

    /// The check that holds a package after a success (`CheckingStatus`).
    public enum Check: Sendable, Hashable {
        /// No check.
        case none
        /// `CheckingStatus` 8 for `after` milliseconds from the execution, then cleared.
        case passes(after: Int64)
        /// `CheckingStatus` 8 for `after` milliseconds from the execution, then 7 (check failed) for good.
        case fails(after: Int64)
        /// `CheckingStatus` 8 for good.
        case staysChecking
    }

    /// A file version the package deploys (`DeployedItems[].FileId`, `FileVersion`).
    public struct File: Sendable, Hashable {
        /// `FileId`.
        public var fileId: Int64
        /// `FileVersion`.
        public var fileVersion: Int

        /// Creates a reference.
        public init(fileId: Int64, fileVersion: Int) {
            self.fileId = fileId
            self.fileVersion = fileVersion
        }
    }

    /// What the API answers about the package at one time.
    public struct Snapshot: Sendable, Hashable {
        /// `Data.Deployment` (and the `ListDeployments` item).
        public var deployment: SimulatedDeployment
        /// `Data.Deployment.CheckingStatus`, `nil` when no check holds the package.
        public var checkingStatus: DeploymentCheckingStatus?
        /// `Data.DeployedItems[]`.
        public var items: [DeployedItem]
    }

    /// `DeploymentId`.
    public var deploymentId: Int64
    /// The ProjectId of the workspace.
    public var projectId: Int64
    /// The ProjectIdentifier of the workspace.
    public var projectIdentifier: String
    /// `Name`.
    public var name: String
    /// `CreatorId`.
    public var creatorId: String
    /// `HandlerId` once executed.
    public var handlerId: String
    /// `CreateTime`, epoch milliseconds.
    public var createTime: Int64
    /// Milliseconds from creation to execution (or rejection).
    public var executionDelay: Int64
    /// `FromEnvironment`: 0 local, 1 development.
    public var fromEnvironment: Int
    /// `ToEnvironment`: 1 development, 2 production.
    public var toEnvironment: Int
    /// The file versions deployed, in order.
    public var files: [File]
    /// How it ends.
    public var outcome: Outcome
    /// The check after a success.
    public var check: Check

    /// Creates a package.
    public init(
        deploymentId: Int64,
        projectId: Int64,
        projectIdentifier: String,
        name: String,
        creatorId: String,
        handlerId: String,
        createTime: Int64,
        executionDelay: Int64,
        fromEnvironment: Int = 1,
        toEnvironment: Int = 2,
        files: [File],
        outcome: Outcome = .success,
        check: Check = .none
    ) {
        self.deploymentId = deploymentId
        self.projectId = projectId
        self.projectIdentifier = projectIdentifier
        self.name = name
        self.creatorId = creatorId
        self.handlerId = handlerId
        self.createTime = createTime
        self.executionDelay = max(0, executionDelay)
        self.fromEnvironment = fromEnvironment
        self.toEnvironment = toEnvironment
        self.files = files
        self.outcome = outcome
        self.check = check
    }

    /// When the package is executed or rejected, epoch milliseconds; `nil` when it never is.
    public var executeTime: Int64? {
        outcome == .abandoned ? nil : createTime + executionDelay
    }

    /// Whether the package has been executed or rejected at `now`.
    public func isFinished(at now: Int64) -> Bool {
        executeTime.map { now >= $0 } ?? false
    }

    /// Whether the package has deployed its files successfully at `now` (a success, checks aside).
    public func hasSucceeded(at now: Int64) -> Bool {
        outcome == .success && isFinished(at: now)
    }

    /// The package as the API shows it at `now`, or `nil` before ``createTime``.
    ///
    /// - Parameter now: Epoch milliseconds.
    public func snapshot(at now: Int64) -> Snapshot? {
        guard now >= createTime else { return nil }
        // `Status` codes (api-notes §3.1): 0 ready, 1 success, 2 failure, 6 rejected.
        var deployment = SimulatedDeployment(
            deploymentId: deploymentId,
            projectId: projectId,
            projectIdentifier: projectIdentifier,
            name: name,
            status: 0,
            creatorId: creatorId,
            createTime: createTime,
            fromEnvironment: fromEnvironment,
            toEnvironment: toEnvironment
        )
        var checkingStatus: DeploymentCheckingStatus?
        var itemStatus: (Int) -> DeployedItemStatus = { _ in .unpublished }
        if let executeTime, now >= executeTime {
            switch outcome {
            case .success:
                deployment.status = 1
                deployment.handlerId = handlerId
                deployment.executeTime = executeTime
                itemStatus = { _ in .success }
                switch check {
                case .none: break
                case .passes(let after): checkingStatus = now < executeTime + after ? .checking : nil
                case .fails(let after): checkingStatus = now < executeTime + after ? .checking : .checkFailed
                case .staysChecking: checkingStatus = .checking
                }
            case .failure(let message):
                deployment.status = 2
                deployment.handlerId = handlerId
                deployment.executeTime = executeTime
                deployment.errorMessage = message
                itemStatus = { $0 == 0 ? .deployError : .error }
            case .rejected:
                deployment.status = 6
                itemStatus = { _ in .reject }
            case .abandoned:
                break
            }
        }
        return Snapshot(
            deployment: deployment,
            checkingStatus: checkingStatus,
            items: files.enumerated().map { index, file in
                DeployedItem(fileId: file.fileId, fileVersion: file.fileVersion, status: itemStatus(index))
            }
        )
    }
}
