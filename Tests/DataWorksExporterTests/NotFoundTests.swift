import DataWorksAPI
import DataWorksSimulator
import Testing

@testable import DataWorksExporter

/// Issue 15, item 8: a deleted deployment is final: its series go at once, the error is counted, and it is checked
/// again only every `terminal_refresh`.
@Suite struct NotFoundTests {
    @Test func aDeletedDeploymentDropsItsSeriesAtOnceAndIsRecheckedRarely() async throws {
        var fleet = CallSkipTests.fleet(2)
        for index in fleet.indices {
            fleet[index].status = 0  // ready: refreshed on every collection while it exists
        }
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
        await simulator.remove(deploymentId: fleet[0].deploymentId)

        let second = await collector.collect(budget: .seconds(30))
        let gone = try #require(second.deployments.first { $0.key.deploymentId == fleet[0].deploymentId })
        #expect(gone.deployment == nil, "a deleted deployment kept its last values")
        #expect(!gone.fetchSucceeded)
        let kept = try #require(second.deployments.first { $0.key.deploymentId == fleet[1].deploymentId })
        #expect(kept.deployment != nil && kept.fetchSucceeded)
        #expect(metrics.current.errors["GetDeployment"]?["Invalid.Deployment.NotFound"] == 1)

        // Not asked again on the next collection (terminal_refresh, 1 h by default); the other one is.
        let calls = await simulator.requestCounts()["GetDeployment"] ?? 0
        _ = await collector.collect(budget: .seconds(30))
        #expect(await simulator.requestCounts()["GetDeployment"] == calls + 1)
        #expect(metrics.current.errors["GetDeployment"]?["Invalid.Deployment.NotFound"] == 1)
    }
}
