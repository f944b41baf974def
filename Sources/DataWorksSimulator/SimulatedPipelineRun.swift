public import DataWorksAPI

/// A pipeline run (DataWorks 2024-05-18, new Data Studio) that the simulator holds, with a timeline: its stages run
/// one after the other, each for ``stageDuration`` milliseconds, from ``createTime`` + ``startDelay``, until the
/// ``outcome`` stops it, or a manual gate (``manualGateStep``) holds it with that stage `Init` until
/// ``gateExecutedAt``.
///
/// ``snapshot(at:)`` gives what GetPipelineRun and ListPipelineRuns answer at a given time, so the same run moves
/// through its stages as time passes. Source of the shapes: api-notes §6.2.2–§6.2.4.
public struct SimulatedPipelineRun: Sendable, Hashable {
    /// One stage of the run, without its status (which the timeline gives).
    public struct Stage: Sendable, Hashable {
        /// `Step`, from 1.
        public var step: Int
        /// `Code`, e.g. `PROD_CHECK`.
        public var code: String
        /// `Type`.
        public var type: PipelineRunStageType
        /// `Name`.
        public var name: String
        /// `Description`.
        public var description: String

        /// Creates a stage.
        public init(step: Int, code: String, type: PipelineRunStageType, name: String, description: String) {
            self.step = step
            self.code = code
            self.type = type
            self.name = name
            self.description = description
        }
    }

    /// How the run ends.
    public enum Outcome: Sendable, Hashable {
        /// Every stage succeeds.
        case success
        /// The stage `step` fails with `message`; the later stages stay `Init`.
        case fail(step: Int, message: String)
        /// The run is cancelled while stage `step` runs.
        case cancel(step: Int)
        /// The run is terminated (AbolishPipelineRun) at stage `step`.
        case termination(step: Int)
    }

    /// `Id`.
    public var id: String
    /// `ProjectId`.
    public var projectId: Int64
    /// `Creator`, a UID.
    public var creator: String
    /// `Description`.
    public var description: String
    /// The objects the run deploys (the `ObjectId` filter of ListPipelineRuns, and its items).
    public var items: [PipelineRunItem]
    /// `CreateTime`, epoch milliseconds.
    public var createTime: Int64
    /// How long the run stays `Init` before its first stage starts, milliseconds.
    public var startDelay: Int64
    /// How long each stage runs, milliseconds.
    public var stageDuration: Int64
    /// The stages in order.
    public var stages: [Stage]
    /// How the run ends.
    public var outcome: Outcome
    /// A manual stage: when the run gets there, the stage stays `Init` (and nothing runs) until executed.
    public var manualGateStep: Int?
    /// When the manual stage was executed (ExecPipelineRunStage), epoch milliseconds; `nil` while it waits.
    public var gateExecutedAt: Int64?

    /// Creates a run.
    public init(
        id: String,
        projectId: Int64,
        creator: String,
        description: String,
        items: [PipelineRunItem] = [],
        createTime: Int64,
        startDelay: Int64 = 0,
        stageDuration: Int64,
        stages: [Stage] = SimulatedPipelineRun.standardStages,
        outcome: Outcome = .success,
        manualGateStep: Int? = nil,
        gateExecutedAt: Int64? = nil
    ) {
        self.id = id
        self.projectId = projectId
        self.creator = creator
        self.description = description
        self.items = items
        self.createTime = createTime
        self.startDelay = max(0, startDelay)
        self.stageDuration = max(1, stageDuration)
        self.stages = stages
        self.outcome = outcome
        self.manualGateStep = manualGateStep
        self.gateExecutedAt = gateExecutedAt
    }

    /// The five stages of a release to production, as in a real cn-hangzhou run (api-notes §6.2.3): `BUILD_PACKAGE`
    /// (Build), `DEV_CHECK` (Check), `DEV` (Deploy), `PROD_CHECK` (Check), `PROD` (Deploy).
    public static let standardStages: [Stage] = [
        Stage(step: 1, code: "BUILD_PACKAGE", type: .build, name: "发布包构建", description: "发布包构建"),
        Stage(step: 2, code: "DEV_CHECK", type: .check, name: "开发检查器", description: "开发环境发布前检查"),
        Stage(step: 3, code: "DEV", type: .deploy, name: "发布到开发环境", description: "发布到开发环境"),
        Stage(step: 4, code: "PROD_CHECK", type: .check, name: "生产检查器", description: "生产环境发布前检查"),
        Stage(step: 5, code: "PROD", type: .deploy, name: "发布到生产环境", description: "发布到生产环境"),
    ]

    /// The step where the outcome stops the run, and the status that stage ends in.
    private var stop: (step: Int, status: PipelineRunStatus, message: String?)? {
        switch outcome {
        case .success: nil
        case .fail(let step, let message): (step, .fail, message)
        case .cancel(let step): (step, .cancel, nil)
        case .termination(let step): (step, .termination, nil)
        }
    }

    /// When each stage starts, epoch milliseconds, or `nil` when it never starts (after the stop, or behind a gate
    /// not yet executed).
    private var stageStarts: [Int64?] {
        var starts: [Int64?] = []
        var next: Int64? = createTime + startDelay
        var stopped = false
        for stage in stages {
            if stage.step == manualGateStep, let start = next {
                next = gateExecutedAt.map { max($0, start) }
            }
            starts.append(stopped ? nil : next)
            if stage.step == stop?.step { stopped = true }
            next = next.map { $0 + stageDuration }
        }
        return starts
    }

    /// The run as GetPipelineRun answers it at `now`.
    ///
    /// - Parameter now: Epoch milliseconds.
    /// - Returns: Status, `Message`, `ModifyTime` (the last transition at or before `now`) and every stage's status
    ///   and `Message` (absent while `Init`, empty once done, the error text on the failed stage).
    public func snapshot(at now: Int64) -> PipelineRun {
        var runStatus: PipelineRunStatus = .initial
        var runMessage = ""
        var modifyTime = createTime
        var apiStages: [PipelineRunStage] = []
        var allDone = !stages.isEmpty
        for (stage, start) in zip(stages, stageStarts) {
            var status: PipelineRunStatus = .initial
            var message: String?
            if let start, now >= start {
                modifyTime = max(modifyTime, start)
                runStatus = .running
                let end = start + stageDuration
                if now < end {
                    status = .running
                    message = ""
                } else {
                    modifyTime = max(modifyTime, end)
                    if let stop, stop.step == stage.step {
                        status = stop.status
                        message = stop.message ?? ""
                        runStatus = stop.status
                        if let text = stop.message { runMessage = "Stage \(stage.code) failed: \(text)" }
                    } else {
                        status = .success
                        message = ""
                    }
                }
            }
            if status != .success { allDone = false }
            apiStages.append(
                PipelineRunStage(
                    step: stage.step,
                    code: stage.code,
                    type: stage.type,
                    status: status,
                    name: stage.name,
                    description: stage.description,
                    message: message
                )
            )
        }
        if allDone { runStatus = .success }
        return PipelineRun(
            id: id,
            projectId: projectId,
            creator: creator,
            description: description,
            status: runStatus,
            message: runMessage,
            createTime: createTime,
            modifyTime: modifyTime,
            stages: apiStages
        )
    }

    /// The run's items as ListPipelineRunItems answers them at `now`: `Init` before the run starts, `Running` while
    /// it runs, `Success` after a success; after a failure the first item is `Fail` with the failed stage's message
    /// and the others `Success`; after a cancel or termination every item is `Termination`.
    ///
    /// - Parameter now: Epoch milliseconds.
    public func items(at now: Int64) -> [PipelineRunItem] {
        let run = snapshot(at: now)
        return items.enumerated().map { index, template in
            var item = template
            item.createTime = item.createTime ?? createTime
            item.modifyTime = run.modifyTime
            item.message = ""
            switch run.status {
            case .success?: item.status = .success
            case .fail?:
                item.status = index == 0 ? .fail : .success
                if index == 0 { item.message = run.stages.first { $0.status == .fail }?.message ?? "" }
            case .cancel?, .termination?: item.status = .termination
            case .initial?: item.status = .initial
            default: item.status = .running
            }
            return item
        }
    }
}

/// A cross-project pipeline run (DataWorks 2024-05-18) that the simulator holds, with a timeline: `Building` for
/// ``buildDuration`` after ``createTime``, then `Ready` until ``executeTime`` (never, when `nil`), then `Running` for
/// ``runDuration``, then the outcome's status; or `Termination` from ``abolishTime`` on.
///
/// Source of the shapes: api-notes §6.2.2, §6.2.3.
public struct SimulatedCrossProjectPipelineRun: Sendable, Hashable {
    /// The run's fixed fields (`PipelineRunId`, object, change type, creator, …); its status and times are set by
    /// ``snapshot(at:)``.
    public var run: CrossProjectPipelineRun
    /// The ProjectId the run is listed under.
    public var projectId: Int64
    /// `CreateTime`, epoch milliseconds.
    public var createTime: Int64
    /// How long the run is `Building`, milliseconds.
    public var buildDuration: Int64
    /// When it is executed (`ExecuteTime`), epoch milliseconds; `nil` while it waits `Ready`.
    public var executeTime: Int64?
    /// How long it is `Running`, milliseconds.
    public var runDuration: Int64
    /// The `ErrorCode` and `ErrorMessage` a run fails with.
    public struct Failure: Sendable, Hashable {
        /// `ErrorCode`, e.g. `Invalid.Deploy.DependencyMissing`.
        public var code: String
        /// `ErrorMessage`.
        public var message: String

        /// Creates a failure.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// What the run fails with, or `nil` for a success.
    public var failure: Failure?
    /// When it is terminated (`AbolishTime`), epoch milliseconds, or `nil`.
    public var abolishTime: Int64?
    /// The run's items (their status follows the run's).
    public var items: [CrossProjectPipelineRunItem]

    /// Creates a run.
    public init(
        run: CrossProjectPipelineRun,
        projectId: Int64,
        createTime: Int64,
        buildDuration: Int64,
        executeTime: Int64? = nil,
        runDuration: Int64,
        failure: Failure? = nil,
        abolishTime: Int64? = nil,
        items: [CrossProjectPipelineRunItem] = []
    ) {
        self.run = run
        self.projectId = projectId
        self.createTime = createTime
        self.buildDuration = max(0, buildDuration)
        self.executeTime = executeTime
        self.runDuration = max(0, runDuration)
        self.failure = failure
        self.abolishTime = abolishTime
        self.items = items
    }

    /// The run as GetCrossProjectPipelineRun answers it at `now` (epoch milliseconds).
    public func snapshot(at now: Int64) -> CrossProjectPipelineRun {
        var answer = run
        answer.createTime = createTime
        answer.executeTime = nil
        answer.finishTime = nil
        answer.errorCode = nil
        answer.errorMessage = nil
        answer.abolishTime = nil
        if let abolishTime, now >= abolishTime {
            answer.status = .termination
            answer.abolishTime = abolishTime
            answer.abolisher = run.abolisher ?? run.creator
            answer.executor = nil
            return answer
        }
        answer.abolisher = nil
        if now < createTime + buildDuration {
            answer.status = .building
            answer.executor = nil
        } else if let executeTime, now >= executeTime {
            answer.executeTime = executeTime
            answer.executor = run.executor ?? run.creator
            if now < executeTime + runDuration {
                answer.status = .running
            } else {
                answer.finishTime = executeTime + runDuration
                if let failure {
                    answer.status = .fail
                    answer.errorCode = failure.code
                    answer.errorMessage = failure.message
                } else {
                    answer.status = .success
                }
            }
        } else {
            answer.status = .ready
            answer.executor = nil
        }
        return answer
    }

    /// The items as ListCrossProjectPipelineRunItems answers them at `now`: each takes the run's status; after a
    /// failure the root item carries the run's error.
    public func items(at now: Int64) -> [CrossProjectPipelineRunItem] {
        let current = snapshot(at: now)
        return items.map { template in
            var item = template
            item.status = current.status
            if current.status == .fail, item.isRoot == true {
                item.errorCode = current.errorCode
                item.errorMessage = current.errorMessage
            }
            return item
        }
    }
}
