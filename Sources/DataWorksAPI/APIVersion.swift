/// The DataWorks OpenAPI version a call speaks (`x-acs-version` in V3, `Version` in V1).
///
/// Use `2024-05-18` for workspaces on the new Data Studio and `2020-05-18` otherwise; the same action name can mean
/// different operations in the two versions (api-notes §6.2, "Naming clash" and "Which version to use").
public enum APIVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `2020-05-18`: deployment packages (`GetDeployment`, `ListDeployments`), the old Data Studio.
    case v2020_05_18 = "2020-05-18"
    /// `2024-05-18`: pipeline runs (`GetPipelineRun`, `ListPipelineRuns`, …), the new Data Studio.
    case v2024_05_18 = "2024-05-18"

    /// The wire value, e.g. `2024-05-18`.
    public var description: String { rawValue }
}

/// Where a call's API parameters go, which also fixes its HTTP method, as the official SDK does it.
///
/// Source: api-notes §6.2.1 (the pipeline-run reads are `GET` with query parameters, every other read is `POST` with a
/// form body), §1.3 (form body), §6.2.5 (signing a `GET`).
public enum ParameterPlacement: Sendable, Hashable {
    /// `POST /` with an `application/x-www-form-urlencoded` body; the V3 canonical query is empty.
    case formBody
    /// `GET /?…` with the parameters in the query and no body, no `content-type` and no `Content-Length`.
    case query

    /// The HTTP method: `POST` for ``formBody``, `GET` for ``query``.
    public var httpMethod: String {
        switch self {
        case .formBody: "POST"
        case .query: "GET"
        }
    }
}

/// One API operation: its action name, version and parameter placement.
///
/// Source: api-notes §6.2.1 (the table of operations).
public struct APIOperation: Sendable, Hashable, CustomStringConvertible {
    /// The `x-acs-action` / `Action` value, e.g. `ListPipelineRuns`.
    public var action: String
    /// The API version the action belongs to.
    public var version: APIVersion
    /// Where the parameters go (and so `GET` or `POST`).
    public var placement: ParameterPlacement

    /// Creates an operation.
    public init(action: String, version: APIVersion, placement: ParameterPlacement) {
        self.action = action
        self.version = version
        self.placement = placement
    }

    /// The action name.
    public var description: String { action }

    /// `GetDeployment`, 2020-05-18, form body.
    public static let getDeployment = APIOperation(
        action: GetDeploymentRequest.action,
        version: .v2020_05_18,
        placement: .formBody
    )
    /// `ListDeployments`, 2020-05-18, form body.
    public static let listDeployments = APIOperation(
        action: ListDeploymentsRequest.action,
        version: .v2020_05_18,
        placement: .formBody
    )
    /// `GetPipelineRun`, 2024-05-18, `GET` with query parameters.
    public static let getPipelineRun = APIOperation(action: "GetPipelineRun", version: .v2024_05_18, placement: .query)
    /// `ListPipelineRuns`, 2024-05-18, `GET` with query parameters.
    public static let listPipelineRuns = APIOperation(
        action: "ListPipelineRuns",
        version: .v2024_05_18,
        placement: .query
    )
    /// `ListPipelineRunItems`, 2024-05-18, `GET` with query parameters.
    public static let listPipelineRunItems = APIOperation(
        action: "ListPipelineRunItems",
        version: .v2024_05_18,
        placement: .query
    )
    /// `GetCrossProjectPipelineRun`, 2024-05-18, `POST` with a form body.
    public static let getCrossProjectPipelineRun = APIOperation(
        action: "GetCrossProjectPipelineRun",
        version: .v2024_05_18,
        placement: .formBody
    )
    /// `ListCrossProjectPipelineRuns`, 2024-05-18, `POST` with a form body.
    public static let listCrossProjectPipelineRuns = APIOperation(
        action: "ListCrossProjectPipelineRuns",
        version: .v2024_05_18,
        placement: .formBody
    )
    /// `ListCrossProjectPipelineRunItems`, 2024-05-18, `POST` with a form body.
    public static let listCrossProjectPipelineRunItems = APIOperation(
        action: "ListCrossProjectPipelineRunItems",
        version: .v2024_05_18,
        placement: .formBody
    )

    /// The six pipeline-run reads of 2024-05-18.
    public static let pipelineRunReads: [APIOperation] = [
        getPipelineRun, listPipelineRuns, listPipelineRunItems,
        getCrossProjectPipelineRun, listCrossProjectPipelineRuns, listCrossProjectPipelineRunItems,
    ]
}
