import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer

/// The simulator's pipeline runs and the faults injected for them; held by ``SimulatorState``.
struct PipelineRunState: Sendable {
    var runs: [String: SimulatedPipelineRun]
    var crossProjectRuns: [String: SimulatedCrossProjectPipelineRun]
    private var faults: [String: InjectedFault] = [:]
    private var listFault: InjectedFault?

    init(runs: [SimulatedPipelineRun] = [], crossProjectRuns: [SimulatedCrossProjectPipelineRun] = []) {
        self.runs = Dictionary(runs.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.crossProjectRuns = Dictionary(
            crossProjectRuns.compactMap { run in run.run.pipelineRunId.map { ($0, run) } },
            uniquingKeysWith: { _, last in last }
        )
    }

    mutating func inject(_ fault: SimulatedFault, pipelineRunId: String, count: Int?) {
        faults[pipelineRunId] = InjectedFault(fault: fault, remaining: count)
    }

    mutating func injectListFault(_ fault: SimulatedFault, count: Int?) {
        listFault = InjectedFault(fault: fault, remaining: count)
    }

    mutating func clearFaults() {
        faults = [:]
        listFault = nil
    }

    /// Takes the fault for an answer about `pipelineRunId` (Get… and List…Items), if any.
    mutating func takeFault(pipelineRunId: String) -> SimulatedFault? {
        faults[pipelineRunId].take()
    }

    /// Marks the manual stage of `pipelineRunId` executed at `now`; false when there is no such run or no stage
    /// waiting.
    mutating func executeManualStage(pipelineRunId: String, now: Int64) -> Bool {
        guard var run = runs[pipelineRunId], run.manualGateStep != nil, run.gateExecutedAt == nil else { return false }
        run.gateExecutedAt = now
        runs[pipelineRunId] = run
        return true
    }

    /// Takes the fault for a ListPipelineRuns or ListCrossProjectPipelineRuns answer, if any.
    mutating func takeListFault() -> SimulatedFault? {
        listFault.take()
    }
}

extension SimulatorState {
    func withPipelineRuns<Result: Sendable>(_ body: (inout PipelineRunState) -> Result) -> Result {
        body(&pipelineRunState)
    }
}

extension DataWorksSimulator {
    /// Adds or replaces a pipeline run (GetPipelineRun, ListPipelineRuns, ListPipelineRunItems).
    public func upsert(_ run: SimulatedPipelineRun) async {
        await state.withPipelineRuns { $0.runs[run.id] = run }
    }

    /// Adds or replaces a cross-project pipeline run (the three cross-project reads); a run without a
    /// `PipelineRunId` is ignored.
    public func upsert(_ run: SimulatedCrossProjectPipelineRun) async {
        guard let id = run.run.pipelineRunId else { return }
        await state.withPipelineRuns { $0.crossProjectRuns[id] = run }
    }

    /// Executes the manual stage a pipeline run waits at (as ExecPipelineRunStage would), at `now`.
    ///
    /// - Parameters:
    ///   - pipelineRunId: The run's `Id`.
    ///   - now: Epoch milliseconds, or `nil` for the current time.
    /// - Returns: Whether the run exists and has a manual stage not executed yet.
    @discardableResult
    public func executeManualStage(pipelineRunId: String, now: Int64? = nil) async -> Bool {
        let time = now ?? SimulatorHandler.nowMilliseconds()
        return await state.withPipelineRuns { $0.executeManualStage(pipelineRunId: pipelineRunId, now: time) }
    }

    /// Makes the next `count` answers about `pipelineRunId` (GetPipelineRun, ListPipelineRunItems,
    /// GetCrossProjectPipelineRun, ListCrossProjectPipelineRunItems) be `fault`; `nil` means until cleared.
    public func injectPipelineRunFault(_ fault: SimulatedFault, pipelineRunId: String, count: Int? = 1) async {
        await state.withPipelineRuns { $0.inject(fault, pipelineRunId: pipelineRunId, count: count) }
    }

    /// Makes the next `count` ListPipelineRuns and ListCrossProjectPipelineRuns answers be `fault`; `nil` means until
    /// cleared.
    public func injectPipelineRunListFault(_ fault: SimulatedFault, count: Int? = 1) async {
        await state.withPipelineRuns { $0.injectListFault(fault, count: count) }
    }
}

/// The six 2024-05-18 pipeline-run reads (api-notes §6.2): the same-workspace ones answer only `GET` with query
/// parameters, the cross-project ones only `POST` with a form body, as the SDK sends them; with version 2020-05-18
/// every one of them is an unknown API (`InvalidAction.NotFound`).
extension SimulatorHandler {
    /// The current time, epoch milliseconds.
    static func nowMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000)
    }

    /// The answer to a pipeline-run read, or `nil` when `call` is not one.
    func pipelineRunAnswer(_ call: APICall, method: String) async -> ServerResponse? {
        guard let operation = APIOperation.pipelineRunReads.first(where: { $0.action == call.action }) else {
            return nil
        }
        guard call.version == operation.version.rawValue else {
            return error(404, code: "InvalidAction.NotFound", message: "Specified api is not found.")
        }
        guard method == operation.placement.httpMethod else {
            return error(
                405,
                code: "UnsupportedHTTPMethod",
                message: "\(call.action) is served by \(operation.placement.httpMethod) only."
            )
        }
        guard let rawProject = call.parameters["ProjectId"], let projectId = Int64(rawProject) else {
            return error(
                400,
                code: "Invalid.Param",
                message: "The request parameter is invalid. ProjectId is mandatory."
            )
        }
        let now = Self.nowMilliseconds()
        let body: [String: Any]
        switch operation {
        case .getPipelineRun:
            guard let id = call.parameters["Id"] else { return missingId("Id") }
            if let answer = await pipelineRunFault(id: id, call) { return answer }
            guard let run = await run(id, projectId) else { return unknownId("Id", id) }
            body = ["RequestId": requestId(), "Pipeline": Self.fields(of: run.snapshot(at: now))]
        case .listPipelineRuns:
            if let answer = await listFault(call) { return answer }
            let runs = await state.withPipelineRuns { Array($0.runs.values) }.filter { run in
                run.projectId == projectId && run.createTime <= now
                    && (call.parameters["Creator"].map { $0 == run.creator } ?? true)
                    && (call.parameters["ObjectId"].map { id in run.items.contains { $0.id == id } } ?? true)
            }.map { $0.snapshot(at: now) }.filter { run in
                call.parameters["Status"].map { $0.lowercased() == run.status?.apiValue.lowercased() } ?? true
            }.sorted { ($0.createTime ?? 0, $0.id ?? "") > ($1.createTime ?? 0, $1.id ?? "") }
            body = ["RequestId": requestId(), "PagingInfo": page(runs, call, key: "PipelineRuns", Self.fields(of:))]
        case .listPipelineRunItems:
            guard let id = call.parameters["PipelineRunId"] else { return missingId("PipelineRunId") }
            if let answer = await pipelineRunFault(id: id, call) { return answer }
            guard let run = await run(id, projectId) else { return unknownId("PipelineRunId", id) }
            body = [
                "RequestId": requestId(),
                "PagingInfo": page(run.items(at: now), call, key: "PipelineRunItems", Self.fields(of:)),
            ]
        case .getCrossProjectPipelineRun:
            guard let id = call.parameters["PipelineRunId"] else { return missingId("PipelineRunId") }
            if let answer = await pipelineRunFault(id: id, call) { return answer }
            guard let run = await crossProjectRun(id, projectId) else { return unknownId("PipelineRunId", id) }
            let requestId = requestId()
            var data = Self.fields(of: run.snapshot(at: now))
            data["RequestId"] = requestId
            body = ["RequestId": requestId, "Success": true, "Data": data]
        case .listCrossProjectPipelineRuns:
            if let answer = await listFault(call) { return answer }
            let runs = await state.withPipelineRuns { Array($0.crossProjectRuns.values) }.filter { run in
                run.projectId == projectId && run.createTime <= now
            }.map { $0.snapshot(at: now) }.filter { Self.matches($0, call.parameters) }
                .sorted { ($0.createTime ?? 0, $0.pipelineRunId ?? "") > ($1.createTime ?? 0, $1.pipelineRunId ?? "") }
            let requestId = requestId()
            var data = page(runs, call, key: "PipelineRuns") { run in
                var fields = Self.fields(of: run)
                fields["RequestId"] = requestId
                return fields
            }
            data["RequestId"] = requestId
            body = ["RequestId": requestId, "Success": true, "Data": data]
        case .listCrossProjectPipelineRunItems:
            guard let id = call.parameters["PipelineRunId"] else { return missingId("PipelineRunId") }
            if let answer = await pipelineRunFault(id: id, call) { return answer }
            guard let run = await crossProjectRun(id, projectId) else { return unknownId("PipelineRunId", id) }
            let requestId = requestId()
            var data = page(run.items(at: now), call, key: "PipelineRunItems", Self.fields(of:))
            data["RequestId"] = requestId
            body = ["RequestId": requestId, "Success": true, "Data": data]
        default:
            return nil
        }
        return call.wantsXML ? xml(root: call.action + "Response", body) : json(body)
    }

    /// Serves the pipeline-run control endpoints, or returns `nil` for any other control request:
    ///
    /// - `POST /-/simulator/faults?pipeline_run_id=…&fault=…[&count=N|always]`: a fault for one run's answers;
    /// - `POST /-/simulator/faults?pipeline_run_list=1&fault=…[&count=…]`: a fault for the pipeline-run lists;
    /// - `POST /-/simulator/pipeline-runs/execute?id=…`: executes the manual stage the run waits at.
    func pipelineRunControl(_ request: ServerRequest) async -> ServerResponse? {
        switch (request.method, request.path) {
        case ("POST", "/-/simulator/faults")
        where request.queryValue("pipeline_run_id") != nil || request.queryValue("pipeline_run_list") != nil:
            guard let name = request.queryValue("fault"), let fault = SimulatedFault(name: name) else {
                return .text("need fault=<name> with pipeline_run_id=<id> or pipeline_run_list=1\n", status: 400)
            }
            let count: Int? = request.queryValue("count") == "always" ? nil : Int(request.queryValue("count") ?? "1")
            let id = request.queryValue("pipeline_run_id")
            await state.withPipelineRuns { state in
                if let id {
                    state.inject(fault, pipelineRunId: id, count: count)
                } else {
                    state.injectListFault(fault, count: count)
                }
            }
            return .text("ok\n")
        case ("POST", "/-/simulator/pipeline-runs/execute"):
            guard let id = request.queryValue("id") else { return .text("need id=<pipeline run id>\n", status: 400) }
            let now = Self.nowMilliseconds()
            let executed = await state.withPipelineRuns { $0.executeManualStage(pipelineRunId: id, now: now) }
            return executed ? .text("ok\n") : .text("no run \(id) waiting at a manual stage\n", status: 404)
        default:
            return nil
        }
    }

    // MARK: - Internals

    private func run(_ id: String, _ projectId: Int64) async -> SimulatedPipelineRun? {
        await state.withPipelineRuns { $0.runs[id] }.flatMap { $0.projectId == projectId ? $0 : nil }
    }

    private func crossProjectRun(_ id: String, _ projectId: Int64) async -> SimulatedCrossProjectPipelineRun? {
        await state.withPipelineRuns { $0.crossProjectRuns[id] }.flatMap { $0.projectId == projectId ? $0 : nil }
    }

    private func pipelineRunFault(id: String, _ call: APICall) async -> ServerResponse? {
        guard let fault = await state.withPipelineRuns({ $0.takeFault(pipelineRunId: id) }) else { return nil }
        return await answer(for: fault, nonce: call.nonce)
    }

    private func listFault(_ call: APICall) async -> ServerResponse? {
        guard let fault = await state.withPipelineRuns({ $0.takeListFault() }) else { return nil }
        return await answer(for: fault, nonce: call.nonce)
    }

    private func missingId(_ name: String) -> ServerResponse {
        error(400, code: "Invalid.Param", message: "The request parameter is invalid. \(name) is mandatory.")
    }

    private func unknownId(_ name: String, _ value: String) -> ServerResponse {
        error(400, code: "Invalid.Param", message: "The request parameter is invalid. \(name): \(value)")
    }

    /// `{PageNumber, PageSize, TotalCount, <key>: [...]}` for the requested page (`PageSize` default 10, 1…100).
    private func page<Element>(
        _ elements: [Element],
        _ call: APICall,
        key: String,
        _ fields: (Element) -> [String: Any]
    ) -> [String: Any] {
        let pageNumber = max(1, Int(call.parameters["PageNumber"] ?? "") ?? 1)
        let pageSize = min(100, max(1, Int(call.parameters["PageSize"] ?? "") ?? 10))
        let selected = elements.dropFirst((pageNumber - 1) * pageSize).prefix(pageSize)
        return [
            "PageNumber": pageNumber, "PageSize": pageSize, "TotalCount": elements.count, key: selected.map(fields),
        ]
    }

    private static func matches(_ run: CrossProjectPipelineRun, _ parameters: [String: String]) -> Bool {
        func same(_ name: String, _ value: String?) -> Bool {
            parameters[name].map { $0.lowercased() == value?.lowercased() } ?? true
        }
        let from = parameters["CreateTimeFrom"].flatMap { Int64($0) }
        let to = parameters["CreateTimeTo"].flatMap { Int64($0) }
        let created = run.createTime ?? 0
        return same("Status", run.status?.apiValue) && same("Creator", run.creator)
            && same("Executor", run.executor) && same("ObjectId", run.objectId) && same("ObjectType", run.objectType)
            && same("DeploymentEnvironmentId", run.deploymentEnvironmentId.map { String($0) })
            && from.map { created >= $0 } ?? true && to.map { created <= $0 } ?? true
    }

    static func fields(of run: PipelineRun) -> [String: Any] {
        var fields: [String: Any] = [:]
        fields["Id"] = run.id
        fields["ProjectId"] = run.projectId
        fields["Creator"] = run.creator
        fields["Description"] = run.description
        fields["Status"] = run.status?.apiValue
        fields["Message"] = run.message
        fields["CreateTime"] = run.createTime
        fields["ModifyTime"] = run.modifyTime
        fields["Stages"] = run.stages.map { stage -> [String: Any] in
            var item: [String: Any] = ["Detail": [String: Any]()]
            item["Step"] = stage.step
            item["Code"] = stage.code
            item["Type"] = stage.type?.apiValue
            item["Status"] = stage.status?.apiValue
            item["Name"] = stage.name
            item["Description"] = stage.description
            item["Message"] = stage.message
            return item
        }
        return fields
    }

    static func fields(of item: PipelineRunItem) -> [String: Any] {
        var fields: [String: Any] = [:]
        fields["Id"] = item.id
        fields["Name"] = item.name
        fields["Type"] = item.type
        fields["Status"] = item.status?.apiValue
        fields["Version"] = item.version
        fields["Message"] = item.message
        fields["Spec"] = item.spec
        fields["CreateTime"] = item.createTime
        fields["ModifyTime"] = item.modifyTime
        return fields
    }

    static func fields(of run: CrossProjectPipelineRun) -> [String: Any] {
        var fields: [String: Any] = [:]
        fields["PipelineRunId"] = run.pipelineRunId
        fields["DeploymentEnvironmentId"] = run.deploymentEnvironmentId
        fields["ObjectId"] = run.objectId
        fields["ObjectName"] = run.objectName
        fields["ObjectType"] = run.objectType
        fields["ObjectVersion"] = run.objectVersion
        fields["ChangeType"] = run.changeType
        fields["Status"] = run.status?.apiValue
        fields["Description"] = run.description
        fields["Creator"] = run.creator
        fields["CreateTime"] = run.createTime
        fields["Executor"] = run.executor
        fields["ExecuteTime"] = run.executeTime
        fields["FinishTime"] = run.finishTime
        fields["ErrorCode"] = run.errorCode
        fields["ErrorMessage"] = run.errorMessage
        fields["Abolisher"] = run.abolisher
        fields["AbolishTime"] = run.abolishTime
        return fields
    }

    static func fields(of item: CrossProjectPipelineRunItem) -> [String: Any] {
        var fields: [String: Any] = [:]
        fields["ObjectId"] = item.objectId
        fields["ObjectName"] = item.objectName
        fields["ObjectType"] = item.objectType
        fields["ObjectVersion"] = item.objectVersion
        fields["ChangeType"] = item.changeType
        fields["Status"] = item.status?.apiValue
        fields["IsRoot"] = item.isRoot
        fields["ParentObjectId"] = item.parentObjectId
        fields["ErrorCode"] = item.errorCode
        fields["ErrorMessage"] = item.errorMessage
        return fields
    }
}
