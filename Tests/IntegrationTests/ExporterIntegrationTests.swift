import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Testing

/// The exporter against the simulator over loopback, through real libcurl and libmicrohttpd.
@Suite struct ExporterIntegrationTests {
    @Test func metricsCarryExactValuesOfEveryDeployment() async throws {
        try await withHarness { harness in
            let scrape = try await harness.scrape()
            #expect(scrape.status == 200)
            #expect(scrape.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let samples = scrape.samples
            for (status, value) in [("ready", 0.0), ("success", 0), ("failure", 1), ("rejected", 0), ("unknown", 0)] {
                #expect(samples[series("dataworks_deployment_status", 3_000_002, ",status=\"\(status)\"")] == value)
            }
            #expect(samples[series("dataworks_deployment_status", 3_000_001, ",status=\"success\"")] == 1)
            #expect(samples[series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")] == 1)
            #expect(samples[series("dataworks_deployment_create_timestamp_seconds", 3_000_001)] == 1_593_877_765)
            #expect(samples[series("dataworks_deployment_execute_timestamp_seconds", 3_000_001)] == 1_593_877_825.5)
            #expect(samples[series("dataworks_deployment_execution_latency_seconds", 3_000_001)] == 60.5)
            #expect(samples[series("dataworks_deployment_execution_latency_seconds", 3_000_002)] == 3_635)
            // Not executed yet: no execute timestamp or latency, never 0 or NaN.
            #expect(samples[series("dataworks_deployment_execute_timestamp_seconds", 3_000_003)] == nil)
            #expect(samples[series("dataworks_deployment_execution_latency_seconds", 3_000_003)] == nil)
            #expect(
                samples[
                    series(
                        "dataworks_deployment_info",
                        3_000_002,
                        ",name=\"dwd_orders_di-2020-07-04_200300000002\",from_environment=\"development\","
                            + "to_environment=\"production\",creator=\"200300000002\",executor=\"200300000002\""
                    )
                ] == 1
            )
            #expect(
                scrape.text.contains(
                    series(
                        "dataworks_deployment_error_info",
                        3_000_002,
                        #",error_message="The connection \"orders\" does not exist.\nCheck C:\\conf: 连接不存在""#
                    ) + " 1\n"
                )
            )
            #expect(!scrape.text.contains(series("dataworks_deployment_error_info", 3_000_001)))
            for id: Int64 in [3_000_001, 3_000_002, 3_000_003] {
                #expect(samples[series("dataworks_deployment_fetch_success", id)] == 1)
                let fetched = try #require(
                    samples[series("dataworks_deployment_last_fetch_success_timestamp_seconds", id)]
                )
                #expect(abs(fetched - Date().timeIntervalSince1970) < 60)
            }
            #expect(samples["dataworks_up"] == 1)
            #expect(samples[#"dataworks_api_requests_total{action="GetDeployment"}"#] == 3)
            #expect(samples[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.User"}"#] == 0)
            #expect(samples[#"dataworks_api_request_duration_seconds_count{action="GetDeployment"}"#] == 3)
            #expect(samples[#"dataworks_scrape_timeout_seconds"#] == 10)
            #expect(scrape.text.contains("dataworks_exporter_build_info{"))
            #expect(samples["dataworks_exporter_config_last_reload_successful"] == 1)
            let loaded = try #require(samples["dataworks_exporter_config_last_reload_success_timestamp_seconds"])
            #expect(abs(loaded - Date().timeIntervalSince1970) < 600)
            #expect(samples["process_resident_memory_bytes"].map { $0 > 0 } == true)
        }
    }

    @Test func oneThrottlingAnswerCountsExactlyOneErrorAndTheScrapeStillAnswers200() async throws {
        // terminal_refresh 0s: the second scrape re-checks the terminal deployments too, with GetDeployment.
        try await withHarness(dataworks: "  retries: 0", collector: "  terminal_refresh: 0s\n  list_deployments: false")
        { harness in
            _ = try await harness.scrape()
            await harness.simulator.inject(.throttlingUser, deploymentId: 3_000_002, count: 1)
            let scrape = try await harness.scrape()
            #expect(scrape.status == 200)
            let samples = scrape.samples
            #expect(samples[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.User"}"#] == 1)
            #expect(samples[#"dataworks_api_requests_total{action="GetDeployment"}"#] == 6)
            #expect(samples["dataworks_up"] == 0)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_002)] == 0)
            // The last good values stay visible.
            #expect(samples[series("dataworks_deployment_status", 3_000_002, ",status=\"failure\"")] == 1)
            #expect(harness.logs.text.contains("code=Throttling.User"))
        }
    }

    @Test func throttledRequestIsRetriedWithinTheBudgetAndCounted() async throws {
        try await withHarness(dataworks: "  retries: 2") { harness in
            await harness.simulator.inject(.throttlingUser, deploymentId: 3_000_001, count: 1)
            let samples = try await harness.scrape().samples
            #expect(samples[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.User"}"#] == 1)
            #expect(samples[#"dataworks_api_retries_total{action="GetDeployment",reason="throttled"}"#] == 1)
            #expect(samples[#"dataworks_api_requests_total{action="GetDeployment"}"#] == 4)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_001)] == 1)
            #expect(samples["dataworks_up"] == 1)
        }
    }

    @Test(arguments: [
        (SimulatedFault.throttling, "Throttling"),
        (.forbiddenAccess, "Forbidden.Access"),
        (.internalError, "InternalError.System"),
        (.malformedBody, "client_parse"),
    ])
    func injectedFaultIsCountedUnderItsCode(fault: SimulatedFault, code: String) async throws {
        try await withHarness(dataworks: "  retries: 0") { harness in
            await harness.simulator.inject(fault, deploymentId: 3_000_003, count: 1)
            let scrape = try await harness.scrape()
            #expect(scrape.status == 200)
            #expect(scrape.samples["dataworks_api_errors_total{action=\"GetDeployment\",code=\"\(code)\"}"] == 1)
            #expect(scrape.samples[series("dataworks_deployment_fetch_success", 3_000_003)] == 0)
            #expect(scrape.samples[series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")] == nil)
        }
    }

    @Test func slowDeploymentIsCutAtTheScrapeBudgetAndKeepsItsLastGoodValues() async throws {
        try await withHarness(dataworks: "  retries: 0", collector: "  terminal_refresh: 0s\n  list_deployments: false")
        { harness in
            _ = try await harness.scrape()
            await harness.simulator.inject(.delay(.seconds(3)), deploymentId: 3_000_001, count: 1)
            let scrape = try await harness.scrape(timeout: 1.5)
            #expect(scrape.status == 200)
            let samples = scrape.samples
            #expect(samples["dataworks_scrape_timeout_seconds"] == 1)
            #expect(samples["dataworks_up"] == 0)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_001)] == 0)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_002)] == 1)
            #expect(samples[series("dataworks_deployment_status", 3_000_001, ",status=\"success\"")] == 1)
        }
    }

    @Test func concurrentScrapesShareOneCollection() async throws {
        try await withHarness(dataworks: "  retries: 0") { harness in
            await harness.simulator.inject(.delay(.seconds(1)), deploymentId: 3_000_001, count: nil)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await harness.scrape().status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 5))
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == 3)
        }
    }

    @Test func wrongSecretIsRejectedBySignatureCheckAndReported() async throws {
        try await withHarness(dataworks: "  retries: 0", secret: "not-the-simulator-secret") { harness in
            let scrape = try await harness.scrape()
            #expect(scrape.status == 200)
            #expect(scrape.samples["dataworks_up"] == 0)
            #expect(
                scrape.samples[#"dataworks_api_errors_total{action="GetDeployment",code="SignatureDoesNotMatch"}"#] == 3
            )
            #expect(!scrape.text.contains("dataworks_deployment_status{"))
            #expect(!harness.logs.text.contains("not-the-simulator-secret"))
        }
    }

    @Test(arguments: ["v3", "v1"])
    func bothSignatureVersionsAreAcceptedWithASpecialProjectIdentifier(signature: String) async throws {
        try await withHarness(
            project: "project_identifier: \"\(Fixtures.projectIdentifier)\"",
            dataworks: "  signature: \(signature)"
        ) { harness in
            let samples = try await harness.scrape().samples
            #expect(samples["dataworks_up"] == 1)
            #expect(
                samples[
                    series(
                        "dataworks_deployment_status",
                        3_000_002,
                        project: Fixtures.projectIdentifier,
                        ",status=\"failure\""
                    )
                ] == 1
            )
        }
    }

    @Test func landingPageHealthAndReadiness() async throws {
        try await withHarness { harness in
            let landing = try await harness.get("/")
            #expect(landing.status == 200)
            #expect(landing.contentType == "text/html; charset=utf-8")
            #expect(landing.text.contains("href=\"metrics\""))
            #expect(landing.text.contains("<form action=\"probe\""))
            #expect(landing.text.contains(BuildInfo.version))
            #expect(try await harness.get("/-/healthy").status == 200)
            #expect(try await harness.get("/-/ready").status == 200)
            #expect(try await harness.get("/nope").status == 404)
            #expect(!landing.text.contains(DataWorksSimulator.accessKeySecret))
        }
    }
}
