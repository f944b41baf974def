/// The `Status` of one file of a deployment package, `Data.DeployedItems[].Status` of `GetDeployment`: 0
/// `UNPUBLISHED`, 1 `SUCCESS`, 2 `ERROR`, 3 `CLONED`, 4 `DEPLOY_ERROR`, 5 `CLONING`, 6 `REJECT`; any other code is kept
/// as ``unknown(_:)``.
///
/// Source: api-notes §3.1 (codes and names), §7 (an item's enumeration is not the package's).
public enum DeployedItemStatus: Sendable, Hashable, CustomStringConvertible {
    /// 0 `UNPUBLISHED`: not deployed (yet).
    case unpublished
    /// 1 `SUCCESS`: deployed.
    case success
    /// 2 `ERROR`.
    case error
    /// 3 `CLONED`: cloned into the target workspace.
    case cloned
    /// 4 `DEPLOY_ERROR`: the deployment of this file failed.
    case deployError
    /// 5 `CLONING`: being cloned.
    case cloning
    /// 6 `REJECT`: rejected by a reviewer.
    case reject
    /// Any other code.
    case unknown(Int)

    /// The seven documented statuses in code order (``unknown(_:)`` excluded).
    public static let known: [DeployedItemStatus] = [
        .unpublished, .success, .error, .cloned, .deployError, .cloning, .reject,
    ]

    /// Every `status` label value a metric of items presets: the known labels and `unknown`.
    public static let allLabels: [String] = known.map(\.label) + ["unknown"]

    /// The status of a wire code.
    ///
    /// - Parameter code: `Status` of the item, an integer.
    public init(code: Int) {
        switch code {
        case 0: self = .unpublished
        case 1: self = .success
        case 2: self = .error
        case 3: self = .cloned
        case 4: self = .deployError
        case 5: self = .cloning
        case 6: self = .reject
        default: self = .unknown(code)
        }
    }

    /// The wire code: 0…6, or the unknown one.
    public var code: Int {
        switch self {
        case .unpublished: 0
        case .success: 1
        case .error: 2
        case .cloned: 3
        case .deployError: 4
        case .cloning: 5
        case .reject: 6
        case .unknown(let code): code
        }
    }

    /// The API's name of the code: `UNPUBLISHED`, `SUCCESS`, `ERROR`, `CLONED`, `DEPLOY_ERROR`, `CLONING`, `REJECT`,
    /// or `UNKNOWN`.
    public var apiName: String {
        switch self {
        case .unpublished: "UNPUBLISHED"
        case .success: "SUCCESS"
        case .error: "ERROR"
        case .cloned: "CLONED"
        case .deployError: "DEPLOY_ERROR"
        case .cloning: "CLONING"
        case .reject: "REJECT"
        case .unknown: "UNKNOWN"
        }
    }

    /// The `status` label of the metrics: the API's name lower-cased (`unpublished`, `deploy_error`, `reject`, …),
    /// `unknown` for any other code.
    public var label: String { apiName.lowercased() }

    /// Whether the file failed to ship: `ERROR` or `DEPLOY_ERROR`.
    public var isFailure: Bool {
        switch self {
        case .error, .deployError: true
        default: false
        }
    }

    /// The label, with the code for an unknown status: `success`, `unknown(9)`.
    public var description: String {
        if case .unknown(let code) = self { return "unknown(\(code))" }
        return label
    }
}

extension DeployedItemStatus: ExpressibleByIntegerLiteral {
    /// The status of a literal wire code, e.g. `4` for ``deployError``.
    public init(integerLiteral code: Int) {
        self.init(code: code)
    }
}

/// The `CheckingStatus` of a deployment package (`Data.Deployment.CheckingStatus` of `GetDeployment`): 7 a check
/// failed, 8 checking; absent or empty means no check holds the package. Any other code is kept as ``unknown(_:)``.
///
/// A package to development (`ToEnvironment` 1) can go on to production only when its `Status` is 1 and no
/// `CheckingStatus` is set.
///
/// Source: api-notes §3.1, §7.
public enum DeploymentCheckingStatus: Sendable, Hashable, CustomStringConvertible {
    /// 7: a check failed; the package is blocked.
    case checkFailed
    /// 8: a check is running.
    case checking
    /// Any other code.
    case unknown(Int)

    /// The two documented statuses in code order (``unknown(_:)`` excluded).
    public static let known: [DeploymentCheckingStatus] = [.checkFailed, .checking]

    /// Every `checking_status` label value a metric presets: the known labels and `unknown`.
    public static let allLabels: [String] = known.map(\.label) + ["unknown"]

    /// The status of a wire code.
    ///
    /// - Parameter code: `CheckingStatus`, an integer.
    public init(code: Int) {
        switch code {
        case 7: self = .checkFailed
        case 8: self = .checking
        default: self = .unknown(code)
        }
    }

    /// The wire code: 7, 8, or the unknown one.
    public var code: Int {
        switch self {
        case .checkFailed: 7
        case .checking: 8
        case .unknown(let code): code
        }
    }

    /// The label of the metrics: `check_failed`, `checking`, or `unknown`.
    public var label: String {
        switch self {
        case .checkFailed: "check_failed"
        case .checking: "checking"
        case .unknown: "unknown"
        }
    }

    /// The label, with the code for an unknown status: `checking`, `unknown(9)`.
    public var description: String {
        if case .unknown(let code) = self { return "unknown(\(code))" }
        return label
    }
}

extension DeploymentCheckingStatus: ExpressibleByIntegerLiteral {
    /// The status of a literal wire code, e.g. `8` for ``checking``.
    public init(integerLiteral code: Int) {
        self.init(code: code)
    }
}
