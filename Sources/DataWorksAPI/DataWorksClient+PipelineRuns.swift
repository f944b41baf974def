import CurlClient

/// The 2024-05-18 pipeline-run reads, for workspaces on the new Data Studio.
///
/// Each call goes through the same path as ``getDeployment(regionId:project:deploymentId:deadline:)``: signed afresh
/// per attempt (V3, or V1 when configured), rate-limited per region, retried on retryable failures while the deadline
/// allows, and reported to the ``APIRequestObserver`` under its action name. The three same-workspace reads are `GET`
/// with query parameters, the three cross-project reads `POST` with a form body, as the SDK sends them
/// (api-notes §6.2.1).
///
/// Every method throws ``APIError`` for every failure of the call (the last attempt's; see
/// ``APIError/indicatesWrongAPIVersion`` for answers that mean the workspace is on the other version),
/// ``CredentialsError`` when no AccessKey could be had, ``RegionPausedError`` when the rate limiter paused the region,
/// and `CancellationError` when the task was cancelled.
extension DataWorksClient {
    /// Calls `GetPipelineRun` for one pipeline run.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId, e.g. `cn-zhangjiakou`; selects the endpoint (not sent).
    ///   - request: `ProjectId` and `Id`.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: `Pipeline` of the answer, stages included.
    public func getPipelineRun(
        regionId: String,
        request: GetPipelineRunRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> PipelineRun {
        try await call(
            GetPipelineRunRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeGetPipelineRun
        )
    }

    /// Calls `ListPipelineRuns` for one page of a workspace's pipeline runs (stages inline).
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `ProjectId`, optional `Creator`, `ObjectId`, `Status`, and `PageNumber`/`PageSize` (≤ 100).
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: The page of `PagingInfo`; see ``PipelineRunPage/isLast(requestedPageNumber:requestedPageSize:)``.
    public func listPipelineRuns(
        regionId: String,
        request: ListPipelineRunsRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> PipelineRunPage<PipelineRun> {
        try await call(
            ListPipelineRunsRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeListPipelineRuns
        )
    }

    /// Calls `ListPipelineRunItems` for one page of the objects a pipeline run deploys.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `ProjectId`, `PipelineRunId`, and `PageNumber`/`PageSize` (≤ 100).
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: The page of `PagingInfo` (the answer does not name the run).
    public func listPipelineRunItems(
        regionId: String,
        request: ListPipelineRunItemsRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> PipelineRunPage<PipelineRunItem> {
        try await call(
            ListPipelineRunItemsRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeListPipelineRunItems
        )
    }

    /// Calls `GetCrossProjectPipelineRun` for one cross-project pipeline run.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `ProjectId` and `PipelineRunId`.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: `Data` of the answer.
    public func getCrossProjectPipelineRun(
        regionId: String,
        request: GetCrossProjectPipelineRunRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> CrossProjectPipelineRun {
        try await call(
            GetCrossProjectPipelineRunRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeGetCrossProjectPipelineRun
        )
    }

    /// Calls `ListCrossProjectPipelineRuns` for one page of cross-project pipeline runs.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `ProjectId`, the optional filters (`CreateTimeFrom`/`CreateTimeTo` in epoch ms, `Creator`,
    ///     `Executor`, `DeploymentEnvironmentId`, `ObjectId`, `ObjectType`, `Status`), and paging.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: The page of `Data`.
    public func listCrossProjectPipelineRuns(
        regionId: String,
        request: ListCrossProjectPipelineRunsRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> PipelineRunPage<CrossProjectPipelineRun> {
        try await call(
            ListCrossProjectPipelineRunsRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeListCrossProjectPipelineRuns
        )
    }

    /// Calls `ListCrossProjectPipelineRunItems` for one page of a cross-project run's objects.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `ProjectId`, `PipelineRunId`, and paging.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: The page of `Data`.
    public func listCrossProjectPipelineRunItems(
        regionId: String,
        request: ListCrossProjectPipelineRunItemsRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> PipelineRunPage<CrossProjectPipelineRunItem> {
        try await call(
            ListCrossProjectPipelineRunItemsRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeListCrossProjectPipelineRunItems
        )
    }

    /// Sends `operation` through ``call(action:version:placement:regionId:parameters:deadline:decode:)``.
    func call<Answer>(
        _ operation: APIOperation,
        regionId: String,
        parameters: [String: String],
        deadline: ContinuousClock.Instant,
        decode: (HTTPResponse) throws(APIError) -> Answer
    ) async throws -> Answer {
        try await call(
            action: operation.action,
            version: operation.version,
            placement: operation.placement,
            regionId: regionId,
            parameters: parameters,
            deadline: deadline,
            decode: decode
        )
    }
}
