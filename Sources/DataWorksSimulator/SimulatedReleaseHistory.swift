import DataWorksAPI

/// A release history for the simulator (issue 14): files committed by a few committers, deployment packages created
/// over time that deploy those file versions (first to development, then, when that passed its check, to production),
/// some succeeding, some failing with an `ErrorMessage`, some rejected, some held by a check (`CheckingStatus`), and
/// pipeline runs (2024-05-18) created over time with their outcomes.
///
/// Opt-in: the simulator serves it only when given one (its initializer's `releaseHistory`, e.g.
/// `DataWorksSimulator(deployments: …, releaseHistory: .demo(now: now))`), so the default scenarios stay as they are. Everything is fixed in advance with times relative to the plan: what
/// lies in the future appears as the clock passes it, so a demo keeps releasing while it runs. The same plan always
/// gives the same history (a seeded generator).
public struct SimulatedReleaseHistory: Sendable, Hashable {
    /// The file versions `GetFileVersion` serves.
    public var files: [SimulatedFileVersion]
    /// The packages `GetDeployment` and `ListDeployments` serve, in creation order.
    public var packages: [SimulatedReleasePackage]
    /// The pipeline runs the 2024-05-18 reads serve.
    public var pipelineRuns: [SimulatedPipelineRun]

    /// Creates a history.
    public init(
        files: [SimulatedFileVersion] = [],
        packages: [SimulatedReleasePackage] = [],
        pipelineRuns: [SimulatedPipelineRun] = []
    ) {
        self.files = files
        self.packages = packages
        self.pipelineRuns = pipelineRuns
    }

    /// The `DeploymentId` of every package, in creation order.
    public var deploymentIds: [Int64] { packages.map(\.deploymentId) }

    /// The `DeploymentId` of the packages created at or before `now` (those the API shows at `now`).
    public func deploymentIds(createdBy now: Int64) -> [Int64] {
        packages.filter { $0.createTime <= now }.map(\.deploymentId)
    }

    /// What to generate.
    public struct Plan: Sendable, Hashable {
        /// The workspace's ProjectId (the 2024-05-18 runs use the same one).
        public var projectId: Int64
        /// The workspace's ProjectIdentifier.
        public var projectIdentifier: String
        /// The UIDs who commit files and create packages.
        public var committers: [String]
        /// The UIDs who execute production packages.
        public var releaseManagers: [String]
        /// The files changed, by name; `FileId`s are assigned from ``firstFileId`` in this order.
        public var fileNames: [String]
        /// The first change, epoch milliseconds.
        public var start: Int64
        /// No change after this, epoch milliseconds.
        public var end: Int64
        /// The mean time between two changes (each released to development, then maybe production), milliseconds.
        public var changeInterval: Int64
        /// The mean time between two pipeline runs, milliseconds; `nil` for none.
        public var pipelineRunInterval: Int64?
        /// The first `DeploymentId`; later packages count up.
        public var firstDeploymentId: Int64
        /// The first `FileId`.
        public var firstFileId: Int64
        /// The generator's seed.
        public var seed: UInt64

        /// Creates a plan; the defaults are the demo workspace's (``SimulatedDeployment/demoProjectId``).
        public init(
            projectId: Int64 = SimulatedDeployment.demoProjectId,
            projectIdentifier: String = SimulatedDeployment.demoProjectIdentifier,
            committers: [String] = ["200300000001", "200300000002", "200300000003", "200300000004"],
            releaseManagers: [String] = ["200300000009", "200300000001"],
            fileNames: [String] = SimulatedReleaseHistory.demoFileNames,
            start: Int64,
            end: Int64,
            changeInterval: Int64 = 90_000,
            pipelineRunInterval: Int64? = 150_000,
            firstDeploymentId: Int64 = 3_100_001,
            firstFileId: Int64 = 1_100_001,
            seed: UInt64 = 14
        ) {
            self.projectId = projectId
            self.projectIdentifier = projectIdentifier
            self.committers = committers.isEmpty ? ["200300000001"] : committers
            self.releaseManagers = releaseManagers.isEmpty ? self.committers : releaseManagers
            self.fileNames = fileNames.isEmpty ? ["ods_user_info_d"] : fileNames
            self.start = start
            self.end = max(start, end)
            self.changeInterval = max(1_000, changeInterval)
            self.pipelineRunInterval = pipelineRunInterval.map { max(1_000, $0) }
            self.firstDeploymentId = firstDeploymentId
            self.firstFileId = firstFileId
            self.seed = seed
        }
    }

    /// The files of the demo history.
    public static let demoFileNames = [
        "ods_user_info_d", "ods_orders_di", "dwd_orders_di", "dwd_user_profile_df", "dws_user_orders_1d",
        "ads_gmv_summary_d", "ads_daily_report_d", "dim_region_d", "dim_product_df", "udf_parse_ua",
    ]

    /// Failure texts of packages and pipeline runs (invented, in the style of DataWorks' messages).
    static let failureMessages = [
        "The connection does not exist.",
        "Node dependency check failed: the upstream node is not deployed to production.",
        "The resource udf_parse_ua.jar of the required version is not committed.",
        "The scheduling parameter ${bizdate} is not defined.",
        "The table does not exist in the production project.",
    ]

    /// The demo's history around `now`: 30 to 90 minutes of past releases and 24 hours of releases to come, a change about
    /// every 90 s and a pipeline run about every 150 s, so every release figure has data after a few minutes.
    ///
    /// - Parameter now: The current time in epoch milliseconds.
    ///
    /// The history starts half an hour before `now`'s clock hour (30 to 90 minutes of past releases), with a seed and
    /// DeploymentIds of that hour's own: a demo restarted within the same hour rebuilds the same history (the same
    /// packages at the same times, with the same outcomes), so its Prometheus sees the same releases again and the
    /// restarted exporter does not count again those that finished before it started; a demo started in another hour
    /// has another history, under other DeploymentIds.
    public static func demo(now: Int64) -> SimulatedReleaseHistory {
        let hour: Int64 = 3_600_000
        let slot = now / hour
        let start = slot * hour - hour / 2
        return generate(
            Plan(
                start: start,
                end: start + 26 * hour,
                firstDeploymentId: 3_100_001 + slot % 40 * 20_000,
                seed: 14 &+ UInt64(truncatingIfNeeded: slot)
            )
        )
    }

    /// Generates the history of `plan`.
    ///
    /// Each change commits one to three files (a new version each, `CREATE` for a first version, else `UPDATE`),
    /// a few minutes to an hour and a half before a package to development (from local) deploys them. That package
    /// fails about one time in twelve; after a success, its check fails about one time in ten and stays pending one
    /// time in twenty-five. When it passed, a package to production follows minutes later, executed by a release
    /// manager: about 10 % fail, 8 % are rejected, 3 % are never executed.
    ///
    /// Pipeline runs go through the five standard stages: about 76 % succeed, 10 % fail at `PROD_CHECK` and 4 % at
    /// `DEV_CHECK` with a message, 5 % are cancelled, 5 % terminated; one in five waits at the manual `PROD` stage
    /// for one to five minutes before it is executed.
    public static func generate(_ plan: Plan) -> SimulatedReleaseHistory {
        var random = SeededRandom(seed: plan.seed)
        var history = SimulatedReleaseHistory()
        var nextVersion = [Int](repeating: 1, count: plan.fileNames.count)
        var lastCommit = [Int64](repeating: .min, count: plan.fileNames.count)
        var nextDeploymentId = plan.firstDeploymentId
        var packages: [SimulatedReleasePackage] = []
        let minute: Int64 = 60_000

        var time = plan.start
        while time <= plan.end {
            let committer = random.element(plan.committers)
            let chosen = random.sample(
                Array(plan.fileNames.indices),
                count: random.int(1...min(3, plan.fileNames.count))
            )
            var files: [SimulatedReleasePackage.File] = []
            for index in chosen {
                let version = nextVersion[index]
                nextVersion[index] += 1
                let commitTime = max(lastCommit[index] + 1_000, time - random.int64(2 * minute...90 * minute))
                lastCommit[index] = commitTime
                let fileId = plan.firstFileId + Int64(index)
                history.files.append(
                    SimulatedFileVersion(
                        projectId: plan.projectId,
                        projectIdentifier: plan.projectIdentifier,
                        fileId: fileId,
                        fileVersion: version,
                        fileName: plan.fileNames[index],
                        commitUser: committer,
                        commitTime: commitTime,
                        changeType: version == 1 ? .create : .update,
                        comment: "change \(version) of \(plan.fileNames[index])",
                        nodeId: 700_000_000 + fileId,
                        fileContent: "-- \(plan.fileNames[index]) v\(version)\nSELECT 1;"
                    )
                )
                files.append(.init(fileId: fileId, fileVersion: version))
            }
            let label = plan.fileNames[chosen[0]] + (chosen.count > 1 ? " +\(chosen.count - 1)" : "")

            let development = SimulatedReleasePackage(
                deploymentId: nextDeploymentId,
                projectId: plan.projectId,
                projectIdentifier: plan.projectIdentifier,
                name: "\(label) to development",
                creatorId: committer,
                handlerId: committer,
                createTime: time,
                executionDelay: random.int64(10_000...60_000),
                fromEnvironment: 0,
                toEnvironment: 1,
                files: files,
                outcome: random.chance(1, in: 12) ? .failure(message: random.element(failureMessages)) : .success,
                check: .none
            )
            nextDeploymentId += 1
            var developmentPackage = development
            var checkEnd: Int64?
            if development.outcome == .success {
                let after = random.int64(20_000...90_000)
                switch random.int(1...50) {
                case 1...5: developmentPackage.check = .fails(after: after)
                case 6...7: developmentPackage.check = .staysChecking
                default:
                    developmentPackage.check = .passes(after: after)
                    checkEnd = time + development.executionDelay + after
                }
            }
            packages.append(developmentPackage)

            if let checkEnd {
                let outcome: SimulatedReleasePackage.Outcome
                switch random.int(1...100) {
                case 1...10: outcome = .failure(message: random.element(failureMessages))
                case 11...18: outcome = .rejected
                case 19...21: outcome = .abandoned
                default: outcome = .success
                }
                packages.append(
                    SimulatedReleasePackage(
                        deploymentId: nextDeploymentId,
                        projectId: plan.projectId,
                        projectIdentifier: plan.projectIdentifier,
                        name: "\(label) to production",
                        creatorId: committer,
                        handlerId: random.element(plan.releaseManagers),
                        createTime: checkEnd + random.int64(minute...8 * minute),
                        executionDelay: random.int64(20_000...180_000),
                        fromEnvironment: 1,
                        toEnvironment: 2,
                        files: files,
                        outcome: outcome
                    )
                )
                nextDeploymentId += 1
            }
            time += random.int64(plan.changeInterval / 2...plan.changeInterval * 3 / 2)
        }
        // Ids count up in creation order, as a workspace's packages do.
        packages.sort { ($0.createTime, $0.deploymentId) < ($1.createTime, $1.deploymentId) }
        history.packages = packages.enumerated().map { index, package in
            var renumbered = package
            renumbered.deploymentId = plan.firstDeploymentId + Int64(index)
            return renumbered
        }
        if let interval = plan.pipelineRunInterval {
            history.pipelineRuns = pipelineRuns(plan, interval: interval, random: &random)
        }
        return history
    }

    private static func pipelineRuns(
        _ plan: Plan,
        interval: Int64,
        random: inout SeededRandom
    ) -> [SimulatedPipelineRun] {
        var runs: [SimulatedPipelineRun] = []
        var versions = [Int](repeating: 1, count: plan.fileNames.count)
        var time = plan.start + interval / 3
        while time <= plan.end {
            let chosen = random.sample(
                Array(plan.fileNames.indices),
                count: random.int(1...min(2, plan.fileNames.count))
            )
            let items = chosen.map { index -> PipelineRunItem in
                defer { versions[index] += 1 }
                return PipelineRunItem(
                    id: String(7_015_393_021_849_800_000 + Int64(index)),
                    name: plan.fileNames[index],
                    type: "Node",
                    version: versions[index]
                )
            }
            let stageDuration = random.int64(15_000...60_000)
            let startDelay = random.int64(2_000...15_000)
            let outcome: SimulatedPipelineRun.Outcome
            switch random.int(1...100) {
            case 1...10: outcome = .fail(step: 4, message: random.element(failureMessages))
            case 11...14: outcome = .fail(step: 2, message: random.element(failureMessages))
            case 15...19: outcome = .cancel(step: random.int(1...3))
            case 20...24: outcome = .termination(step: 5)
            default: outcome = .success
            }
            var gateStep: Int?
            var gateExecutedAt: Int64?
            if outcome == .success, random.chance(1, in: 5) {
                gateStep = 5
                gateExecutedAt = time + startDelay + 4 * stageDuration + random.int64(60_000...300_000)
            }
            runs.append(
                SimulatedPipelineRun(
                    id: random.uuid(),
                    projectId: plan.projectId,
                    creator: random.element(plan.committers),
                    description: "Release " + items.map { $0.name ?? "" }.joined(separator: ", "),
                    items: items,
                    createTime: time,
                    startDelay: startDelay,
                    stageDuration: stageDuration,
                    outcome: outcome,
                    manualGateStep: gateStep,
                    gateExecutedAt: gateExecutedAt
                )
            )
            time += random.int64(interval / 2...interval * 3 / 2)
        }
        return runs
    }
}

/// SplitMix64: a small, fast generator whose sequence depends on the seed only, so a plan always gives the same
/// history.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    mutating func int64(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }

    /// True `count` times in `total`, on average.
    mutating func chance(_ count: Int, in total: Int) -> Bool { int(1...total) <= count }

    mutating func element<Element>(_ elements: [Element]) -> Element {
        elements[int(0...elements.count - 1)]
    }

    /// `count` distinct elements, in a random order.
    mutating func sample<Element>(_ elements: [Element], count: Int) -> [Element] {
        Array(elements.shuffled(using: &self).prefix(count))
    }

    /// A UUID-like lowercase id, `8-4-4-4-12` hex digits.
    mutating func uuid() -> String {
        let hex = (0..<2).map { _ in
            let text = String(next(), radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
