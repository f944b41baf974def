/// The `Status` of a deployment package (`Data.Deployment.Status` of `GetDeployment`, `Status` of a `ListDeployments`
/// item and its filter): 0 ready, 1 success, 2 failure, 6 rejected; any other code is kept as ``unknown(_:)``.
///
/// Source: api-notes §3.1 and §6.1 (codes), §7 (semantics).
public enum DeploymentStatus: Sendable, Hashable {
    /// 0: created, not yet run.
    case ready
    /// 1: deployed.
    case success
    /// 2: failed; `ErrorMessage` says why.
    case failure
    /// 6: rejected by a reviewer (seen in `ListDeployments`).
    case rejected
    /// Any other code.
    case unknown(Int)

    /// The four documented statuses, in the order the exporter writes them.
    public static let known: [DeploymentStatus] = [.ready, .success, .failure, .rejected]

    /// The status of a wire code.
    public init(code: Int) {
        switch code {
        case 0: self = .ready
        case 1: self = .success
        case 2: self = .failure
        case 6: self = .rejected
        default: self = .unknown(code)
        }
    }

    /// The status named `name` (one of ``name``'s values for the known statuses), or `nil`.
    public init?(name: String) {
        guard let status = Self.known.first(where: { $0.name == name }) else { return nil }
        self = status
    }

    /// The wire code: 0, 1, 2, 6, or the unknown one.
    public var code: Int {
        switch self {
        case .ready: 0
        case .success: 1
        case .failure: 2
        case .rejected: 6
        case .unknown(let code): code
        }
    }

    /// The lowercase name: `ready`, `success`, `failure`, `rejected`, or `unknown` for every other code.
    public var name: String {
        switch self {
        case .ready: "ready"
        case .success: "success"
        case .failure: "failure"
        case .rejected: "rejected"
        case .unknown: "unknown"
        }
    }

    /// Whether the status ends a deployment (success, failure, rejected): it changes no more by itself.
    public var isTerminal: Bool {
        switch self {
        case .success, .failure, .rejected: true
        case .ready, .unknown: false
        }
    }
}

extension DeploymentStatus: ExpressibleByIntegerLiteral {
    /// The status of a literal wire code, e.g. `1` for ``success``.
    public init(integerLiteral code: Int) {
        self.init(code: code)
    }
}

extension DeploymentStatus: CustomStringConvertible {
    /// The name, with the code for an unknown status: `success`, `unknown(9)`.
    public var description: String {
        if case .unknown(let code) = self { return "unknown(\(code))" }
        return name
    }
}
