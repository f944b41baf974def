import ChildProcess
import CurlClient
import DataWorksSimulator
import Foundation
import Testing

/// Reload, shutdown and listening of the built binary, against an in-process simulator on loopback.
@Suite struct OperationsEndToEndTests {
    static let environment = [
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DataWorksSimulator.accessKeyId,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DataWorksSimulator.accessKeySecret,
    ]

    /// A temporary directory with `dataworks.yml` for the simulator's fixture deployments `ids`.
    struct ConfigFile {
        let directory: URL
        let file: URL
        let endpoint: String

        init(endpoint: String, ids: [Int64], collector: String = "") throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            file = directory.appendingPathComponent("dataworks.yml")
            self.endpoint = endpoint
            try write(ids: ids, collector: collector)
        }

        func write(ids: [Int64], collector: String = "") throws {
            try write(
                Harness.config(
                    endpoint: endpoint,
                    project: "project_id: \(Fixtures.projectId)",
                    ids: ids,
                    dataworks: "  retries: 0",
                    collector: collector
                )
            )
        }

        func write(_ text: String) throws {
            try Data(text.utf8).write(to: file)
        }

        func remove() {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func scrape(_ client: CurlHTTPClient, _ url: String) async throws -> Harness.Scrape {
        let response = try await client.send(HTTPRequest(method: "GET", url: url + "/metrics", timeout: .seconds(30)))
        return Harness.Scrape(
            status: response.status,
            contentType: response.header("Content-Type"),
            text: String(decoding: response.body, as: UTF8.self)
        )
    }

    @Test func sighupReloadsTheConfigurationFile() async throws {
        let simulator = try DataWorksSimulator(deployments: Fixtures.all)
        let config = try ConfigFile(endpoint: simulator.endpoint, ids: Fixtures.all.map(\.deploymentId))
        defer { config.remove() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(
            ["--config.file", config.file.path],
            environment: Self.environment
        )

        let first = try await Self.scrape(client, exporter.url)
        #expect(first.text.contains(#"deployment_id="3000002""#))
        let requests = try #require(first.samples[#"dataworks_api_requests_total{action="GetDeployment"}"#])

        // An invalid file: the configuration in use stays, the metric says the reload failed.
        try config.write("targets: [\n")
        exporter.send(SIGHUP)
        try await eventually("dataworks_exporter_config_last_reload_successful 0") {
            try await Self.scrape(client, exporter.url).samples[ReloadTests.reloadSuccessful] == 0
        }
        #expect(try await Self.scrape(client, exporter.url).text.contains(#"deployment_id="3000002""#))

        // A valid file without 3000002: gone at once, counters carry on.
        try config.write(ids: [Fixtures.success.deploymentId])
        exporter.send(SIGHUP)
        try await eventually("dataworks_exporter_config_last_reload_successful 1") {
            try await Self.scrape(client, exporter.url).samples[ReloadTests.reloadSuccessful] == 1
        }
        let after = try await Self.scrape(client, exporter.url)
        #expect(!after.text.contains(#"deployment_id="3000002""#), "\(after.text)")
        #expect(after.text.contains(#"deployment_id="3000001""#))
        #expect(try #require(after.samples[#"dataworks_api_requests_total{action="GetDeployment"}"#]) >= requests)

        // Issue 15, item 10: an empty file, or one without targets (as a configuration manager leaves it half-way),
        // is refused: the metric says 0, 3000001 stays served, the log names the reason. A good reload between the
        // two sets the metric back to 1, so that the second refusal is seen on its own.
        let noTargets = "the configuration has no targets"
        for (refusals, text) in ["", "targets: []\n"].enumerated() {
            if refusals > 0 {
                try config.write(ids: [Fixtures.success.deploymentId])
                exporter.send(SIGHUP)
                try await eventually(
                    "dataworks_exporter_config_last_reload_successful 1 before \(text.debugDescription)"
                ) {
                    try await Self.scrape(client, exporter.url).samples[ReloadTests.reloadSuccessful] == 1
                }
            }
            try config.write(text)
            exporter.send(SIGHUP)
            try await eventually("dataworks_exporter_config_last_reload_successful 0 for \(text.debugDescription)") {
                try await Self.scrape(client, exporter.url).samples[ReloadTests.reloadSuccessful] == 0
            }
            let kept = try await Self.scrape(client, exporter.url)
            #expect(
                kept.samples[series("dataworks_deployment_fetch_success", Fixtures.success.deploymentId)] == 1,
                "\(text.debugDescription): \(kept.text)"
            )
            try await eventually("the log names the reason for \(text.debugDescription)") {
                exporter.child.standardErrorText.components(separatedBy: noTargets).count - 1 == refusals + 1
            }
        }

        let (status, log) = await exporter.stop()
        #expect(status == 0, "\(log)")
        #expect(log.contains("configuration reload failed"))
        #expect(log.contains("msg=\"configuration reloaded\""))
        await simulator.stop()
    }

    /// SIGTERM while a scrape waits for a slow API answer: the scrape completes with 200, the process exits 0 as soon
    /// as it is answered (issue 15, item 11), not when the 600 s grace period ends; the 20 s bound is no speed figure.
    @Test func sigtermLetsTheScrapeInFlightFinish() async throws {
        let simulator = try DataWorksSimulator(deployments: Fixtures.all)
        let config = try ConfigFile(endpoint: simulator.endpoint, ids: [Fixtures.failure.deploymentId])
        defer { config.remove() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(
            ["--config.file", config.file.path, "--web.shutdown-grace-period", "600"],
            environment: Self.environment
        )

        // The simulator's HTTP control endpoint delays the next answer for 3000002 by 1.5 s.
        let control = try await client.send(
            HTTPRequest(
                method: "POST",
                url: simulator.endpoint + "/-/simulator/faults?deployment_id=3000002&fault=delay_ms:1500&count=1"
            )
        )
        #expect(control.status == 200)
        let scrape = Task { try await Self.scrape(client, exporter.url) }
        try await eventually("the scrape reaches the simulator") {
            await simulator.requestCounts()["GetDeployment"] == 1
        }
        exporter.send(SIGTERM)
        let answer = try await scrape.value
        #expect(answer.status == 200)
        #expect(answer.samples["dataworks_up"] == 1, "\(answer.text)")
        #expect(answer.text.contains(#"deployment_id="3000002",status="failure"} 1"#))
        let (exited, status, log) = await exporter.waitForExit(within: .seconds(20))
        #expect(exited, "still running 20 s after the scrape in flight was answered (grace period 600 s): \(log)")
        #expect(status == 0, "\(log)")
        #expect(log.contains("signal=SIGTERM"))
        #expect(log.contains("msg=stopped"))
        await simulator.stop()
    }

    /// Interval mode: a scrape waiting for the first collection (slowed by the simulator) when SIGINT arrives gets
    /// that collection's values, not a cancelled one; then the loop stops and the process exits 0.
    @Test func sigintLetsTheFirstIntervalCollectionFinishForTheWaitingScrape() async throws {
        let simulator = try DataWorksSimulator(deployments: Fixtures.all)
        await simulator.inject(.delay(.milliseconds(1_500)), deploymentId: Fixtures.success.deploymentId)
        let config = try ConfigFile(
            endpoint: simulator.endpoint,
            ids: [Fixtures.success.deploymentId],
            collector: "  mode: interval\n  interval: 30s"
        )
        defer { config.remove() }
        let exporter = try await ExporterProcess.start(
            ["--config.file", config.file.path],
            environment: Self.environment
        )
        try await eventually("the loop's first call reaches the simulator") {
            await simulator.requestCounts()["GetDeployment"] == 1
        }
        // A connection the server has accepted (it answered on it), then the scrape on it.
        let connection = try RawConnection(port: exporter.port)
        #expect(try await offPool { connection.get("/-/healthy") }.hasPrefix("HTTP/1.1 200"))
        connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try await Task.sleep(for: .milliseconds(200))
        exporter.send(SIGINT)
        let answer = try await offPool { connection.readAnswer() }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains("\ndataworks_up 1\n"), "\(answer)")
        let (status, log) = await exporter.waitForExit()
        #expect(status == 0, "\(log)")
        #expect(log.contains("signal=SIGINT"))
        await simulator.stop()
    }

    /// `--web.listen-address` twice, IPv4 and IPv6 loopback: both serve.
    @Test func listensOnEveryAddressGivenIncludingIPv6() async throws {
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(
            ["--demo"],
            environment: [:],
            listenAddresses: ["127.0.0.1:0", "[::1]:0"]
        )
        #expect(exporter.ports.count == 2)
        let v4 = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(exporter.ports[0])/metrics"))
        let v6 = try await client.send(HTTPRequest(method: "GET", url: "http://[::1]:\(exporter.ports[1])/metrics"))
        #expect(v4.status == 200)
        #expect(v6.status == 200)
        #expect(String(decoding: v6.body, as: UTF8.self).contains("dataworks_up"))
        let (status, _) = await exporter.stop()
        #expect(status == 0)
    }
}
