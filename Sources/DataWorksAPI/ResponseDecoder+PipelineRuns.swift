public import CurlClient

/// Decoding of the 2024-05-18 pipeline-run answers.
///
/// Envelopes (api-notes §6.2.4): the same-workspace reads answer `{RequestId, Pipeline}` or `{RequestId, PagingInfo}`
/// with no `Success`, `ErrorCode` or `HttpStatusCode`; the cross-project reads answer `{RequestId, Success, Data}` and
/// page inside `Data`. A list that is absent is an empty list (the SDK cannot tell them apart either); a missing
/// `Pipeline`, `PagingInfo` or `Data` is ``APIError/parse(reason:httpStatus:bodyPrefix:)`` (`client_parse`), unless the
/// body carries an error `Code`, which then decodes as ``APIError/service(_:)``. Errors are the gateway body of §3.2,
/// decoded as for 2020-05-18.
extension ResponseDecoder {
    /// Decodes a `GetPipelineRun` answer.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: `Pipeline`, with its `Stages[]`.
    /// - Throws: ``APIError`` as ``decodeGetDeployment(_:)``; `parse` when `Pipeline` is absent.
    public static func decodeGetPipelineRun(_ response: HTTPResponse) throws(APIError) -> PipelineRun {
        try decodeEnvelope(response, key: "Pipeline") { pipeline throws(BodyParseFailure) in
            try pipelineRun(pipeline)
        }
    }

    /// Decodes a `ListPipelineRuns` answer.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The page of `PagingInfo.{PageNumber, PageSize, TotalCount, PipelineRuns[]}`.
    /// - Throws: ``APIError`` as ``decodeGetDeployment(_:)``; `parse` when `PagingInfo` is absent.
    public static func decodeListPipelineRuns(
        _ response: HTTPResponse
    ) throws(APIError) -> PipelineRunPage<PipelineRun> {
        try decodePage(response, container: "PagingInfo", list: "PipelineRuns") { item throws(BodyParseFailure) in
            try pipelineRun(item)
        }
    }

    /// Decodes a `ListPipelineRunItems` answer.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The page of `PagingInfo.{PageNumber, PageSize, TotalCount, PipelineRunItems[]}`.
    /// - Throws: ``APIError`` as ``decodeGetDeployment(_:)``; `parse` when `PagingInfo` is absent.
    public static func decodeListPipelineRunItems(
        _ response: HTTPResponse
    ) throws(APIError) -> PipelineRunPage<PipelineRunItem> {
        try decodePage(response, container: "PagingInfo", list: "PipelineRunItems") { item throws(BodyParseFailure) in
            PipelineRunItem(
                id: try item.identifier("Id"),
                name: try item.string("Name"),
                type: try item.string("Type"),
                status: try item.string("Status").map(PipelineRunStatus.init(apiValue:)),
                version: try item.int("Version"),
                message: try item.string("Message"),
                spec: try item.string("Spec"),
                createTime: try item.int64("CreateTime"),
                modifyTime: try item.int64("ModifyTime")
            )
        }
    }

    /// Decodes a `GetCrossProjectPipelineRun` answer.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: `Data`.
    /// - Throws: ``APIError`` as ``decodeGetDeployment(_:)`` (`Success: false` is a service error); `parse` when
    ///   `Data` is absent.
    public static func decodeGetCrossProjectPipelineRun(
        _ response: HTTPResponse
    ) throws(APIError) -> CrossProjectPipelineRun {
        try decodeEnvelope(response, key: "Data") { data throws(BodyParseFailure) in
            try crossProjectPipelineRun(data)
        }
    }

    /// Decodes a `ListCrossProjectPipelineRuns` answer.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The page of `Data.{PageNumber, PageSize, TotalCount, PipelineRuns[]}`.
    /// - Throws: ``APIError`` as ``decodeGetDeployment(_:)``; `parse` when `Data` is absent.
    public static func decodeListCrossProjectPipelineRuns(
        _ response: HTTPResponse
    ) throws(APIError) -> PipelineRunPage<CrossProjectPipelineRun> {
        try decodePage(response, container: "Data", list: "PipelineRuns") { item throws(BodyParseFailure) in
            try crossProjectPipelineRun(item)
        }
    }

    /// Decodes a `ListCrossProjectPipelineRunItems` answer.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The page of `Data.{PageNumber, PageSize, TotalCount, PipelineRunItems[]}`.
    /// - Throws: ``APIError`` as ``decodeGetDeployment(_:)``; `parse` when `Data` is absent.
    public static func decodeListCrossProjectPipelineRunItems(
        _ response: HTTPResponse
    ) throws(APIError) -> PipelineRunPage<CrossProjectPipelineRunItem> {
        try decodePage(response, container: "Data", list: "PipelineRunItems") { item throws(BodyParseFailure) in
            CrossProjectPipelineRunItem(
                objectId: try item.identifier("ObjectId"),
                objectName: try item.string("ObjectName"),
                objectType: try item.string("ObjectType"),
                objectVersion: try item.identifier("ObjectVersion"),
                changeType: try item.string("ChangeType"),
                status: try item.string("Status").map(PipelineRunStatus.init(apiValue:)),
                isRoot: try item.bool("IsRoot"),
                parentObjectId: try item.identifier("ParentObjectId"),
                errorCode: try item.string("ErrorCode"),
                errorMessage: try item.string("ErrorMessage")
            )
        }
    }

    // MARK: - Internals

    /// The object under `key` of a usable answer, mapped with `map`.
    private static func decodeEnvelope<Answer>(
        _ response: HTTPResponse,
        key: String,
        map: (FieldReader) throws(BodyParseFailure) -> Answer
    ) throws(APIError) -> Answer {
        let (_, object) = try payload(response, key: key)
        do throws(BodyParseFailure) {
            return try map(object)
        } catch {
            throw parseError(error.reason, response)
        }
    }

    /// A page under `container`, its elements under `list` (absent means empty), mapped with `map`.
    private static func decodePage<Element>(
        _ response: HTTPResponse,
        container: String,
        list: String,
        map: (FieldReader) throws(BodyParseFailure) -> Element
    ) throws(APIError) -> PipelineRunPage<Element> {
        let (top, paging) = try payload(response, key: container)
        do throws(BodyParseFailure) {
            var items: [Element] = []
            for item in try paging.objects(list) ?? [] {
                items.append(try map(item))
            }
            return PipelineRunPage(
                requestId: try top.string("RequestId"),
                pageNumber: try paging.int("PageNumber"),
                pageSize: try paging.int("PageSize"),
                totalCount: try paging.int64("TotalCount"),
                items: items
            )
        } catch {
            throw parseError(error.reason, response)
        }
    }

    /// The top-level fields and the object under `key` of a usable answer. Without that object the answer is a
    /// service error when it names an error code (`Code` or `ErrorCode`), else a parse error.
    static func payload(
        _ response: HTTPResponse,
        key: String
    ) throws(APIError) -> (top: FieldReader, object: FieldReader) {
        let top = try successBody(response)
        let object: FieldReader?
        do throws(BodyParseFailure) {
            object = try top.object(key)
        } catch {
            throw parseError(error.reason, response)
        }
        guard let object else {
            if top.firstString(["Code", "ErrorCode", "code", "errorCode"]) != nil {
                throw serviceError(top, response, fallbackCode: APIError.unknownErrorCode)
            }
            throw parseError("no \(key) in the response", response)
        }
        return (top, object)
    }

    private static func pipelineRun(_ fields: FieldReader) throws(BodyParseFailure) -> PipelineRun {
        var stages: [PipelineRunStage] = []
        for stage in try fields.objects("Stages") ?? [] {
            stages.append(
                PipelineRunStage(
                    step: try stage.int("Step"),
                    code: try stage.string("Code"),
                    type: try stage.string("Type").map(PipelineRunStageType.init(apiValue:)),
                    status: try stage.string("Status").map(PipelineRunStatus.init(apiValue:)),
                    name: try stage.string("Name"),
                    description: try stage.string("Description"),
                    message: try stage.string("Message")
                )
            )
        }
        return PipelineRun(
            id: try fields.identifier("Id"),
            projectId: try fields.int64("ProjectId"),
            creator: try fields.identifier("Creator"),
            description: try fields.string("Description"),
            status: try fields.string("Status").map(PipelineRunStatus.init(apiValue:)),
            message: try fields.string("Message"),
            createTime: try fields.int64("CreateTime"),
            modifyTime: try fields.int64("ModifyTime"),
            stages: stages
        )
    }

    private static func crossProjectPipelineRun(
        _ fields: FieldReader
    ) throws(BodyParseFailure) -> CrossProjectPipelineRun {
        CrossProjectPipelineRun(
            pipelineRunId: try fields.identifier("PipelineRunId"),
            deploymentEnvironmentId: try fields.int64("DeploymentEnvironmentId"),
            objectId: try fields.identifier("ObjectId"),
            objectName: try fields.string("ObjectName"),
            objectType: try fields.string("ObjectType"),
            objectVersion: try fields.identifier("ObjectVersion"),
            changeType: try fields.string("ChangeType"),
            status: try fields.string("Status").map(PipelineRunStatus.init(apiValue:)),
            description: try fields.string("Description"),
            creator: try fields.identifier("Creator"),
            createTime: try fields.int64("CreateTime"),
            executor: try fields.identifier("Executor"),
            executeTime: try fields.int64("ExecuteTime"),
            finishTime: try fields.int64("FinishTime"),
            errorCode: try fields.string("ErrorCode"),
            errorMessage: try fields.string("ErrorMessage"),
            abolisher: try fields.identifier("Abolisher"),
            abolishTime: try fields.int64("AbolishTime")
        )
    }
}
