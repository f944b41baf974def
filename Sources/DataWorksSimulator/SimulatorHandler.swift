import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer

/// Answers one HTTP request to the simulator: control endpoints under `/-/simulator/`, otherwise an OpenAPI call.
struct SimulatorHandler: Sendable {
    let state: SimulatorState

    static let apiVersion = "2020-05-18"
    static let hostId = "dataworks.simulator.local"

    func handle(_ incoming: ServerRequest) async -> ServerResponse {
        var request = incoming
        request.path = Self.originForm(request.path)
        if request.path.hasPrefix("/-/simulator/") {
            if let answer = await pipelineRunControl(request) { return answer }
            return await control(request)
        }
        guard request.path == "/" else {
            return error(404, code: "InvalidAction.NotFound", message: "Specified api is not found.")
        }
        guard request.method == "POST" || request.method == "GET" else {
            return error(405, code: "UnsupportedHTTPMethod", message: "Only POST and GET are supported.")
        }
        await state.recordCredentialMaterial(Self.credentialMaterial(of: request))
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
        guard APIVersion(rawValue: call.version) != nil else {
            return error(400, code: "InvalidVersion", message: "Specified parameter Version is not valid.")
        }
        await state.countRequest(action: call.action)
        if let fault = await state.takeBackgroundFault(), let answer = await answer(for: fault, nonce: call.nonce) {
            return answer
        }
        if let answer = await pipelineRunAnswer(call, method: request.method) {
            return answer
        }
        switch call.action {
        case "GetDeployment" where call.version == Self.apiVersion:
            return await getDeployment(call)
        case "ListDeployments" where call.version == Self.apiVersion:
            return await listDeployments(call)
        case "GetFileVersion" where call.version == Self.apiVersion:
            return await getFileVersion(call)
        default:
            return error(404, code: "InvalidAction.NotFound", message: "Specified api is not found.")
        }
    }

    /// The secrets a request carries: the `Authorization` value and its signature, the V1 `Signature`, the STS token
    /// (header or V1 `SecurityToken`).
    static func credentialMaterial(of request: ServerRequest) -> [String] {
        var values: [String] = []
        if let authorization = request.header("authorization") {
            values.append(authorization)
            if let range = authorization.range(of: "Signature=") {
                values.append(String(authorization[range.upperBound...]))
            }
        }
        if let signature = request.queryValue("Signature") {
            values.append(signature)
        }
        if let token = request.header("x-acs-security-token") {
            values.append(token)
        }
        if let token = request.queryValue("SecurityToken") {
            values.append(token)
        }
        return values.filter { !$0.isEmpty }
    }

    /// The path of an absolute-form request target (`http://host:port/path`, as clients send through an HTTP proxy),
    /// so the simulator can also stand in for a proxy; other targets unchanged.
    static func originForm(_ target: String) -> String {
        guard let schemeEnd = target.range(of: "://"), target[..<schemeEnd.lowerBound].allSatisfy(\.isLetter) else {
            return target
        }
        let afterAuthority = target[schemeEnd.upperBound...].drop { $0 != "/" }
        return afterAuthority.isEmpty ? "/" : String(afterAuthority)
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
        guard let bodyParameters = PercentEncoding.parseParameters(String(decoding: request.body, as: UTF8.self)) else {
            return .failure(
                AuthenticationFailure(status: 400, code: "InvalidParameter", message: "The form body is malformed.")
            )
        }
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
        if let fault = await state.takeFault(deploymentId: deploymentId),
            let answer = await answer(for: fault, nonce: call.nonce)
        {
            return answer
        }
        let deployments = await state.deployments
        let release =
            deployments[deploymentId] == nil ? await releasePackage(deploymentId, at: Self.nowMilliseconds()) : nil
        guard let deployment = deployments[deploymentId] ?? release?.deployment,
            matchesProject(deployment, call.parameters)
        else {
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
            "Data": [
                "Deployment": release.map(Self.fields(of:)) ?? Self.fields(of: deployment),
                "DeployedItems": release.map { Self.fields(of: $0.items) } ?? [[String: Any]](),
            ],
        ]
        return call.wantsXML ? xml(root: "GetDeploymentResponse", body) : json(body)
    }

    /// The answer `fault` replaces the normal one with, or `nil` when the normal answer follows (after a delay).
    /// A reset also forgets the request's `nonce` (see ``SimulatorState/forgetNonce(_:)``).
    func answer(for fault: SimulatedFault, nonce: String) async -> ServerResponse? {
        switch fault {
        case .throttlingUser:
            return error(429, code: "Throttling.User", message: "Your request is too frequent. Try again later.")
        case .throttling:
            return error(400, code: "Throttling", message: "Request was denied due to flow control.")
        case .throttlingResource:
            return error(429, code: "Throttling.Resource", message: "The quota of your edition is used up.")
        case .throttlingApiRisk:
            return error(429, code: "Throttling.Api.Risk", message: "The daily call limit has been reached.")
        case .forbiddenAccess:
            return error(403, code: "Forbidden.Access", message: "You are not authorized to access this resource.")
        case .internalError:
            return error(500, code: "InternalError.System", message: "An internal error occurred.")
        case .deploymentNotExists:
            return error(400, code: "Invalid.Deployment.NotExists", message: "The deployment does not exist.")
        case .malformedBody:
            return ServerResponse(
                status: 200,
                headers: [HTTPHeader(name: "Content-Type", value: "application/json;charset=utf-8")],
                body: Array("{\"RequestId\":\"\(requestId())\",\"Data\":{\"Deployment\":{\"Status\":".utf8)
            )
        case .nullStatus:
            let deployment: [String: Any] = [
                "Name": "null_status_package", "Status": NSNull(), "CreatorId": "200300000009",
                "CreateTime": 1_593_877_765_000, "FromEnvironment": 1, "ToEnvironment": 2,
            ]
            return json(["RequestId": requestId(), "Success": true, "Data": ["Deployment": deployment]])
        case .reset:
            await state.forgetNonce(nonce)
            return ServerResponse.closeWithoutAnswer
        case .delay(let duration):
            try? await Task.sleep(for: duration)
            return nil
        }
    }

    func listDeployments(_ call: APICall) async -> ServerResponse {
        if let fault = await state.takeListFault(), let answer = await answer(for: fault, nonce: call.nonce) {
            return answer
        }
        let scenario = await state.deployments
        let history = await state.withReleaseHistory { $0.snapshots(at: Self.nowMilliseconds()) }
        // The workspace's deployments are picked before sorting: a page of a 100,000-deployment fleet sorts one
        // workspace, not the fleet (scripts/bench-scale).
        let inProject =
            (scenario.values.filter { matchesProject($0, call.parameters) }
            + history.values.map(\.deployment).filter {
                scenario[$0.deploymentId] == nil && matchesProject($0, call.parameters)
            })
            .sorted { $0.deploymentId < $1.deploymentId }
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
                        + "malformed_body|null_status|reset|delay_ms:N>[&count=N|always]\n",
                    status: 400
                )
            }
            let count: Int? = request.queryValue("count") == "always" ? nil : Int(request.queryValue("count") ?? "1")
            await state.inject(fault, deploymentId: deploymentId, count: count)
            return .text("ok\n")
        case ("POST", "/-/simulator/background"):
            func fraction(_ name: String) -> Double? {
                guard let raw = request.queryValue(name) else { return 0 }
                guard let value = Double(raw), (0...1).contains(value) else { return nil }
                return value
            }
            let rawDelay = request.queryValue("delay_ms")
            let delayMilliseconds = rawDelay.flatMap { Int($0) }
            guard let throttling = fraction("throttling"), let reset = fraction("reset"),
                let malformed = fraction("malformed"), let delayed = fraction("delayed"),
                rawDelay == nil || (delayMilliseconds ?? -1) >= 0
            else {
                return .text(
                    "need [delay_ms=N][&delayed=0..1][&throttling=0..1][&reset=0..1][&malformed=0..1]\n",
                    status: 400
                )
            }
            await state.setBackground(
                BackgroundFaults(
                    delay: delayMilliseconds.map { .milliseconds($0) },
                    throttlingFraction: throttling,
                    resetFraction: reset,
                    malformedFraction: malformed,
                    delayFraction: request.queryValue("delayed") == nil ? 1 : delayed
                )
            )
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
            headers: [HTTPHeader(name: "Content-Type", value: "application/json;charset=utf-8")],
            body: Array(data)
        )
    }

    func xml(root: String, _ object: [String: Any]) -> ServerResponse {
        var text = "<?xml version='1.0' encoding='UTF-8'?>"
        XMLWriting.append(element: root, value: object, to: &text)
        return ServerResponse(
            status: 200,
            headers: [HTTPHeader(name: "Content-Type", value: "text/xml;charset=utf-8")],
            body: Array(text.utf8)
        )
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

/// Checks a request's signature against the simulator's one AccessKey, and its date against the clock.
enum SignatureCheck {
    static func secret(for accessKeyId: String) -> Secret? {
        accessKeyId == DataWorksSimulator.accessKeyId ? Secret(DataWorksSimulator.accessKeySecret) : nil
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    static func query(_ request: ServerRequest) -> [String: String] {
        Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static func failure(_ reason: SignatureVerificationFailure) -> SimulatorHandler.AuthenticationFailure {
        .init(status: reason.httpStatus, code: reason.code, message: reason.message)
    }

    /// V3: `Authorization: ACS3-HMAC-SHA256 …`; action and version from `x-acs-action` and `x-acs-version`.
    static func v3(
        request: ServerRequest,
        bodyParameters: [String: String]
    ) -> Result<SimulatorHandler.APICall, SimulatorHandler.AuthenticationFailure> {
        let verification = SignatureVerifier.verifyV3(
            method: request.method,
            path: request.path,
            query: query(request),
            headers: request.headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            body: request.body,
            secretForAccessKeyId: secret(for:)
        )
        if case .failed(let reason) = verification {
            return .failure(failure(reason))
        }
        if let reason = SignatureVerifier.checkTimestamp(request.header("x-acs-date") ?? "", nowEpochSeconds: now()) {
            return .failure(failure(reason))
        }
        return .success(
            .init(
                action: request.header("x-acs-action") ?? "",
                version: request.header("x-acs-version") ?? "",
                nonce: request.header("x-acs-signature-nonce") ?? "",
                parameters: bodyParameters.merging(query(request)) { body, _ in body },
                wantsXML: false
            )
        )
    }

    /// V1: `Signature` and the common parameters in the query, API parameters in the body.
    static func v1(
        request: ServerRequest,
        bodyParameters: [String: String]
    ) -> Result<SimulatorHandler.APICall, SimulatorHandler.AuthenticationFailure> {
        let query = query(request)
        let verification = SignatureVerifier.verifyV1(
            method: request.method,
            query: query,
            bodyParameters: bodyParameters,
            secretForAccessKeyId: secret(for:)
        )
        if case .failed(let reason) = verification {
            return .failure(failure(reason))
        }
        if let reason = SignatureVerifier.checkTimestamp(query["Timestamp"] ?? "", nowEpochSeconds: now()) {
            return .failure(failure(reason))
        }
        return .success(
            .init(
                action: query["Action"] ?? "",
                version: query["Version"] ?? "",
                nonce: query["SignatureNonce"] ?? "",
                parameters: bodyParameters.merging(query) { body, _ in body },
                wantsXML: query["Format"]?.lowercased() == "xml"
            )
        )
    }
}
