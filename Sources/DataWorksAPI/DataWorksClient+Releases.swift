/// The 2020-05-18 reads behind release analytics: a deployment package with its files, and the commit of each file
/// version (for the lead time from commit, issue 14).
///
/// Each call goes through the same path as ``getDeployment(regionId:project:deploymentId:deadline:)``: signed afresh
/// per attempt (V3, or V1 when configured), rate-limited per region, retried on retryable failures while the deadline
/// allows, and reported to the ``APIRequestObserver`` under its action name, so every call counts in the quota
/// self-metrics. Both are `POST /` with a form body, as the SDK sends 2020-05-18 calls (api-notes §1).
///
/// Every method throws ``APIError`` for every failure of the call (the last attempt's), ``CredentialsError`` when no
/// AccessKey could be had, ``RegionPausedError`` when the rate limiter paused the region, and `CancellationError`
/// when the task was cancelled.
extension DataWorksClient {
    /// Calls `GetFileVersion` for one version of one file. A file version's commit never changes: callers may cache
    /// ``FileVersion/commitTime`` and ``FileVersion/commitUser`` for the life of the process.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId, e.g. `cn-zhangjiakou`; selects the endpoint (not sent).
    ///   - request: `ProjectId` or `ProjectIdentifier`, `FileId` and `FileVersion` (from `Data.DeployedItems[]` of
    ///     `GetDeployment`).
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: `Data` of the answer: `CommitTime` (epoch milliseconds), `CommitUser`, `FileVersion`, `Status`, ….
    public func getFileVersion(
        regionId: String,
        request: GetFileVersionRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> FileVersion {
        try await call(
            GetFileVersionRequest.operation,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeGetFileVersion
        ).fileVersion
    }

    /// Calls `GetDeployment` and returns the whole answer: the package and its files with their statuses, where
    /// ``getDeployment(regionId:project:deploymentId:deadline:)`` returns the package only. One call either way.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `DeploymentId`, and `ProjectId` or `ProjectIdentifier`.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: `Data.Deployment` and `Data.DeployedItems[]` (`FileId`, `FileVersion`, `Status`), with the envelope.
    public func getDeploymentWithItems(
        regionId: String,
        request: GetDeploymentRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> GetDeploymentResponse {
        try await call(
            APIOperation.getDeployment,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeGetDeployment
        )
    }
}
