import CurlClient
import DataWorksSimulator
import Foundation
import LockedValue
import LoopbackSocket
import Testing

/// SIGTERM: the binary refuses new connections at once, starts no new upstream attempt, and still answers the scrape
/// in flight before it exits.
@Suite struct ShutdownEndToEndTests {
    @Test func sigtermRefusesNewConnectionsAndStartsNoRetry() async throws {
        let simulator = try DataWorksSimulator(deployments: Fixtures.all)
        let config = try OperationsEndToEndTests.ConfigFile(endpoint: simulator.endpoint, ids: [3_000_002])
        defer { config.remove() }
        try config.write(
            Harness.config(
                endpoint: simulator.endpoint,
                project: "project_id: \(Fixtures.projectId)",
                ids: [3_000_002],
                dataworks: "  retries: 2"
            )
        )
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(
            ["--config.file", config.file.path],
            environment: OperationsEndToEndTests.environment
        )
        // Every answer comes after 1.5 s, and 3000002's is a retryable 500.
        for control in [
            "/-/simulator/background?delay_ms=1500",
            "/-/simulator/faults?deployment_id=3000002&fault=internal_error&count=always",
        ] {
            let response = try await client.send(HTTPRequest(method: "POST", url: simulator.endpoint + control))
            #expect(response.status == 200)
        }
        let answered = Locked(false)
        let scrape = Task {
            let answer = try await OperationsEndToEndTests.scrape(client, exporter.url)
            answered.withLock { $0 = true }
            return answer
        }
        try await eventually("the scrape reaches the simulator") {
            await simulator.requestCounts()["GetDeployment"] == 1
        }
        exporter.send(SIGTERM)

        // New connections are refused while the scrape is still in flight.
        var refusedInFlight = false
        for _ in 0..<100 {
            if (try? LoopbackSocket(port: exporter.port, receiveTimeout: 1)) == nil {
                refusedInFlight = !answered.withLock { $0 }
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(refusedInFlight, "a new connection was accepted after SIGTERM while the scrape was in flight")

        let answer = try await scrape.value
        #expect(answer.status == 200)
        #expect(answer.samples[series("dataworks_deployment_fetch_success", 3_000_002)] == 0, "\(answer.text)")
        let (status, log) = await exporter.waitForExit()
        #expect(status == 0, "\(log)")
        // The 500 came after the signal: it was not retried.
        #expect(await simulator.requestCounts()["GetDeployment"] == 1)
        await simulator.stop()
    }

    /// Issue 15, item 11: with nothing in flight, SIGTERM ends the process at once, not after the grace period. The
    /// 20 s bound is no speed figure: it only tells "exited when nothing was left" from "waited the 600 s".
    @Test func sigtermWithNothingInFlightExitsWithoutWaitingForTheGracePeriod() async throws {
        let simulator = try DataWorksSimulator(deployments: Fixtures.all)
        let config = try OperationsEndToEndTests.ConfigFile(
            endpoint: simulator.endpoint,
            ids: [Fixtures.failure.deploymentId]
        )
        defer { config.remove() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(
            ["--config.file", config.file.path, "--web.shutdown-grace-period", "600"],
            environment: OperationsEndToEndTests.environment
        )
        let answer = try await OperationsEndToEndTests.scrape(client, exporter.url)
        #expect(answer.status == 200)
        exporter.send(SIGTERM)
        let (exited, status, log) = await exporter.waitForExit(within: .seconds(20))
        #expect(exited, "still running 20 s after SIGTERM with nothing in flight (grace period 600 s): \(log)")
        #expect(status == 0, "\(log)")
        await simulator.stop()
    }
}
