import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Testing

/// Starts a simulator holding `deployments` and an exporter configured by `yaml(endpoint)`, runs `body`, stops both.
func withQuotaHarness(
    deployments: [SimulatedDeployment],
    yaml: (String) -> String,
    _ body: (Harness) async throws -> Void
) async throws {
    let simulator = try DataWorksSimulator(deployments: deployments)
    let logs = LogCapture()
    let exporter: Exporter
    do {
        exporter = try Exporter(
            config: try ExporterConfig.parse(yaml: yaml(simulator.endpoint), file: "quota.yml"),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            options: .init(listenAddresses: ["127.0.0.1:0"]),
            logger: logs.logger
        )
    } catch {
        await simulator.stop()
        throw error
    }
    let harness = Harness(simulator: simulator, exporter: exporter, client: try CurlHTTPClient(), logs: logs)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

/// `count` deployments of the fixture workspace from `firstId`, all in `status`, created `ageSeconds` ago.
func simulated(
    count: Int,
    firstId: Int64 = 4_000_001,
    status: Int,
    ageSeconds: Int64 = 600
) -> [SimulatedDeployment] {
    let now = Int64(Date().timeIntervalSince1970 * 1_000)
    return (0..<Int64(count)).map { offset in
        SimulatedDeployment(
            deploymentId: firstId + offset,
            projectId: Fixtures.projectId,
            projectIdentifier: Fixtures.projectIdentifier,
            name: "pkg_\(firstId + offset)",
            status: status,
            creatorId: "200300000001",
            createTime: now - ageSeconds * 1_000 - offset,
            fromEnvironment: 1,
            toEnvironment: 2
        )
    }
}

func counter(_ name: String, _ action: String) -> String { "\(name){action=\"\(action)\"}" }

/// Planning, batching, staleness, throttling, interval mode and discovery against the simulator.
@Suite struct QuotaTests {
    @Test func terminalDeploymentsAreNotFetchedAgainWithinTerminalRefresh() async throws {
        try await withHarness { harness in
            _ = try await harness.scrape()
            let second = try await harness.scrape().samples
            // Only the ready deployment is checked again; the terminal ones keep their values and fetch_success 1.
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == 4)
            #expect(second[counter("dataworks_cycle_api_requests", "GetDeployment")] == 1)
            #expect(second[counter("dataworks_cycle_api_requests", "ListDeployments")] == 0)
            #expect(second["dataworks_up"] == 1)
            #expect(second[series("dataworks_deployment_status", 3_000_002, ",status=\"failure\"")] == 1)
        }
    }

    @Test func readyDeploymentsAreRefreshedByOneListingAndChangesAreFetchedOnce() async throws {
        let ready = simulated(count: 5, status: 0)
        try await withHarness(deployments: ready) { harness in
            let first = try await harness.scrape().samples
            #expect(first[counter("dataworks_cycle_api_requests", "GetDeployment")] == 5)
            #expect(first[counter("dataworks_cycle_api_requests", "ListDeployments")] == 0)

            var changed = ready[2]
            changed.status = 2
            changed.errorMessage = "boom"
            changed.executeTime = changed.createTime + 5_000
            await harness.simulator.upsert(changed)
            let second = try await harness.scrape().samples
            // One Status=0 page for the five, one GetDeployment for the one that left it.
            #expect(second[counter("dataworks_cycle_api_requests", "ListDeployments")] == 1)
            #expect(second[counter("dataworks_cycle_api_requests", "GetDeployment")] == 1)
            #expect(second[series("dataworks_deployment_status", 4_000_003, ",status=\"failure\"")] == 1)
            #expect(second[series("dataworks_deployment_execution_latency_seconds", 4_000_003)] == 5)
            // Items of a listing lack the environments: they are kept from the first GetDeployment.
            #expect(
                second[
                    series(
                        "dataworks_deployment_info",
                        4_000_001,
                        ",name=\"pkg_4000001\",from_environment=\"development\",to_environment=\"production\","
                            + "creator=\"200300000001\",executor=\"\""
                    )
                ] == 1
            )
            #expect(second["dataworks_up"] == 1)

            let third = try await harness.scrape().samples
            #expect(third[counter("dataworks_cycle_api_requests", "ListDeployments")] == 1)
            #expect(third[counter("dataworks_cycle_api_requests", "GetDeployment")] == 0)
            #expect(await harness.simulator.requestCounts() == ["GetDeployment": 6, "ListDeployments": 2])
        }
    }

    @Test func aFailedListingKeepsTheLastGoodValues() async throws {
        try await withHarness(deployments: simulated(count: 4, status: 0), dataworks: "  retries: 0") { harness in
            _ = try await harness.scrape()
            await harness.simulator.injectListFault(.internalError, count: 1)
            let samples = try await harness.scrape().samples
            #expect(samples["dataworks_up"] == 0)
            #expect(samples[series("dataworks_deployment_fetch_success", 4_000_002)] == 0)
            #expect(samples[series("dataworks_deployment_status", 4_000_002, ",status=\"ready\"")] == 1)
            #expect(samples[#"dataworks_api_errors_total{action="ListDeployments",code="InternalError.System"}"#] == 1)
            #expect(harness.logs.text.contains("ListDeployments failed"))
        }
    }

    @Test func afterMaxStaleTheStatusGoesAwayAndTheFetchMetricsStay() async throws {
        try await withHarness(dataworks: "  retries: 0", collector: "  max_stale: 0s") { harness in
            _ = try await harness.scrape()
            await harness.simulator.inject(.internalError, deploymentId: 3_000_003, count: nil)
            let samples = try await harness.scrape().samples
            #expect(samples[series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")] == nil)
            // No info series of any label set (creator and executor included) is left for it.
            #expect(
                !samples.keys.contains {
                    $0.hasPrefix("dataworks_deployment_info{") && $0.contains("deployment_id=\"3000003\"")
                }
            )
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_003)] == 0)
            let last = try #require(
                samples[series("dataworks_deployment_last_fetch_success_timestamp_seconds", 3_000_003)]
            )
            #expect(abs(last - Date().timeIntervalSince1970) < 60)
            // The others are untouched.
            #expect(samples[series("dataworks_deployment_status", 3_000_001, ",status=\"success\"")] == 1)
        }
    }

    @Test func withinMaxStaleTheLastGoodValuesStay() async throws {
        try await withHarness(dataworks: "  retries: 0") { harness in
            _ = try await harness.scrape()
            await harness.simulator.inject(.internalError, deploymentId: 3_000_003, count: nil)
            let samples = try await harness.scrape().samples
            #expect(samples[series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")] == 1)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_003)] == 0)
        }
    }

    @Test func quotaAnswerPausesTheRegionAndIsLoggedOnce() async throws {
        try await withHarness(
            dataworks: "  retries: 2\n  quota_pause: 1h",
            collector: "  terminal_refresh: 0s\n  list_deployments: false"
        ) {
            harness in
            _ = try await harness.scrape()
            await harness.simulator.inject(.throttlingResource, deploymentId: 3_000_002, count: nil)
            let second = try await harness.scrape().samples
            #expect(second[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.Resource"}"#] == 1)
            // Never retried.
            #expect(second[#"dataworks_api_retries_total{action="GetDeployment",reason="throttled"}"#] == 0)
            #expect(second[#"dataworks_api_region_paused{region_id="cn-zhangjiakou"}"#] == 1)
            let before = await harness.simulator.requestCounts()["GetDeployment"]
            let third = try await harness.scrape().samples
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == before)
            #expect(third[counter("dataworks_cycle_api_requests", "GetDeployment")] == 0)
            // The calls the pause held back are counted as skipped, not as requests or errors: every watched
            // deployment is due (terminal_refresh 0s) and none was sent.
            let skipped = #"dataworks_api_calls_skipped_total{action="GetDeployment",reason="region_paused"}"#
            let watched = third.keys.filter { $0.hasPrefix("dataworks_deployment_fetch_success{") }.count
            #expect(watched > 0)
            #expect((third[skipped] ?? 0) - (second[skipped] ?? 0) == Double(watched))
            #expect(
                third[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.Resource"}"#]
                    == second[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.Resource"}"#]
            )
            #expect(third["dataworks_up"] == 0)
            #expect(third[series("dataworks_deployment_status", 3_000_001, ",status=\"success\"")] == 1)
            let pauses = harness.logs.text.components(separatedBy: "pausing calls to the region").count - 1
            #expect(pauses == 1)
        }
    }

    @Test func everyAnswerThrottledStillAnswers200WithTheLastGoodValues() async throws {
        try await withHarness(dataworks: "  retries: 0", collector: "  terminal_refresh: 0s\n  list_deployments: false")
        {
            harness in
            _ = try await harness.scrape()
            await harness.simulator.setBackground(throttlingFraction: 1)
            let scrape = try await harness.scrape()
            #expect(scrape.status == 200)
            #expect(scrape.samples["dataworks_up"] == 0)
            #expect(scrape.samples[#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.User"}"#] == 3)
            #expect(scrape.samples[series("dataworks_deployment_status", 3_000_002, ",status=\"failure\"")] == 1)
            await harness.simulator.clearFaults()
            #expect(try await harness.scrape().samples["dataworks_up"] == 1)
        }
    }

    @Test func throttlingLowersTheEffectiveRateLimit() async throws {
        try await withHarness(
            dataworks: "  retries: 0\n  rate_limit: 8",
            collector: "  terminal_refresh: 0s\n  list_deployments: false"
        ) {
            harness in
            let first = try await harness.scrape().samples
            #expect(first[#"dataworks_api_rate_limit_per_second{region_id="cn-zhangjiakou"}"#] == 8)
            #expect(first[#"dataworks_api_region_paused{region_id="cn-zhangjiakou"}"#] == 0)
            await harness.simulator.inject(.throttlingUser, deploymentId: 3_000_001, count: 1)
            let second = try await harness.scrape().samples
            let rate = try #require(second[#"dataworks_api_rate_limit_per_second{region_id="cn-zhangjiakou"}"#])
            #expect(rate < 8)
        }
    }

    @Test func intervalModeCollectsInTheBackgroundAndScrapesDoNotCall() async throws {
        // 2 s, not less: the first collection gets the interval as its budget, and loaded machines (sanitizers,
        // parallel tests) need more than half a second for it.
        try await withHarness(collector: "  mode: interval\n  interval: 2s") { harness in
            let ready = series("dataworks_deployment_status", 3_000_003, ",status=\"ready\"")
            let success = series("dataworks_deployment_status", 3_000_003, ",status=\"success\"")
            // The first background collection shows the ready deployment.
            var first: Double?
            for _ in 0..<400 where first != 1 {
                first = try await harness.scrape().samples[ready]
                if first != 1 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(first == 1)
            await harness.simulator.upsert(
                SimulatedDeployment(
                    deploymentId: 3_000_003,
                    projectId: Fixtures.projectId,
                    projectIdentifier: Fixtures.projectIdentifier,
                    name: "ads_gmv_summary_d",
                    status: 1,
                    creatorId: "200300000003",
                    createTime: 1_593_880_000_000
                )
            )
            // The loop re-checks the ready one without any scrape asking ...
            let before = await harness.simulator.requestCounts()["GetDeployment"] ?? 0
            var after = before
            for _ in 0..<400 where after == before {
                try await Task.sleep(for: .milliseconds(50))
                after = await harness.simulator.requestCounts()["GetDeployment"] ?? 0
            }
            #expect(after > before)
            // ... and a scrape serves what it found.
            var seen = false
            for _ in 0..<400 where !seen {
                try await Task.sleep(for: .milliseconds(50))
                seen = try await harness.scrape().samples[success] == 1
            }
            #expect(seen)
            // Now every deployment is terminal: neither the loop (terminal_refresh 1h) nor scrapes call again.
            let settled = await harness.simulator.requestCounts()["GetDeployment"] ?? 0
            for _ in 0..<6 {
                _ = try await harness.scrape()
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == settled)
        }
    }

    @Test func scrapeModeMakesNoCallsBetweenScrapes() async throws {
        try await withHarness { harness in
            _ = try await harness.scrape()
            try await Task.sleep(for: .milliseconds(300))
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == 3)
        }
    }

    @Test func discoveryFindsRecentDeploymentsAndAgedOutSeriesDisappear() async throws {
        let recent = simulated(count: 3, status: 0, ageSeconds: 60)
        let failed = simulated(count: 1, firstId: 4_100_001, status: 2, ageSeconds: 120)
        let old = simulated(count: 2, firstId: 4_200_001, status: 0, ageSeconds: 7_200)
        let succeeded = simulated(count: 1, firstId: 4_300_001, status: 1, ageSeconds: 60)
        try await withQuotaHarness(deployments: recent + failed + old + succeeded) { endpoint in
            """
            dataworks:
              endpoint: \(endpoint)
            targets:
              - region_id: \(Fixtures.regionId)
                project_id: \(Fixtures.projectId)
                discover:
                  max_age: 1h
                  statuses: [ready, failure]
                  limit: 3
            """
        } _: { harness in
            let first = try await harness.scrape().samples
            let shown = Set(
                first.keys.filter { $0.hasPrefix("dataworks_deployment_fetch_success{") }.compactMap { key in
                    key.split(separator: "\"").dropFirst(5).first.map(String.init)
                }
            )
            // The three newest of the four recent ready/failed ones; neither the old nor the succeeded.
            #expect(shown == ["4000001", "4000002", "4000003"])
            #expect(
                first[
                    series(
                        "dataworks_deployment_info",
                        4_000_001,
                        ",name=\"pkg_4000001\",from_environment=\"development\",to_environment=\"production\","
                            + "creator=\"200300000001\",executor=\"\""
                    )
                ] == 1
            )
            #expect(first[counter("dataworks_cycle_api_requests", "ListDeployments")] == 1)
            #expect(first[counter("dataworks_cycle_api_requests", "GetDeployment")] == 3)

            // One succeeds: it leaves the statuses and its series go; the failed one takes its place.
            var done = recent[0]
            done.status = 1
            await harness.simulator.upsert(done)
            let second = try await harness.scrape()
            #expect(!second.text.contains("deployment_id=\"4000001\""))
            #expect(second.samples[series("dataworks_deployment_status", 4_100_001, ",status=\"failure\"")] == 1)
            // The listing refreshed the known ones: only the newcomer needed its details.
            #expect(second.samples[counter("dataworks_cycle_api_requests", "GetDeployment")] == 1)
        }
    }
}
