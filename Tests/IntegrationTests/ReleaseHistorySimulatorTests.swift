import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import Testing

/// `GetFileVersion` and the release history of the simulator, through `DataWorksClient` over loopback (libcurl and
/// libmicrohttpd), and the history generator.
@Suite struct ReleaseHistorySimulatorTests {
    static let regionId = SimulatedDeployment.demoRegionId
    static let projectId = SimulatedDeployment.demoProjectId
    static let identifier = SimulatedDeployment.demoProjectIdentifier
    static let minute: Int64 = 60_000
    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }

    static func file(_ id: Int64, _ version: Int, _ user: String, _ time: Int64) -> SimulatedFileVersion {
        SimulatedFileVersion(
            projectId: projectId,
            projectIdentifier: identifier,
            fileId: id,
            fileVersion: version,
            fileName: "file_\(id)",
            commitUser: user,
            commitTime: time,
            changeType: version == 1 ? .create : .update
        )
    }

    static func package(
        _ id: Int64,
        _ files: [(Int64, Int)],
        created: Int64,
        delay: Int64 = 60_000,
        to environment: Int = 2,
        _ outcome: SimulatedReleasePackage.Outcome = .success,
        check: SimulatedReleasePackage.Check = .none
    ) -> SimulatedReleasePackage {
        SimulatedReleasePackage(
            deploymentId: id,
            projectId: projectId,
            projectIdentifier: identifier,
            name: "package \(id)",
            creatorId: "u1",
            handlerId: "m1",
            createTime: created,
            executionDelay: delay,
            fromEnvironment: environment == 2 ? 1 : 0,
            toEnvironment: environment,
            files: files.map { .init(fileId: $0.0, fileVersion: $0.1) },
            outcome: outcome,
            check: check
        )
    }

    /// A small fixed history around `now`.
    static func history(now: Int64) -> SimulatedReleaseHistory {
        SimulatedReleaseHistory(
            files: [
                file(1_100_001, 1, "u1", now - 120 * minute),
                file(1_100_001, 2, "u2", now - 30 * minute),
                file(1_100_002, 1, "u3", now - 60 * minute),
                file(1_100_003, 1, "u1", now + 60 * minute),
            ],
            packages: [
                package(3_100_001, [(1_100_001, 1), (1_100_002, 1)], created: now - 90 * minute),
                package(3_100_002, [(1_100_001, 2)], created: now - 20 * minute, .failure(message: "boom")),
                package(3_100_003, [(1_100_001, 2)], created: now - 25 * minute, to: 1, check: .fails(after: 30_000)),
                package(3_100_004, [(1_100_002, 1)], created: now - 10 * minute, delay: 60 * minute, to: 1),
                package(3_100_005, [(1_100_003, 1)], created: now + 60 * minute),
                package(3_100_006, [(1_100_002, 1)], created: now - 40 * minute, delay: 30_000, .rejected),
                package(
                    3_100_007,
                    [(1_100_002, 1)],
                    created: now - 5 * minute,
                    delay: 1_000,
                    to: 1,
                    check: .staysChecking
                ),
            ]
        )
    }

    static func withHistory(
        scenario: [SimulatedDeployment] = [],
        _ body: (DataWorksSimulator, DataWorksClient, Int64) async throws -> Void
    ) async throws {
        let now = nowMilliseconds
        try await SimulatorTests.withSimulator(
            { try DataWorksSimulator(deployments: scenario, releaseHistory: history(now: now)) },
            { simulator, transport in
                try await body(simulator, PipelineRunSimulatorTests.client(simulator, transport), now)
            }
        )
    }

    static var deadline: ContinuousClock.Instant { .now.advanced(by: .seconds(10)) }

    // MARK: - GetFileVersion over loopback

    @Test(arguments: [SignatureVersion.v3, .v1])
    func getFileVersionAnswersTheCommit(signatureVersion: SignatureVersion) async throws {
        let now = Self.nowMilliseconds
        try await SimulatorTests.withSimulator(
            { try DataWorksSimulator(deployments: [], releaseHistory: Self.history(now: now)) },
            { simulator, transport in
                let client = PipelineRunSimulatorTests.client(simulator, transport, signatureVersion: signatureVersion)
                let first = try await client.getFileVersion(
                    regionId: Self.regionId,
                    request: GetFileVersionRequest(project: .id(Self.projectId), fileId: 1_100_001, fileVersion: 1),
                    deadline: Self.deadline
                )
                #expect(first.commitTime == now - 120 * Self.minute)
                #expect(first.commitUser == "u1" && first.fileVersion == 1 && first.changeType == .create)
                // Deployed to production by 3100001; its successor's production package failed.
                #expect(first.status == .deployed && first.isCurrentProd == true)
                let second = try await client.getFileVersion(
                    regionId: Self.regionId,
                    request: GetFileVersionRequest(
                        project: .identifier(Self.identifier),
                        fileId: 1_100_001,
                        fileVersion: 2
                    ),
                    deadline: Self.deadline
                )
                #expect(second.commitUser == "u2" && second.status == .committed && second.isCurrentProd == false)
                #expect(await simulator.requestCounts()["GetFileVersion"] == 2)
            }
        )
    }

    @Test func unknownOrFutureFileVersionsAreNotFound() async throws {
        try await Self.withHistory { _, client, _ in
            for (project, fileId, version) in [
                (ProjectReference.id(Self.projectId), Int64(1_100_003), 1),  // committed in an hour
                (.id(Self.projectId), 1_100_001, 9),
                (.id(Self.projectId + 1), 1_100_001, 1),
                (.identifier("dw_other"), 1_100_001, 1),
            ] {
                await #expect {
                    try await client.getFileVersion(
                        regionId: Self.regionId,
                        request: GetFileVersionRequest(project: project, fileId: fileId, fileVersion: version),
                        deadline: Self.deadline
                    )
                } throws: { error in
                    guard case APIError.service(let service) = error else { return false }
                    return service.code == "Invalid.FileVersion.NotFound" && service.httpStatus == 404
                }
            }
        }
    }

    @Test func fileVersionFaultsAreInjectedPerFile() async throws {
        try await Self.withHistory { simulator, client, _ in
            await simulator.injectFileVersionFault(.forbiddenAccess, fileId: 1_100_002, count: 1)
            let request = GetFileVersionRequest(project: .id(Self.projectId), fileId: 1_100_002, fileVersion: 1)
            await #expect {
                try await client.getFileVersion(regionId: Self.regionId, request: request, deadline: Self.deadline)
            } throws: { error in
                guard case APIError.service(let service) = error else { return false }
                return service.code == "Forbidden.Access"
            }
            let answer = try await client.getFileVersion(
                regionId: Self.regionId,
                request: request,
                deadline: Self.deadline
            )
            #expect(answer.commitUser == "u3" && answer.status == .deployed)
        }
    }

    // MARK: - The history's packages over loopback

    @Test func getDeploymentShowsItemsOutcomesAndChecks() async throws {
        try await Self.withHistory { _, client, now in
            func get(_ id: Int64) async throws -> GetDeploymentResponse {
                try await client.getDeploymentWithItems(
                    regionId: Self.regionId,
                    request: GetDeploymentRequest(deploymentId: id, projectId: Self.projectId),
                    deadline: Self.deadline
                )
            }
            let success = try await get(3_100_001)
            #expect(success.deployment.status == 1 && success.deployment.toEnvironment == 2)
            #expect(success.deployment.executeTime == now - 90 * Self.minute + 60_000)
            #expect(success.deployment.handlerId == "m1" && success.deployment.checkingStatus == nil)
            #expect(
                success.deployedItems == [
                    DeployedItem(fileId: 1_100_001, fileVersion: 1, status: .success),
                    DeployedItem(fileId: 1_100_002, fileVersion: 1, status: .success),
                ]
            )
            let failure = try await get(3_100_002)
            #expect(failure.deployment.status == 2 && failure.deployment.errorMessage == "boom")
            #expect(failure.deployedItems.map(\.status) == [.deployError])
            let checkFailed = try await get(3_100_003)
            #expect(checkFailed.deployment.status == 1 && checkFailed.deployment.checkingStatus == .checkFailed)
            #expect(checkFailed.deployment.toEnvironment == 1 && checkFailed.deployment.fromEnvironment == 0)
            let ready = try await get(3_100_004)
            #expect(ready.deployment.status == 0 && ready.deployment.handlerId == nil)
            #expect(ready.deployment.executeTime == nil && ready.deployedItems.map(\.status) == [.unpublished])
            let rejected = try await get(3_100_006)
            #expect(rejected.deployment.status == 6 && rejected.deployedItems.map(\.status) == [.reject])
            let checking = try await get(3_100_007)
            #expect(checking.deployment.checkingStatus == .checking)
            await #expect {
                try await get(3_100_005)  // created in an hour
            } throws: { error in
                guard case APIError.service(let service) = error else { return false }
                return service.code == "Invalid.Deployment.NotFound"
            }
        }
    }

    @Test func listDeploymentsShowsThePackagesCreatedSoFarBesideTheScenario() async throws {
        try await Self.withHistory(scenario: Fixtures.all) { _, client, _ in
            let page = try await client.listDeployments(
                regionId: Self.regionId,
                request: ListDeploymentsRequest(projectId: Self.projectId, pageSize: 100),
                deadline: Self.deadline
            )
            let ids = page.deployments.compactMap(\.id)
            let historyIds = ids.filter { $0 >= 3_100_000 }
            #expect(historyIds == [3_100_001, 3_100_002, 3_100_003, 3_100_004, 3_100_006, 3_100_007])
            let scenarioIds = Fixtures.all.filter { $0.projectId == Self.projectId }.map(\.deploymentId).sorted()
            #expect(ids.filter { $0 < 3_100_000 } == scenarioIds)
            #expect(page.totalCount == Int64(ids.count))
            let failed = try await client.listDeployments(
                regionId: Self.regionId,
                request: ListDeploymentsRequest(projectIdentifier: Self.identifier, status: 2),
                deadline: Self.deadline
            )
            #expect(failed.deployments.contains { $0.id == 3_100_002 && $0.errorMessage == "boom" })
        }
    }

    /// The history's pipeline runs are served beside the scenario's, those created so far only.
    @Test func historyPipelineRunsAreServed() async throws {
        let now = Self.nowMilliseconds
        let history = SimulatedReleaseHistory.demo(now: now)
        try await SimulatorTests.withSimulator(
            { try DataWorksSimulator(deployments: [], releaseHistory: history) },
            { simulator, transport in
                let client = PipelineRunSimulatorTests.client(simulator, transport)
                let page = try await client.listPipelineRuns(
                    regionId: Self.regionId,
                    request: ListPipelineRunsRequest(projectId: Self.projectId),
                    deadline: Self.deadline
                )
                let created = history.pipelineRuns.filter { $0.createTime <= Self.nowMilliseconds }
                #expect(page.totalCount == Int64(created.count))
                #expect(created.count >= 8)  // 30 to 90 minutes of past runs, one about every 150 s
                #expect(Set(page.items.compactMap(\.id)).isSubset(of: Set(created.map(\.id))))
            }
        )
    }

    // MARK: - The generator

    @Test func generatorIsDeterministicAndRealistic() {
        let now: Int64 = 1_780_000_000_000
        let history = SimulatedReleaseHistory.demo(now: now)
        #expect(history == SimulatedReleaseHistory.demo(now: now))
        #expect(history != SimulatedReleaseHistory.generate(.init(start: now - 7_200_000, end: now, seed: 15)))

        let packages = history.packages
        #expect(packages.count > 500)
        #expect(zip(packages, packages.dropFirst()).allSatisfy { $0.createTime <= $1.createTime })
        let first = packages.first?.deploymentId ?? 0
        #expect(packages.map(\.deploymentId) == Array(first..<first + Int64(packages.count)))
        #expect((3_100_001..<3_900_000).contains(first))
        // A restart within the same clock hour rebuilds the same history; another hour has other DeploymentIds.
        let hour: Int64 = 3_600_000
        #expect(SimulatedReleaseHistory.demo(now: now / hour * hour + 1) == history)
        #expect(SimulatedReleaseHistory.demo(now: now / hour * hour + hour - 1) == history)
        let nextHour = SimulatedReleaseHistory.demo(now: now / hour * hour + hour)
        #expect(nextHour != history)
        #expect(Set(nextHour.packages.map(\.deploymentId)).isDisjoint(with: packages.map(\.deploymentId)))
        // Every outcome and check, in both environments.
        let production = packages.filter { $0.toEnvironment == 2 }
        let development = packages.filter { $0.toEnvironment == 1 }
        #expect(production.contains { $0.outcome == .success })
        #expect(production.contains { if case .failure = $0.outcome { true } else { false } })
        #expect(production.contains { $0.outcome == .rejected })
        #expect(production.contains { $0.outcome == .abandoned })
        #expect(development.contains { if case .failure = $0.outcome { true } else { false } })
        #expect(development.contains { if case .fails = $0.check { true } else { false } })
        #expect(development.contains { $0.check == .staysChecking })
        #expect(Set(packages.map(\.creatorId)).count == 4)
        // Past and future.
        #expect(packages.filter { $0.createTime <= now }.count > 50)
        #expect(packages.filter { $0.createTime > now }.count > 500)
        #expect(history.deploymentIds(createdBy: now) == packages.filter { $0.createTime <= now }.map(\.deploymentId))

        // Each file version exists once, its versions count up with their commits, and a package names only
        // versions committed before it.
        var commits: [SimulatedReleasePackage.File: Int64] = [:]
        for file in history.files {
            let key = SimulatedReleasePackage.File(fileId: file.fileId, fileVersion: file.fileVersion)
            #expect(commits.updateValue(file.commitTime, forKey: key) == nil)
            if file.fileVersion > 1 {
                let previous = SimulatedReleasePackage.File(fileId: file.fileId, fileVersion: file.fileVersion - 1)
                #expect((commits[previous] ?? .max) < file.commitTime)
            }
        }
        for package in packages {
            #expect(!package.files.isEmpty)
            for file in package.files {
                #expect((commits[file] ?? .max) < package.createTime)
            }
        }
        // A production package follows a development package of the same files.
        for package in production {
            #expect(development.contains { $0.files == package.files && $0.createTime < package.createTime })
        }
    }

    /// What a demo started at `now` sees within five minutes: finished packages (both kinds of outcome) and
    /// finished pipeline runs.
    @Test func demoReleasesWithinFiveMinutes() {
        let now: Int64 = 1_780_000_000_000
        let history = SimulatedReleaseHistory.demo(now: now)
        let later = now + 5 * Self.minute
        let finished = history.packages.filter { package in
            package.executeTime.map { $0 > now && $0 <= later } ?? false
        }
        #expect(finished.count >= 3)
        let runs = history.pipelineRuns.filter { run in
            !(run.snapshot(at: now).status?.isTerminal ?? false)
                && (run.snapshot(at: later).status?.isTerminal ?? false)
        }
        #expect(!runs.isEmpty)
        let outcomes = Set(history.pipelineRuns.compactMap { $0.snapshot(at: now + 26 * 3_600_000).status?.label })
        #expect(outcomes == ["success", "fail", "cancel", "termination"])
        #expect(history.pipelineRuns.contains { $0.manualGateStep == 5 && $0.gateExecutedAt != nil })
    }
}
