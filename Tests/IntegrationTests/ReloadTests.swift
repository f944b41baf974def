import CurlClient
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Testing

@Suite struct ReloadTests {
    static let reloadSuccessful = "dataworks_exporter_config_last_reload_successful"
    static let reloadTimestamp = "dataworks_exporter_config_last_reload_success_timestamp_seconds"
    static let requests = #"dataworks_api_requests_total{action="GetDeployment"}"#

    @Test func reloadEndpointKeepsTheOldConfigOnErrorsAndDropsRemovedDeploymentsOnSuccess() async throws {
        try await withFileHarness { harness in
            let first = try await harness.send("GET", "/metrics")
            #expect(first.status == 200)
            #expect(first.samples[Self.reloadSuccessful] == 1)
            let startedAt = try #require(first.samples[Self.reloadTimestamp])
            for id in Fixtures.all.map(\.deploymentId) {
                #expect(first.samples[series("dataworks_deployment_fetch_success", id)] == 1, "\(first.text)")
            }
            let requestsBefore = try #require(first.samples[Self.requests])

            // GET is refused: a reload changes state.
            let get = try await harness.send("GET", "/-/reload")
            #expect(get.status == 405)
            #expect(get.text.contains("POST"))

            // An invalid file: 500 with file, line and column; the configuration in use stays.
            try harness.write(
                """
                targets:
                  - region_id: cn-zhangjiakou
                    project_id: 10000
                    deployment_idz: [3000001]

                """
            )
            let failed = try await harness.send("POST", "/-/reload")
            #expect(failed.status == 500)
            #expect(failed.text.contains("dataworks.yml:4:5"), "\(failed.text)")
            #expect(failed.text.contains("deployment_idz"))
            let afterFailure = try await harness.send("GET", "/metrics")
            #expect(afterFailure.samples[Self.reloadSuccessful] == 0)
            #expect(afterFailure.samples[Self.reloadTimestamp] == startedAt)
            #expect(
                afterFailure.samples[series("dataworks_deployment_fetch_success", Fixtures.failure.deploymentId)] == 1
            )
            #expect(harness.logs.text.contains("configuration reload failed"))

            // A valid file with one deployment fewer: its series vanish from the next scrape.
            try harness.write(harness.yaml(ids: [Fixtures.success.deploymentId, Fixtures.ready.deploymentId]))
            let callsBefore = await harness.simulator.requestCounts().values.reduce(0, +)
            let reloaded = try await harness.send("POST", "/-/reload")
            #expect(reloaded.status == 200, "\(reloaded.text)")
            #expect(reloaded.text.contains("2 deployment(s) in 1 target(s)"))
            let after = try await harness.send("GET", "/metrics")
            #expect(after.samples[Self.reloadSuccessful] == 1)
            #expect(try #require(after.samples[Self.reloadTimestamp]) >= startedAt)
            #expect(!after.text.contains(#"deployment_id="3000002""#), "\(after.text)")
            #expect(after.samples[series("dataworks_deployment_fetch_success", Fixtures.success.deploymentId)] == 1)
            // The new collector took over what the old one knew: only the ready (non-terminal) deployment was
            // fetched again, the successful one kept its values without a call.
            #expect(await harness.simulator.requestCounts().values.reduce(0, +) == callsBefore + 1)
            // Counters carry on from where they were.
            #expect(try #require(after.samples[Self.requests]) >= requestsBefore + 2)
            // The landing page tells the new configuration.
            let landing = try await harness.send("GET", "/")
            #expect(landing.text.contains("2 deployment(s) in 1 target(s)"))
        }
    }

    @Test func reloadSwitchesToIntervalModeAndKeepsLastValues() async throws {
        try await withFileHarness { harness in
            _ = try await harness.send("GET", "/metrics")
            let counts = await harness.simulator.requestCounts()["GetDeployment"] ?? 0
            try harness.write(
                harness.yaml(ids: Fixtures.all.map(\.deploymentId), collector: "  mode: interval\n  interval: 1h")
            )
            #expect(try await harness.send("POST", "/-/reload").status == 200)
            // The interval loop of the new configuration collects by itself, without a scrape.
            try await eventually("a background collection after the reload") {
                (await harness.simulator.requestCounts()["GetDeployment"] ?? 0) > counts
            }
            let scrape = try await harness.send("GET", "/metrics")
            #expect(scrape.samples[series("dataworks_deployment_fetch_success", Fixtures.ready.deploymentId)] == 1)
        }
    }

    @Test func settingsReadOnlyAtStartAreNamedInAWarning() async throws {
        try await withFileHarness { harness in
            let yaml = harness.yaml(ids: [Fixtures.success.deploymentId])
            try harness.write(yaml.replacingOccurrences(of: "  retries: 0", with: "  retries: 0\n  rate_limit: 3"))
            #expect(try await harness.send("POST", "/-/reload").status == 200)
            #expect(harness.logs.text.contains("take effect after a restart"))
            #expect(harness.logs.text.contains("settings=rate_limit"))
            // The rate limiter kept its configured rate (10 per second, the default).
            let scrape = try await harness.send("GET", "/metrics")
            #expect(scrape.samples[#"dataworks_api_rate_limit_per_second{region_id="cn-zhangjiakou"}"#] == 10)
        }
    }

    @Test func reloadWithoutAConfigurationFileFails() async throws {
        try await withHarness { harness in
            let answer = try await harness.client.send(
                HTTPRequest(method: "POST", url: harness.baseURL + "/-/reload", timeout: .seconds(30))
            )
            #expect(answer.status == 500)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("no configuration file"))
            await #expect(throws: ReloadError.self) { try await harness.exporter.reload() }
            #expect(try await harness.scrape().samples[Self.reloadSuccessful] == 0)
        }
    }
}

extension ReloadTests {
    /// Issue 15, item 10: an empty file, or one without targets, looks like one written half-way and is refused at
    /// reload: 500 with the reason, the reload metric 0, the configuration in use kept with its series.
    @Test func reloadRefusesAnEmptyFileAndOneWithoutTargets() async throws {
        try await withFileHarness { harness in
            let first = try await harness.send("GET", "/metrics")
            #expect(first.samples[Self.reloadSuccessful] == 1)
            for text in ["", "targets: []\n"] {
                try harness.write(text)
                let refused = try await harness.send("POST", "/-/reload")
                #expect(refused.status == 500, "\(refused.text)")
                #expect(refused.text.contains("no targets"), "\(refused.text)")
                let after = try await harness.send("GET", "/metrics")
                #expect(after.samples[Self.reloadSuccessful] == 0)
                for id in Fixtures.all.map(\.deploymentId) {
                    #expect(after.samples[series("dataworks_deployment_fetch_success", id)] != nil, "\(after.text)")
                }
            }
        }
    }
}
