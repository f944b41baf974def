import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import LockedValue
import Logging
import Testing

@testable import DataWorksExporter

/// The `/metrics` body of fixed scenarios, rendered through the real collector, client, libcurl and simulator with a
/// fixed wall clock, must equal a committed golden file byte for byte (apart from latencies). Guards refactors of the
/// collection and exposition code against any change of output.
///
/// Regenerate after an intended change of output with `DATAWORKS_UPDATE_GOLDEN=1 swift test --filter
/// GoldenExpositionTests` and review the diff.
@Suite struct GoldenExpositionTests {
    /// Epoch milliseconds of the scenario's "now" at the simulator: 2026-01-01T00:00:00Z.
    static let simulatorNow: Int64 = 1_767_225_600_000

    /// The deployments: the demo set, plus ready ones of a second workspace found by discovery.
    static var deployments: [SimulatedDeployment] {
        var fleet = SimulatedDeployment.demoSet(now: simulatorNow)
        for index in 0..<6 {
            fleet.append(
                SimulatedDeployment(
                    deploymentId: 3_100_001 + Int64(index),
                    projectId: 20000,
                    projectIdentifier: "dw_golden",
                    name: "golden_\(index)",
                    status: index < 4 ? 0 : (index == 4 ? 1 : 2),
                    creatorId: "2003000000\(10 + index)",
                    createTime: simulatorNow - Int64(index) * 600_000,
                    errorMessage: index == 5 ? "failed \"quoted\"\nsecond line" : nil
                )
            )
        }
        return fleet
    }

    static func yaml(endpoint: String) -> String {
        """
        dataworks:
          endpoint: "\(endpoint)"
          retries: 0
        collector:
          max_stale: 10m
          terminal_refresh: 1h
        targets:
          - region_id: cn-zhangjiakou
            project_id: 10000
            deployment_ids: [3000001, 3000002, 3000003, 3000004, 3999999]
          - region_id: cn-zhangjiakou
            project_identifier: dw_golden
            deployment_ids: [3100001, 3100002]
            discover:
              max_age: 1h
              statuses: [ready, success, failure]
              limit: 5

        """
    }

    /// Replaces the values that depend on timing (latencies, the collection's duration) with `<varies>`.
    static func normalized(_ text: String) -> String {
        let varying = [
            "dataworks_api_request_duration_seconds_bucket", "dataworks_api_request_duration_seconds_sum",
            "dataworks_scrape_duration_seconds ",
        ]
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard varying.contains(where: { line.hasPrefix($0) }), let space = line.lastIndex(of: " ") else {
                return String(line)
            }
            return line[..<space] + " <varies>"
        }.joined(separator: "\n")
    }

    /// Runs the scenario and returns every rendering, each under a heading.
    static func scenario() async throws -> String {
        let simulator = try DataWorksSimulator(deployments: deployments)
        let transport = try CurlHTTPClient()
        let config = try ExporterConfig.parse(yaml: yaml(endpoint: simulator.endpoint), file: "golden.yml")
        let apiMetrics = APIMetrics(actions: [GetDeploymentRequest.action, ListDeploymentsRequest.action])
        let logger = Logger(label: "golden") { _ in SwiftLogNoOpLogHandler() }
        let client = DataWorksClient(
            configuration: .init(
                endpointOverride: simulator.endpoint,
                requestTimeout: .seconds(60),
                retries: config.dataworks.retries
            ),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            transport: transport,
            observer: apiMetrics,
            logger: logger
        )
        let start = Double(simulatorNow) / 1_000 + 60
        let now = Locked(start)
        let collector = Collector(
            client: client,
            targets: config.targets,
            settings: config.collector,
            concurrency: config.dataworks.concurrency,
            logger: logger,
            apiMetrics: apiMetrics,
            wallClock: { now.withLock { $0 } }
        )
        var output = ""
        func render(_ title: String, formats: [ExpositionFormat] = [.text]) async throws {
            let snapshot = await collector.collect(budget: .seconds(120))
            for format in formats {
                let bytes = try MetricsRenderer().render(
                    snapshot: snapshot,
                    api: apiMetrics.current,
                    configReload: ConfigReloadStatus(successful: true, lastSuccessTimestamp: start),
                    includeProcessMetrics: false,
                    format: format
                )
                output += "### \(title) (\(format))\n" + normalized(String(decoding: bytes, as: UTF8.self)) + "\n"
            }
        }
        do {
            // 1. First cycle: everything fetched in detail, discovery lists the second workspace.
            try await render("first cycle")
            // 2. 30 s later: ready deployments due again; the ready one of the demo workspace fails.
            now.withLock { $0 = start + 30 }
            await simulator.inject(.internalError, deploymentId: 3_000_003, count: nil)
            await simulator.inject(.forbiddenAccess, deploymentId: 3_100_001, count: 1)
            try await render("second cycle, faults")
            // 3. Past terminal_refresh: terminal deployments due again; a ready one has run meanwhile.
            now.withLock { $0 = start + 3_700 }
            var changed = deployments[4]
            changed.status = 1
            changed.handlerId = "200300000099"
            changed.executeTime = simulatorNow + 1_000_000
            await simulator.upsert(changed)
            try await render("third cycle, terminal refresh")
            // 4. Every listing fails from now on (discovery keeps what it found); so does GetDeployment of 3000003.
            now.withLock { $0 = start + 3_800 }
            await simulator.injectListFault(.internalError, count: nil)
            try await render("fourth cycle, listings fail")
            // 5. Past max_stale of the failing deployments: their last good values are gone.
            now.withLock { $0 = start + 4_500 }
            try await render("fifth cycle, stale", formats: [.text, .openMetrics])
        } catch {
            await simulator.stop()
            transport.shutdown()
            throw error
        }
        await simulator.stop()
        transport.shutdown()
        return output
    }

    @Test func scenarioMatchesTheGoldenExposition() async throws {
        let output = try await Self.scenario()
        if ProcessInfo.processInfo.environment["DATAWORKS_UPDATE_GOLDEN"] == "1" {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/golden-exposition.txt")
            try output.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/golden-exposition", withExtension: "txt"))
        let golden = try String(contentsOf: url, encoding: .utf8)
        let got = output.split(separator: "\n", omittingEmptySubsequences: false)
        let want = golden.split(separator: "\n", omittingEmptySubsequences: false)
        let first = Array(zip(got, want)).firstIndex { $0 != $1 } ?? min(got.count, want.count)
        #expect(
            output == golden,
            "first difference at line \(first + 1): got \(got.dropFirst(first).first ?? "<end>"), want \(want.dropFirst(first).first ?? "<end>")"
        )
    }
}
