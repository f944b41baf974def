public import CurlClient

extension ResponseDecoder {
    /// Decodes a `GetFileVersion` answer (2020-05-18), in the order of ``decodeGetDeployment(_:)``: HTTP status, XML
    /// error page, `Success: false`, then `Data`, which is required; every field inside it is optional.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The decoded answer.
    /// - Throws: ``APIError/service(_:)`` for error answers (also an answer without `Data` that names an error code),
    ///   ``APIError/httpStatus(status:requestId:bodyPrefix:)`` for error statuses without a code,
    ///   ``APIError/parse(reason:httpStatus:bodyPrefix:)`` (`client_parse`) for unusable bodies: not JSON or XML, no
    ///   `Data`, a field of the wrong type.
    public static func decodeGetFileVersion(_ response: HTTPResponse) throws(APIError) -> GetFileVersionResponse {
        let (top, data) = try payload(response, key: "Data")
        do throws(BodyParseFailure) {
            return GetFileVersionResponse(
                requestId: try top.string("RequestId"),
                httpStatusCode: try top.int("HttpStatusCode"),
                success: try top.bool("Success"),
                errorCode: try top.identifier("ErrorCode"),
                errorMessage: try top.string("ErrorMessage"),
                fileVersion: FileVersion(
                    fileVersion: try data.int("FileVersion"),
                    fileName: try data.string("FileName"),
                    commitTime: try data.int64("CommitTime"),
                    commitUser: try data.identifier("CommitUser"),
                    comment: try data.string("Comment"),
                    changeType: try data.string("ChangeType").map(FileChangeType.init(apiValue:)),
                    status: try data.string("Status").map(FileVersionStatus.init(apiValue:)),
                    isCurrentProd: try data.bool("IsCurrentProd"),
                    nodeId: try data.int64("NodeId"),
                    useType: try data.identifier("UseType"),
                    fileContent: try data.string("FileContent"),
                    nodeContent: try data.string("NodeContent"),
                    filePropertyContent: try data.string("FilePropertyContent")
                )
            )
        } catch {
            throw parseError(error.reason, response)
        }
    }
}
