public import CurlClient
public import Foundation

/// Turns HTTP responses of the DataWorks OpenAPI into models or ``APIError`` values.
///
/// Order of decisions (api-notes §3.2, §7): HTTP status outside 2xx → error from the body's `Code`/`Message` (or
/// `ErrorCode`/`ErrorMessage`); an XML `<Error>` page → error; `Success: false` → error even on HTTP 200; then the
/// expected data must be present. The presence of an error string alone never makes a response an error.
/// Bodies are JSON, or XML when the content type says so or the body starts with `<`.
public enum ResponseDecoder {
    /// How many bytes of the body ``APIError`` keeps for context.
    public static let bodyPrefixLength = 160

    /// Decodes a `GetDeployment` response.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The decoded answer; `Data.Deployment` with its `Status` is required, every other field inside it is
    ///   optional. Numbers may come as strings of digits; envelope fields other than `Success` never fail the answer.
    /// - Throws: ``APIError/service(_:)`` for error answers, ``APIError/httpStatus(status:requestId:bodyPrefix:)``
    ///   for error statuses without a code, ``APIError/parse(reason:httpStatus:bodyPrefix:)`` for unusable bodies.
    public static func decodeGetDeployment(_ response: HTTPResponse) throws(APIError) -> GetDeploymentResponse {
        let top = try successBody(response)
        do throws(BodyParseFailure) {
            guard let data = try top.object("Data"), let deploymentFields = try data.object("Deployment") else {
                throw BodyParseFailure(reason: "no Data.Deployment in the response")
            }
            let items = try data.objects("DeployedItems") ?? []
            let deployment = try deployment(deploymentFields, creatorKey: "CreatorId", handlerKey: "HandlerId")
            guard deployment.status != nil else {
                // Without a status the answer says nothing the exporter can show (issue 15, item 7).
                throw BodyParseFailure(reason: "Data.Deployment.Status: missing or null")
            }
            // Envelope fields the exporter does not use are read leniently: a value of an odd type is dropped
            // rather than failing the whole answer.
            return GetDeploymentResponse(
                requestId: top.firstString(["RequestId"]),
                httpStatusCode: (try? top.int("HttpStatusCode")) ?? nil,
                success: try top.bool("Success"),
                errorCode: top.firstString(["ErrorCode"]),
                errorMessage: (try? top.string("ErrorMessage")) ?? nil,
                deployment: deployment,
                deployedItems: try items.map { item throws(BodyParseFailure) in
                    DeployedItem(
                        fileId: try item.int64("FileId"),
                        fileVersion: try item.int("FileVersion"),
                        status: try item.int("Status").map(DeployedItemStatus.init(code:))
                    )
                }
            )
        } catch {
            throw parseError(error.reason, response)
        }
    }

    /// Decodes a `ListDeployments` response.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: The page; `Data` is required, `Data.Deployments` may be absent (empty page).
    /// - Throws: ``APIError`` as for ``decodeGetDeployment(_:)``.
    public static func decodeListDeployments(_ response: HTTPResponse) throws(APIError) -> ListDeploymentsPage {
        let top = try successBody(response)
        do throws(BodyParseFailure) {
            guard let data = try top.object("Data") else {
                throw BodyParseFailure(reason: "no Data in the response")
            }
            let items = try data.objects("Deployments") ?? []
            return ListDeploymentsPage(
                requestId: top.firstString(["RequestId"]),
                pageNumber: try data.int("PageNumber"),
                pageSize: try data.int("PageSize"),
                totalCount: try data.int64("TotalCount"),
                deployments: try items.map { item throws(BodyParseFailure) in
                    try deployment(item, creatorKey: "Creator", handlerKey: "Executor")
                }
            )
        } catch {
            throw parseError(error.reason, response)
        }
    }

    /// The error for a response whose HTTP status is not 2xx.
    ///
    /// - Parameter response: The HTTP response.
    /// - Returns: ``APIError/service(_:)`` when the body names an error code, else
    ///   ``APIError/httpStatus(status:requestId:bodyPrefix:)``.
    public static func errorForStatus(_ response: HTTPResponse) -> APIError {
        var fields: FieldReader?
        if let parsed = try? ResponseTree.parse(body: response.body, contentType: response.header("content-type")),
            case .object(let object) = parsed.node
        {
            fields = FieldReader(object, path: "")
        }
        let requestId = fields?.firstString(["RequestId", "requestId"])
        if let fields, let code = fields.firstString(["Code", "code", "ErrorCode", "errorCode"]) {
            return .service(
                ServiceError(
                    code: code,
                    message: fields.firstString(["Message", "message", "ErrorMessage", "errorMessage"]) ?? "",
                    httpStatus: response.status,
                    requestId: requestId,
                    retryAfter: retryAfter(response)
                )
            )
        }
        return .httpStatus(status: response.status, requestId: requestId, bodyPrefix: bodyPrefix(response.body))
    }

    /// The wait a response asks for: `x-acs-retry-after` as milliseconds (an integer > 0) or an HTTP-date, else
    /// `Retry-After` as seconds (an integer ≥ 0) or an HTTP-date (RFC 9110 §10.2.3; a past date means zero).
    ///
    /// - Parameters:
    ///   - response: The HTTP response.
    ///   - now: The current time, against which a date is counted.
    /// - Returns: The duration, or `nil` when neither header holds a usable value.
    public static func retryAfter(_ response: HTTPResponse, now: Date = Date()) -> Duration? {
        if let text = response.header("x-acs-retry-after"),
            let wait = RetryAfter.wait(text, unit: .milliseconds(1), now: now), wait > .zero
        {
            return wait
        }
        if let text = response.header("retry-after") {
            return RetryAfter.wait(text, unit: .seconds(1), now: now)
        }
        return nil
    }

    /// The first ``bodyPrefixLength`` bytes of `body` as text, with control characters replaced by spaces and `…`
    /// appended when cut.
    public static func bodyPrefix(_ body: [UInt8]) -> String {
        let cut = body.count > bodyPrefixLength
        let text = String(decoding: body.prefix(bodyPrefixLength), as: UTF8.self)
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        return cut ? cleaned + "…" : cleaned
    }

    // MARK: - Internals

    /// Checks status, format and `Success`; returns the top-level fields of a usable answer.
    static func successBody(_ response: HTTPResponse) throws(APIError) -> FieldReader {
        guard (200..<300).contains(response.status) else { throw errorForStatus(response) }
        let parsed: (root: String?, node: ResponseNode)
        do throws(BodyParseFailure) {
            parsed = try ResponseTree.parse(body: response.body, contentType: response.header("content-type"))
        } catch {
            throw parseError(error.reason, response)
        }
        guard case .object(let object) = parsed.node else {
            throw parseError("the body is \(parsed.node.kindName), not an object", response)
        }
        let top = FieldReader(object, path: "")
        if parsed.root == "Error" {
            throw serviceError(top, response, fallbackCode: APIError.unknownErrorCode)
        }
        let success: Bool?
        do throws(BodyParseFailure) {
            success = try top.bool("Success")
        } catch {
            throw parseError(error.reason, response)
        }
        if success == false {
            throw serviceError(top, response, fallbackCode: APIError.unknownErrorCode)
        }
        return top
    }

    static func serviceError(_ top: FieldReader, _ response: HTTPResponse, fallbackCode: String) -> APIError {
        .service(
            ServiceError(
                code: top.firstString(["ErrorCode", "Code", "errorCode", "code"]) ?? fallbackCode,
                message: top.firstString(["ErrorMessage", "Message", "errorMessage", "message"]) ?? "",
                httpStatus: response.status,
                requestId: top.firstString(["RequestId", "requestId"]),
                retryAfter: retryAfter(response)
            )
        )
    }

    static func parseError(_ reason: String, _ response: HTTPResponse) -> APIError {
        .parse(reason: reason, httpStatus: response.status, bodyPrefix: bodyPrefix(response.body))
    }

    private static func deployment(
        _ fields: FieldReader,
        creatorKey: String,
        handlerKey: String
    ) throws(BodyParseFailure) -> Deployment {
        Deployment(
            id: try fields.int64("Id"),
            name: try fields.string("Name"),
            creatorId: try fields.identifier(creatorKey),
            handlerId: try fields.identifier(handlerKey),
            createTime: try fields.int64("CreateTime"),
            executeTime: try fields.int64("ExecuteTime"),
            status: try fields.int("Status").map(DeploymentStatus.init(code:)),
            errorMessage: try fields.string("ErrorMessage"),
            fromEnvironment: try fields.int("FromEnvironment"),
            toEnvironment: try fields.int("ToEnvironment"),
            checkingStatus: try fields.intAllowingEmpty("CheckingStatus").map(DeploymentCheckingStatus.init(code:))
        )
    }
}
