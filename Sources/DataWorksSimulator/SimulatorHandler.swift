import DataWorksAPI
import Foundation
import HTTPServer

/// Answers one HTTP request to the simulator: control endpoints under `/-/simulator/`, otherwise an OpenAPI call.
struct SimulatorHandler: Sendable {
    let state: SimulatorState

    static let apiVersion = "2020-05-18"
    static let hostId = "dataworks.simulator.local"

    func handle(_ request: ServerRequest) async -> ServerResponse {
        if request.path.hasPrefix("/-/simulator/") {
            return await control(request)
        }
        guard request.path == "/" else {
            return error(404, code: "InvalidAction.NotFound", message: "Specified api is not found.")
        }
        guard request.method == "POST" || request.method == "GET" else {
            return error(405, code: "UnsupportedHTTPMethod", message: "Only POST and GET are supported.")
        }
        let call: APICall
        switch authenticate(request) {
        case .failure(let failure):
            return error(failure.status, code: failure.code, message: failure.message)
        case .success(let authenticated):
            call = authenticated
        }
        guard await state.useNonce(call.nonce) else {
            return error(400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already.")
        }
        guard call.version == Self.apiVersion else {
            return error(400, code: "InvalidVersion", message: "Specified parameter Version is not valid.")
        }
        await state.countRequest(action: call.action)
        switch call.action {
        case "GetDeployment":
            return await getDeployment(call)
        case "ListDeployments":
            return await listDeployments(call)
        default:
            return error(404, code: "InvalidAction.NotFound", message: "Specified api is not found.")
        }
    }

    // MARK: - Authentication

    struct AuthenticationFailure: Error {
        var status: Int
        var code: String
        var message: String
    }

    /// A call whose signature checked out.
    struct APICall {
        var action: String
        var version: String
        var nonce: String
        var parameters: [String: String]
        var wantsXML: Bool
    }

    func authenticate(_ request: ServerRequest) -> Result<APICall, AuthenticationFailure> {
        let bodyParameters = FormDecoding.decode(request.body)
        if request.queryValue("Signature") != nil {
            return SignatureCheck.v1(request: request, bodyParameters: bodyParameters)
        }
        if request.header("authorization") != nil {
            return SignatureCheck.v3(request: request, bodyParameters: bodyParameters)
        }
        return .failure(
            AuthenticationFailure(
                status: 400,
                code: "IncompleteSignature",
                message: "The request signature does not conform to Aliyun standards."
            )
        )
    }

    // MARK: - Actions

    func getDeployment(_ call: APICall) async -> ServerResponse {
        guard let rawId = call.parameters["DeploymentId"], let deploymentId = Int64(rawId) else {
            return error(400, code: "MissingDeploymentId", message: "DeploymentId is mandatory for this action.")
        }
        if let fault = await state.takeFault(deploymentId: deploymentId) {
            switch fault {
            case .throttlingUser:
                return error(429, code: "Throttling.User", message: "Your request is too frequent. Try again later.")
            case .throttling:
                return error(400, code: "Throttling", message: "Request was denied due to flow control.")
            case .forbiddenAccess:
                return error(403, code: "Forbidden.Access", message: "You are not authorized to access this resource.")
            case .internalError:
                return error(500, code: "InternalError.System", message: "An internal error occurred.")
            case .malformedBody:
                return ServerResponse(
                    status: 200,
                    headers: [("Content-Type", "application/json;charset=utf-8")],
                    body: Array("{\"RequestId\":\"\(requestId())\",\"Data\":{\"Deployment\":{\"Status\":".utf8)
                )
            case .delay(let duration):
                try? await Task.sleep(for: duration)
            }
        }
        let deployments = await state.deployments
        guard let deployment = deployments[deploymentId], matchesProject(deployment, call.parameters) else {
            return error(
                404,
                code: "Invalid.Deployment.NotFound",
                message: "The deployment \(deploymentId) does not exist in the specified workspace."
            )
        }
        let body: [String: Any] = [
            "RequestId": requestId(),
            "HttpStatusCode": 200,
            "Success": true,
            "Data": ["Deployment": Self.fields(of: deployment), "DeployedItems": [[String: Any]]()],
        ]
        return call.wantsXML ? xml(root: "GetDeploymentResponse", body) : json(body)
    }

    func listDeployments(_ call: APICall) async -> ServerResponse {
        let deployments = await state.deployments.values.sorted { $0.deploymentId < $1.deploymentId }
        let inProject = deployments.filter { matchesProject($0, call.parameters) }
        guard call.parameters["ProjectId"] != nil || call.parameters["ProjectIdentifier"] != nil else {
            return error(400, code: "MissingProjectId", message: "ProjectId or ProjectIdentifier is mandatory.")
        }
        let pageNumber = max(1, Int(call.parameters["PageNumber"] ?? "") ?? 1)
        let pageSize = min(100, max(1, Int(call.parameters["PageSize"] ?? "") ?? 10))
        var selected = inProject
        if let status = call.parameters["Status"].flatMap(Int.init) {
            selected = selected.filter { $0.status == status }
        }
        let page = selected.dropFirst((pageNumber - 1) * pageSize).prefix(pageSize)
        let items: [[String: Any]] = page.map { deployment in
            var item: [String: Any] = [
                "Id": deployment.deploymentId,
                "Name": deployment.name,
                "Status": deployment.status,
                "Creator": deployment.creatorId,
                "CreateTime": deployment.createTime,
                "ErrorMessage": deployment.errorMessage ?? "",
            ]
            item["Executor"] = deployment.handlerId
            item["ExecuteTime"] = deployment.executeTime
            return item
        }
        let body: [String: Any] = [
            "RequestId": requestId(),
            "Data": [
                "PageNumber": pageNumber, "PageSize": pageSize, "TotalCount": selected.count, "Deployments": items,
            ],
        ]
        return call.wantsXML ? xml(root: "ListDeploymentsResponse", body) : json(body)
    }

    func matchesProject(_ deployment: SimulatedDeployment, _ parameters: [String: String]) -> Bool {
        if let projectId = parameters["ProjectId"] {
            return Int64(projectId) == deployment.projectId
        }
        if let identifier = parameters["ProjectIdentifier"] {
            return identifier == deployment.projectIdentifier
        }
        return false
    }

    static func fields(of deployment: SimulatedDeployment) -> [String: Any] {
        var fields: [String: Any] = [
            "Name": deployment.name,
            "Status": deployment.status,
            "CreatorId": deployment.creatorId,
            "CreateTime": deployment.createTime,
            "FromEnvironment": deployment.fromEnvironment,
            "ToEnvironment": deployment.toEnvironment,
        ]
        fields["HandlerId"] = deployment.handlerId
        fields["ExecuteTime"] = deployment.executeTime
        fields["ErrorMessage"] = deployment.errorMessage
        return fields
    }

    // MARK: - Control

    func control(_ request: ServerRequest) async -> ServerResponse {
        switch (request.method, request.path) {
        case ("POST", "/-/simulator/faults"):
            guard let rawId = request.queryValue("deployment_id"), let deploymentId = Int64(rawId),
                let name = request.queryValue("fault"), let fault = SimulatedFault(name: name)
            else {
                return .text(
                    "need deployment_id=<int64>&fault=<throttling_user|throttling|forbidden_access|internal_error|"
                        + "malformed_body|delay_ms:N>[&count=N|always]\n",
                    status: 400
                )
            }
            let count: Int? = request.queryValue("count") == "always" ? nil : Int(request.queryValue("count") ?? "1")
            await state.inject(fault, deploymentId: deploymentId, count: count)
            return .text("ok\n")
        case ("DELETE", "/-/simulator/faults"):
            await state.clearFaults()
            return .text("ok\n")
        case ("POST", "/-/simulator/status"):
            guard let rawId = request.queryValue("deployment_id"), let deploymentId = Int64(rawId),
                let status = request.queryValue("status").flatMap(Int.init),
                var deployment = await state.deployments[deploymentId]
            else {
                return .text("need deployment_id=<known id>&status=<int>\n", status: 400)
            }
            deployment.status = status
            await state.upsert(deployment)
            return .text("ok\n")
        case ("GET", "/-/simulator/requests"):
            let counts = await state.requestCounts
            return json(counts.mapValues { $0 as Any })
        default:
            return .text("not found\n", status: 404)
        }
    }

    // MARK: - Bodies

    func requestId() -> String {
        UUID().uuidString
    }

    func error(_ status: Int, code: String, message: String) -> ServerResponse {
        json(
            [
                "RequestId": requestId(),
                "HostId": Self.hostId,
                "Code": code,
                "Message": message,
                "Recommend": "https://api.aliyun.com/troubleshoot?q=\(code)&product=dataworks-public",
            ],
            status: status
        )
    }

    func json(_ object: [String: Any], status: Int = 200) -> ServerResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ServerResponse(
            status: status,
            headers: [("Content-Type", "application/json;charset=utf-8")],
            body: Array(data)
        )
    }

    func xml(root: String, _ object: [String: Any]) -> ServerResponse {
        var text = "<?xml version='1.0' encoding='UTF-8'?>"
        XMLWriting.append(element: root, value: object, to: &text)
        return ServerResponse(status: 200, headers: [("Content-Type", "text/xml;charset=utf-8")], body: Array(text.utf8))
    }
}

/// Writes the JSON-shaped values of an answer as the XML DataWorks sends for `Format=xml`.
enum XMLWriting {
    static func append(element: String, value: Any, to text: inout String) {
        switch value {
        case let object as [String: Any]:
            text += "<\(element)>"
            for key in object.keys.sorted() {
                append(element: key, value: object[key] as Any, to: &text)
            }
            text += "</\(element)>"
        case let array as [Any]:
            for item in array {
                append(element: element, value: item, to: &text)
            }
        case let bool as Bool:
            text += "<\(element)>\(bool)</\(element)>"
        default:
            text += "<\(element)>\(escape(String(describing: value)))</\(element)>"
        }
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// Decodes an `application/x-www-form-urlencoded` body (`+` is a space; `%XX` are UTF-8 bytes).
enum FormDecoding {
    static func decode(_ body: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            result[name] = value
        }
        return result
    }

    static func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
