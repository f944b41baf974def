import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Testing

/// An exporter whose configuration is a file that tests rewrite and reload, against a simulator; all on loopback.
struct FileHarness {
    let simulator: DataWorksSimulator
    let exporter: Exporter
    let client: CurlHTTPClient
    let logs: LogCapture
    let directory: URL
    let file: URL

    var baseURL: String { "http://127.0.0.1:\(exporter.ports[0])" }

    /// A configuration of the fixture workspace with `ids`, pointed at the simulator.
    func yaml(ids: [Int64], collector: String = "") -> String {
        Harness.config(
            endpoint: simulator.endpoint,
            project: "project_id: \(Fixtures.projectId)",
            ids: ids,
            dataworks: "  retries: 0",
            collector: collector
        )
    }

    func write(_ text: String) throws {
        try Data(text.utf8).write(to: file)
    }

    func send(
        _ method: String,
        _ path: String,
        headers: [HTTPHeader] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> Harness.Scrape {
        let response = try await client.send(
            HTTPRequest(method: method, url: baseURL + path, headers: headers, timeout: timeout)
        )
        return Harness.Scrape(
            status: response.status,
            contentType: response.header("Content-Type"),
            text: String(decoding: response.body, as: UTF8.self)
        )
    }
}

/// Runs `body` with a simulator serving `deployments` and an exporter started from a file holding the
/// configuration of `ids` (all of `deployments` by default); stops both afterwards.
func withFileHarness(
    deployments: [SimulatedDeployment] = Fixtures.all,
    ids: [Int64]? = nil,
    collector: String = "",
    maxRequests: Int = 40,
    maxConnections: Int = 64,
    _ body: (FileHarness) async throws -> Void
) async throws {
    let simulator = try DataWorksSimulator(deployments: deployments)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("dataworks.yml")
    let path = file.path
    let yaml = Harness.config(
        endpoint: simulator.endpoint,
        project: "project_id: \(Fixtures.projectId)",
        ids: ids ?? deployments.map(\.deploymentId),
        dataworks: "  retries: 0",
        collector: collector
    )
    try Data(yaml.utf8).write(to: file)
    let logs = LogCapture()
    let exporter: Exporter
    do {
        exporter = try Exporter(
            config: try ExporterConfig.load(path: path),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            options: .init(
                listenAddresses: ["127.0.0.1:0"],
                maxRequests: maxRequests,
                maxConnections: maxConnections,
                reloadConfig: { () throws(ConfigError) in try ExporterConfig.load(path: path) }
            ),
            logger: logs.logger
        )
    } catch {
        await simulator.stop()
        throw error
    }
    let client = try CurlHTTPClient()
    let harness = FileHarness(
        simulator: simulator,
        exporter: exporter,
        client: client,
        logs: logs,
        directory: directory,
        file: file
    )
    do {
        try await body(harness)
    } catch {
        await exporter.stop()
        await simulator.stop()
        client.shutdown()
        throw error
    }
    await exporter.stop()
    await simulator.stop()
    client.shutdown()
}

/// Polls `condition` every 20 ms until it holds or `attempts` polls have failed; records an issue then.
func eventually(
    _ what: String,
    attempts: Int = 500,
    _ condition: () async throws -> Bool
) async throws {
    for _ in 0..<attempts {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("\(what): not reached after \(attempts) polls")
}

/// Runs a blocking `body` (reading a pipe or a socket, waiting for a process) on a Dispatch thread, so that it
/// does not hold one of the few threads of Swift's cooperative pool, which the tests running in parallel need.
func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        // A thread of its own: Dispatch's global queues are as narrow as the cooperative pool on 2 cores.
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
