import CurlClient
import DataWorksAPI
import DataWorksSimulator
import LockedValue
import Logging
import Testing

@testable import DataWorksExporter

/// Issue 15, items 1 and 5: attempts cut by the budget are counted once as timeouts; calls never sent are counted
/// apart from errors, by reason; and the rate limit is reached when nothing throttles.
@Suite struct CallSkipTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func fleet(_ count: Int) -> [SimulatedDeployment] {
        (0..<count).map { index in
            SimulatedDeployment(
                deploymentId: 4_000_000 + Int64(index),
                projectId: 10000,
                projectIdentifier: "dw_demo",
                name: "d\(index)",
                status: 1,
                creatorId: "200300000001",
                createTime: 1_593_877_765_000
            )
        }
    }

    /// A client without retries, signed with the simulator's AccessKey, counting into `metrics`; `endpoint` is the
    /// in-memory one by default.
    static func client(
        _ transport: any HTTPTransport,
        endpoint: String = DataWorksSimulator.inMemoryEndpoint,
        metrics: APIMetrics,
        limiter: RateLimiter?
    ) -> DataWorksClient {
        DataWorksClient(
            configuration: .init(endpointOverride: endpoint, retries: 0),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            transport: transport,
            observer: metrics,
            rateLimiter: limiter,
            logger: logger
        )
    }

    static func collector(
        _ simulator: DataWorksSimulator,
        ids: [Int64],
        metrics: APIMetrics,
        limiter: RateLimiter?,
        concurrency: Int,
        mode: CollectionMode = .scrape
    ) -> Collector {
        Collector(
            client: client(simulator.transport, metrics: metrics, limiter: limiter),
            targets: [Target(regionId: "cn-zhangjiakou", project: .id(10000), deploymentIds: ids)],
            settings: CollectorSettings(mode: mode, interval: .seconds(60), listDeployments: false),
            concurrency: concurrency,
            logger: logger,
            apiMetrics: metrics,
            rateLimiter: limiter
        )
    }

    /// Item 1: a slow answer cut by the budget is one request and one `client_timeout`, not nothing. Item 5: the
    /// calls still queued behind it when the budget runs out (it holds the only slot) are never sent, and counted as
    /// skipped for `budget`, not as requests or errors.
    @Test(arguments: [1, 3])
    func anAttemptCutByTheBudgetIsCountedOnceAsATimeout(deployments: Int) async throws {
        let fleet = Self.fleet(deployments)
        let simulator = DataWorksSimulator(inMemory: fleet)
        await simulator.inject(.delay(.seconds(120)), deploymentId: fleet[0].deploymentId, count: 1)
        let metrics = APIMetrics()
        let collector = Self.collector(
            simulator,
            ids: fleet.map(\.deploymentId),
            metrics: metrics,
            limiter: nil,
            concurrency: 1
        )
        // A budget long enough for the call to be sent on a loaded machine.
        let snapshot = await collector.collect(budget: .seconds(8))
        #expect(!snapshot.isUp)
        let values = metrics.current
        #expect(values.requests["GetDeployment"] == 1)
        #expect(values.errors["GetDeployment"]?["client_timeout"] == 1)
        let skipped = values.skipped["GetDeployment"] ?? [:]
        #expect(skipped["budget", default: 0] == UInt64(deployments - 1), "\(skipped)")
        #expect(skipped.values.reduce(0, +) == UInt64(deployments - 1), "\(skipped)")
    }

    /// Item 5: calls that would wait for a token past the budget are not sent, and counted as skipped for
    /// `rate_limit`, not as errors.
    @Test func callsWaitingForTheRateLimitPastTheBudgetAreSkippedNotErrors() async throws {
        let fleet = Self.fleet(4)
        let simulator = DataWorksSimulator(inMemory: fleet)
        let metrics = APIMetrics()
        // One call every 100 s: the second token is past the 30 s budget, so the three calls after the first are
        // skipped at once (the collection does not wait for the budget to run out), however loaded the machine.
        let limiter = RateLimiter(configuration: .init(rate: 0.01, burst: 1))
        let collector = Self.collector(
            simulator,
            ids: fleet.map(\.deploymentId),
            metrics: metrics,
            limiter: limiter,
            concurrency: 1
        )
        _ = await collector.collect(budget: .seconds(30))
        let values = metrics.current
        let sent = values.requests["GetDeployment"] ?? 0
        let skipped = values.skipped["GetDeployment"] ?? [:]
        #expect(sent == 1)
        #expect(skipped["rate_limit", default: 0] == 3, "\(skipped)")
        #expect(skipped["budget", default: 0] == 0, "\(skipped)")
        #expect(values.errors["GetDeployment"]?.values.reduce(0, +) ?? 0 <= sent)
        let bytes = try MetricsRenderer().render(
            snapshot: Snapshot(deployments: [], durationSeconds: 0, timeoutSeconds: 1),
            api: values,
            includeProcessMetrics: false
        )
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"dataworks_api_calls_skipped_total{action="GetDeployment",reason="rate_limit"} "#))
    }

    /// Item 5: with nothing throttling, a collection reaches the configured rate (at least 0.8 of it, and not much
    /// more than the rate plus the burst), whatever the concurrency.
    /// The rate is modest (10/s) and the concurrency 8, so that a debug build on two loaded cores is not what limits
    /// the calls.
    @Test func aCollectionReachesTheConfiguredRate() async throws {
        let concurrency = 8
        let rate = 10.0
        let seconds = 4.0
        let fleet = Self.fleet(400)
        let simulator = DataWorksSimulator(inMemory: fleet)
        let metrics = APIMetrics()
        let limiter = RateLimiter(configuration: .init(rate: rate, burst: 1))
        let collector = Self.collector(
            simulator,
            ids: fleet.map(\.deploymentId),
            metrics: metrics,
            limiter: limiter,
            concurrency: concurrency
        )
        // The reference: what this machine does now without a limit (a loaded CI runner may do less than the rate).
        let reference = APIMetrics()
        let unlimited = Self.collector(
            DataWorksSimulator(inMemory: fleet),
            ids: fleet.map(\.deploymentId),
            metrics: reference,
            limiter: nil,
            concurrency: concurrency
        )
        let clock = ContinuousClock()
        let referenceStarted = clock.now
        _ = await unlimited.collect(budget: .seconds(2))
        let capacity =
            Double(reference.current.requests["GetDeployment"] ?? 0)
            / referenceStarted.duration(to: clock.now).seconds
        let started = clock.now
        _ = await collector.collect(budget: .seconds(seconds))
        let elapsed = started.duration(to: clock.now).seconds
        let sent = Double(metrics.current.requests["GetDeployment"] ?? 0)
        let perSecond = sent / elapsed
        #expect(
            perSecond >= 0.8 * min(rate, capacity),
            "\(sent) calls in \(elapsed) s: \(perSecond)/s against \(rate)/s (unlimited: \(capacity)/s)"
        )
        #expect(sent <= rate * seconds * 1.1 + 2, "\(sent) calls in \(elapsed) s")
        // Calls that would wait past the budget were skipped, not counted as errors; only the attempts in flight at
        // the deadline are timeouts.
        let values = metrics.current
        let skipped = values.skipped["GetDeployment"] ?? [:]
        #expect(skipped["rate_limit", default: 0] + skipped["budget", default: 0] > 0, "\(skipped)")
        #expect(values.errors["GetDeployment"]?.values.reduce(0, +) ?? 0 <= UInt64(concurrency))
    }
}
