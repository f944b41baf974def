import DataWorksSimulator
import Testing

/// An answer whose deployment has `"Status": null` is invalid: counted under client_parse, and the last good
/// values stay (issue 15, item 7).
@Suite struct InvalidAnswerTests {
    @Test func nullStatusCountsAsParseErrorAndKeepsTheLastGoodValues() async throws {
        try await withHarness(
            deployments: [Fixtures.ready],
            dataworks: "  retries: 0",
            collector: "  list_deployments: false"
        ) { harness in
            let first = try await harness.scrape().samples
            #expect(first[series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")] == 1)
            await harness.simulator.inject(.nullStatus, deploymentId: 3_000_003, count: 1)
            let samples = try await harness.scrape().samples
            #expect(samples[#"dataworks_api_errors_total{action="GetDeployment",code="client_parse"}"#] == 1)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_003)] == 0)
            #expect(samples[series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")] == 1)
            #expect(samples[series("dataworks_deployment_status", 3_000_003, ",status=\"unknown\"")] == 0)
            #expect(harness.logs.text.contains("Data.Deployment.Status"))
        }
    }
}
