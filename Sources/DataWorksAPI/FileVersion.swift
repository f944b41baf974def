/// One committed version of a Data Studio file, `Data` of a `GetFileVersion` answer (2020-05-18). Every field is
/// optional; absent keys stay `nil`. A file version never changes once committed, except ``status`` and
/// ``isCurrentProd``, which follow its deployments.
///
/// Source: the SDK `alibabacloud-dataworks-public20200518` 10.1.1 (`GetFileVersionResponseBodyData`) and the API
/// reference `api-dataworks-public-2020-05-18-getfileversion` (read 2026-12); see also api-notes §3.1 (the
/// `FileId`/`FileVersion` of `DeployedItems` that name it).
public struct FileVersion: Sendable, Equatable, Hashable {
    /// `FileVersion`: the version number, from 1.
    public var fileVersion: Int?
    /// `FileName`.
    public var fileName: String?
    /// `CommitTime`: when the version was committed, epoch milliseconds.
    public var commitTime: Int64?
    /// `CommitUser`: the Alibaba Cloud UID of the committer, kept as a string.
    public var commitUser: String?
    /// `Comment`: the commit's description.
    public var comment: String?
    /// `ChangeType`: `CREATE`, `UPDATE` or `DELETE`.
    public var changeType: FileChangeType?
    /// `Status`: `COMMITTING`, `COMMITTED`/`CHECK_OK`, `PACKAGED`, `DEPLOYING`, `DEPLOYED`, `CANCELLED`.
    public var status: FileVersionStatus?
    /// `IsCurrentProd`: whether this is the version running in production now.
    public var isCurrentProd: Bool?
    /// `NodeId`: the scheduling node of the file.
    public var nodeId: Int64?
    /// `UseType`: the module the file belongs to (`NORMAL`, `MANUAL`, `MANUAL_BIZ`, `SKIP`, `ADHOCQUERY`,
    /// `COMPONENT`), as sent.
    public var useType: String?
    /// `FileContent`: the code of the version (can be large; keep only what you need).
    public var fileContent: String?
    /// `NodeContent`: the scheduling settings of the version, a JSON text.
    public var nodeContent: String?
    /// `FilePropertyContent`: the file's basic properties, a JSON text.
    public var filePropertyContent: String?

    /// Creates a file version; every field defaults to `nil`.
    public init(
        fileVersion: Int? = nil,
        fileName: String? = nil,
        commitTime: Int64? = nil,
        commitUser: String? = nil,
        comment: String? = nil,
        changeType: FileChangeType? = nil,
        status: FileVersionStatus? = nil,
        isCurrentProd: Bool? = nil,
        nodeId: Int64? = nil,
        useType: String? = nil,
        fileContent: String? = nil,
        nodeContent: String? = nil,
        filePropertyContent: String? = nil
    ) {
        self.fileVersion = fileVersion
        self.fileName = fileName
        self.commitTime = commitTime
        self.commitUser = commitUser
        self.comment = comment
        self.changeType = changeType
        self.status = status
        self.isCurrentProd = isCurrentProd
        self.nodeId = nodeId
        self.useType = useType
        self.fileContent = fileContent
        self.nodeContent = nodeContent
        self.filePropertyContent = filePropertyContent
    }
}

/// The `Status` of a file version (`Data.Status` of `GetFileVersion`); `CHECK_OK` means the same as `COMMITTED`.
/// The match ignores case; any other value is kept as ``unknown(_:)``.
///
/// Source: the SDK model comment of `GetFileVersionResponseBodyData.status` (10.1.1).
public enum FileVersionStatus: Sendable, Hashable, CustomStringConvertible {
    /// `COMMITTING`.
    case committing
    /// `COMMITTED`.
    case committed
    /// `CHECK_OK`: committed, its checks passed (equivalent to ``committed``).
    case checkOK
    /// `PACKAGED`: in a deployment package.
    case packaged
    /// `DEPLOYING`.
    case deploying
    /// `DEPLOYED`.
    case deployed
    /// `CANCELLED`: its deployment was cancelled.
    case cancelled
    /// Any other value, as sent.
    case unknown(String)

    /// Reads the API value.
    ///
    /// - Parameter apiValue: `Status` as sent, e.g. `COMMITTED`.
    public init(apiValue: String) {
        switch apiValue.uppercased() {
        case "COMMITTING": self = .committing
        case "COMMITTED": self = .committed
        case "CHECK_OK": self = .checkOK
        case "PACKAGED": self = .packaged
        case "DEPLOYING": self = .deploying
        case "DEPLOYED": self = .deployed
        case "CANCELLED": self = .cancelled
        default: self = .unknown(apiValue)
        }
    }

    /// The API value: `COMMITTING`, `COMMITTED`, `CHECK_OK`, `PACKAGED`, `DEPLOYING`, `DEPLOYED`, `CANCELLED`, or the
    /// unknown value as received.
    public var apiValue: String {
        switch self {
        case .committing: "COMMITTING"
        case .committed: "COMMITTED"
        case .checkOK: "CHECK_OK"
        case .packaged: "PACKAGED"
        case .deploying: "DEPLOYING"
        case .deployed: "DEPLOYED"
        case .cancelled: "CANCELLED"
        case .unknown(let value): value
        }
    }

    /// The API value lower-cased (`committed`, `check_ok`, …), `unknown` for any other value.
    public var label: String {
        if case .unknown = self { return "unknown" }
        return apiValue.lowercased()
    }

    /// The API value.
    public var description: String { apiValue }
}

/// The `ChangeType` of a file version: `CREATE`, `UPDATE` or `DELETE` (case ignored); any other value is kept as
/// ``unknown(_:)``.
///
/// Source: the SDK model comment of `GetFileVersionResponseBodyData.change_type` (10.1.1).
public enum FileChangeType: Sendable, Hashable, CustomStringConvertible {
    /// `CREATE`.
    case create
    /// `UPDATE`.
    case update
    /// `DELETE`.
    case delete
    /// Any other value, as sent.
    case unknown(String)

    /// Reads the API value.
    ///
    /// - Parameter apiValue: `ChangeType` as sent, e.g. `UPDATE`.
    public init(apiValue: String) {
        switch apiValue.uppercased() {
        case "CREATE": self = .create
        case "UPDATE": self = .update
        case "DELETE": self = .delete
        default: self = .unknown(apiValue)
        }
    }

    /// The API value: `CREATE`, `UPDATE`, `DELETE`, or the unknown value as received.
    public var apiValue: String {
        switch self {
        case .create: "CREATE"
        case .update: "UPDATE"
        case .delete: "DELETE"
        case .unknown(let value): value
        }
    }

    /// The API value.
    public var description: String { apiValue }
}

/// `GetFileVersion` (2020-05-18): `POST /` with a form body of `FileId`, `FileVersion`, and `ProjectId` or
/// `ProjectIdentifier`, as the SDK sends it (`req_body_type` `formData`, like `GetDeployment`, api-notes §1.1).
///
/// Source: the SDK `alibabacloud-dataworks-public20200518` 10.1.1 (`get_file_version_with_options`,
/// `GetFileVersionRequest`): `FileId` (int64) and `FileVersion` (int) are required, one of the two project
/// parameters is required by the docs.
public struct GetFileVersionRequest: Sendable, Hashable {
    /// The operation: `GetFileVersion`, 2020-05-18, form body.
    public static let operation = APIOperation.getFileVersion

    /// `ProjectId` or `ProjectIdentifier`.
    public var project: ProjectReference
    /// `FileId` (a `DeployedItems[].FileId`).
    public var fileId: Int64
    /// `FileVersion` (a `DeployedItems[].FileVersion`).
    public var fileVersion: Int

    /// Creates the request.
    public init(project: ProjectReference, fileId: Int64, fileVersion: Int) {
        self.project = project
        self.fileId = fileId
        self.fileVersion = fileVersion
    }

    /// The parameters by wire name.
    public var parameters: [String: String] {
        [
            "FileId": String(fileId), "FileVersion": String(fileVersion),
            project.parameter.name: project.parameter.value,
        ]
    }
}

/// A decoded `GetFileVersion` answer: `{RequestId, HttpStatusCode, Success, ErrorCode, ErrorMessage, Data}`.
///
/// Source: the SDK `alibabacloud-dataworks-public20200518` 10.1.1 (`GetFileVersionResponseBody`).
public struct GetFileVersionResponse: Sendable, Equatable {
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
    /// `Data`.
    public var fileVersion: FileVersion

    /// Creates a response value.
    public init(
        requestId: String? = nil,
        httpStatusCode: Int? = nil,
        success: Bool? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil,
        fileVersion: FileVersion
    ) {
        self.requestId = requestId
        self.httpStatusCode = httpStatusCode
        self.success = success
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.fileVersion = fileVersion
    }
}

extension APIOperation {
    /// `GetFileVersion`, 2020-05-18, form body.
    public static let getFileVersion = APIOperation(
        action: "GetFileVersion",
        version: .v2020_05_18,
        placement: .formBody
    )
}
