import CurlClient
import DataWorksAPI
import DataWorksSimulator
import HTTPServer
import LockedValue
import Logging
import Testing

@testable import DataWorksExporter

/// Retry, credential and collection logic against the simulator's handler in memory: no socket, no libcurl.
@Suite struct InMemoryCollectionTests {
    static let deployment = SimulatedDeployment(
        deploymentId: 3_000_001,
        projectId: 10000,
        projectIdentifier: "dw_demo",
        name: "ods_user_info_d",
        status: 1,
        creatorId: "200300000001",
        createTime: 1_593_877_765_000
    )
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func client(
        _ simulator: DataWorksSimulator,
        metrics: APIMetrics,
        secret: String = DataWorksSimulator.accessKeySecret,
        retries: Int = 2
    ) -> DataWorksClient {
        DataWorksClient(
            configuration: .init(endpointOverride: DataWorksSimulator.inMemoryEndpoint, retries: retries),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(secret)
            ),
            transport: simulator.transport,
            observer: metrics,
            logger: logger
        )
    }

    static func get(_ client: DataWorksClient) async throws -> Deployment {
        try await client.getDeployment(
            regionId: "cn-zhangjiakou",
            project: .id(10000),
            deploymentId: deployment.deploymentId,
            deadline: .now.advanced(by: .seconds(60))
        )
    }

    @Test func aSignedRequestIsAnsweredInMemory() async throws {
        let simulator = DataWorksSimulator(inMemory: [Self.deployment])
        #expect(simulator.port == 0)
        let metrics = APIMetrics()
        let deployment = try await Self.get(Self.client(simulator, metrics: metrics))
        #expect(deployment.status == .success && deployment.name == "ods_user_info_d")
        #expect(await simulator.requestCounts()["GetDeployment"] == 1)
    }

    @Test func aThrottledAnswerIsRetriedAndCountedByReason() async throws {
        let simulator = DataWorksSimulator(inMemory: [Self.deployment])
        await simulator.inject(.throttlingUser, deploymentId: Self.deployment.deploymentId, count: 1)
        let metrics = APIMetrics()
        let deployment = try await Self.get(Self.client(simulator, metrics: metrics))
        #expect(deployment.status == .success)
        let values = metrics.current
        #expect(values.requests["GetDeployment"] == 2)
        #expect(values.retries["GetDeployment"]?["throttled"] == 1)
        #expect(values.errors["GetDeployment"]?["Throttling.User"] == 1)
    }

    @Test func aWrongSecretFailsWithoutRetry() async throws {
        let simulator = DataWorksSimulator(inMemory: [Self.deployment])
        let metrics = APIMetrics()
        let client = Self.client(simulator, metrics: metrics, secret: "wrong-secret-0000000000000000000")
        await #expect(throws: APIError.self) { try await Self.get(client) }
        let values = metrics.current
        #expect(values.requests["GetDeployment"] == 1)
        #expect(values.errors["GetDeployment"]?["SignatureDoesNotMatch"] == 1)
    }

    @Test func aResetIsATransportFailureAndTheLastGoodValuesStay() async throws {
        let simulator = DataWorksSimulator(inMemory: [Self.deployment])
        let metrics = APIMetrics()
        let now = Locked(1_700_000_000.0)
        let collector = Collector(
            client: Self.client(simulator, metrics: metrics, retries: 0),
            targets: [Target(regionId: "cn-zhangjiakou", project: .id(10000), deploymentIds: [3_000_001])],
            settings: CollectorSettings(terminalRefresh: .zero),
            logger: Self.logger,
            apiMetrics: metrics,
            wallClock: { now.withLock { $0 } }
        )
        let first = await collector.collect(budget: .seconds(60))
        #expect(first.isUp && first.deployments.first?.deployment?.status == .success)
        now.withLock { $0 += 30 }
        await simulator.inject(.reset, deploymentId: 3_000_001, count: 1)
        let second = await collector.collect(budget: .seconds(60))
        #expect(!second.isUp)
        #expect(second.deployments.first?.deployment?.status == .success)
        #expect(second.budget.requestsByAction["GetDeployment"] == 1)
        #expect(second.deployments.first?.lastSuccessTimestamp == 1_700_000_000)
        #expect(metrics.current.errors["GetDeployment"]?.values.reduce(0, +) == 1)
    }
}

/// `dataworks_cycle_api_requests` counts the collection's own calls: `/probe` calls made with the same client while
/// the collection runs are not in it.
@Suite struct CycleRequestCountTests {
    @Test func probesDuringACollectionAreNotCountedInIt() async throws {
        let simulator = DataWorksSimulator(inMemory: [InMemoryCollectionTests.deployment])
        let metrics = APIMetrics(actions: [GetDeploymentRequest.action, ListDeploymentsRequest.action])
        let client = InMemoryCollectionTests.client(simulator, metrics: metrics, retries: 0)
        let targets = [Target(regionId: "cn-zhangjiakou", project: .id(10000), deploymentIds: [3_000_001])]
        let collector = Collector(
            client: client,
            targets: targets,
            settings: CollectorSettings(),
            logger: InMemoryCollectionTests.logger,
            apiMetrics: metrics
        )
        // The collection's one call waits 300 ms; three probes of the same deployment run meanwhile.
        await simulator.inject(.delay(.milliseconds(300)), deploymentId: 3_000_001, count: 1)
        let probe = Probe(
            targets: targets,
            client: client,
            settings: CollectorSettings(),
            logger: InMemoryCollectionTests.logger
        )
        async let snapshot = collector.collect(budget: .seconds(60))
        try await Task.sleep(for: .milliseconds(50))
        for _ in 0..<3 {
            let answer = await probe.handle(
                ServerRequest(
                    method: "GET",
                    path: Probe.path,
                    query: [("region_id", "cn-zhangjiakou"), ("project", "10000"), ("deployment_id", "3000001")]
                )
            )
            #expect(answer.status == 200)
        }
        let collected = await snapshot
        #expect(collected.isUp)
        #expect(collected.budget.requestsByAction == ["GetDeployment": 1, "ListDeployments": 0])
        #expect(metrics.current.requests["GetDeployment"] == 4)
    }
}
