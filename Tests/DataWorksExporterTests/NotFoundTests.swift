import DataWorksAPI
import DataWorksSimulator
import Testing

@testable import DataWorksExporter

/// Issue 15, item 8: a deleted deployment is final: its series go at once, the error is counted, and it is checked
/// again only every `terminal_refresh`.
@Suite struct NotFoundTests {
    /// Two deployments, ready: refreshed on every collection while they exist.
    static func readyFleet() -> [SimulatedDeployment] {
        CallSkipTests.fleet(2).map { deployment in
            var ready = deployment
            ready.status = 0
            return ready
        }
    }

    /// The two answers DataWorks gives for a deleted deployment.
    enum Deletion: CaseIterable, Sendable {
        /// HTTP 404 `Invalid.Deployment.NotFound` (the simulator's answer for a removed deployment).
        case notFound
        /// HTTP 400 `Invalid.Deployment.NotExists` (issue 15, item 8).
        case notExists

        var code: String {
            switch self {
            case .notFound: "Invalid.Deployment.NotFound"
            case .notExists: "Invalid.Deployment.NotExists"
            }
        }

        func apply(to simulator: DataWorksSimulator, deploymentId: Int64) async {
            switch self {
            case .notFound: await simulator.remove(deploymentId: deploymentId)
            case .notExists: await simulator.inject(.deploymentNotExists, deploymentId: deploymentId, count: nil)
            }
        }
    }

    @Test(arguments: Deletion.allCases)
    func aDeletedDeploymentDropsItsSeriesAtOnceAndIsRecheckedRarely(deletion: Deletion) async throws {
        let fleet = Self.readyFleet()
        let simulator = DataWorksSimulator(inMemory: fleet)
        let metrics = APIMetrics()
        let collector = CallSkipTests.collector(
            simulator,
            ids: fleet.map(\.deploymentId),
            metrics: metrics,
            limiter: nil,
            concurrency: 2
        )
        let first = await collector.collect(budget: .seconds(30))
        #expect(first.isUp)
        await deletion.apply(to: simulator, deploymentId: fleet[0].deploymentId)

        let second = await collector.collect(budget: .seconds(30))
        let gone = try #require(second.deployments.first { $0.key.deploymentId == fleet[0].deploymentId })
        #expect(gone.deployment == nil, "a deleted deployment kept its last values")
        #expect(!gone.fetchSucceeded)
        let kept = try #require(second.deployments.first { $0.key.deploymentId == fleet[1].deploymentId })
        #expect(kept.deployment != nil && kept.fetchSucceeded)
        #expect(metrics.current.errors["GetDeployment"]?[deletion.code] == 1)

        // Not asked again on the next collection (terminal_refresh, 1 h by default); the other one is.
        let calls = await simulator.requestCounts()["GetDeployment"] ?? 0
        _ = await collector.collect(budget: .seconds(30))
        #expect(await simulator.requestCounts()["GetDeployment"] == calls + 1)
        #expect(metrics.current.errors["GetDeployment"]?[deletion.code] == 1)
    }

    /// A deployment found by discovery that then answers not-found leaves the watch list at once, even while the
    /// discovery listing fails (the deployments found before are kept then): no series, no further call.
    @Test(arguments: Deletion.allCases)
    func aDiscoveredDeploymentThatIsDeletedLeavesTheWatchList(deletion: Deletion) async throws {
        let fleet = Self.readyFleet()
        let simulator = DataWorksSimulator(inMemory: fleet)
        let metrics = APIMetrics()
        let target = Target(
            regionId: "cn-zhangjiakou",
            project: .id(10000),
            deploymentIds: [],
            discovery: Discovery(maxAge: .seconds(100 * 365 * 86_400), statuses: [.ready])
        )
        let collector = Collector(
            client: CallSkipTests.client(simulator.transport, metrics: metrics, limiter: nil),
            targets: [target],
            settings: CollectorSettings(listDeployments: false),
            concurrency: 2,
            logger: CallSkipTests.logger,
            apiMetrics: metrics
        )
        let first = await collector.collect(budget: .seconds(30))
        #expect(first.isUp)
        #expect(Set(first.deployments.map(\.key.deploymentId)) == Set(fleet.map(\.deploymentId)))

        // Deleted while the discovery listing fails: the deployments found before are refreshed one by one.
        await deletion.apply(to: simulator, deploymentId: fleet[0].deploymentId)
        await simulator.injectListFault(.internalError, count: nil)
        let second = await collector.collect(budget: .seconds(30))
        #expect(metrics.current.errors["GetDeployment"]?[deletion.code] == 1)
        #expect(second.deployments.map(\.key.deploymentId) == [fleet[1].deploymentId])

        // Gone from the watch list: not asked again, no series, while the other one still is.
        let calls = await simulator.requestCounts()["GetDeployment"] ?? 0
        let third = await collector.collect(budget: .seconds(30))
        #expect(await simulator.requestCounts()["GetDeployment"] == calls + 1)
        #expect(third.deployments.map(\.key.deploymentId) == [fleet[1].deploymentId])
        #expect(metrics.current.errors["GetDeployment"]?[deletion.code] == 1)
    }
}
