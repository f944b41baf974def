import ChildProcess
import CurlClient
import DataWorksSimulator
import Foundation
import Testing

/// The built `dataworks-exporter` binary, run as a user runs it.
@Suite struct EndToEndTests {
    /// `.build/<config>/dataworks-exporter`, next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("dataworks-exporter")
    }

    static var promtool: String? {
        ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a process to completion with `input` on standard input; returns exit status and both outputs.
    static func run(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8] = []
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let outcome = try await ChildProcess.run(executable, arguments, input: input)
        return (outcome.status, outcome.output, outcome.errorOutput)
    }

    @Test func demoServesMetricsThatPassPromtoolAndShowsTheFailedDeployment() async throws {
        let promtool = try #require(Self.promtool, "promtool missing: apt-get install -y prometheus")
        let exporter = try await ExporterProcess.start(["--demo"], environment: [:])
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await client.send(HTTPRequest(method: "GET", url: exporter.url + "/metrics"))
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#"deployment_id="3000002",status="failure"} 1"#))

        let check = try await Self.run(promtool, ["check", "metrics"], input: response.body)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")

        let (status, _) = await exporter.stop()
        #expect(status == 0)
    }

    /// The exporter run as a user runs it against DataWorks: credentials from the environment, the API reached
    /// through the HTTP proxy in `http_proxy` (here the simulator stands in for the proxy), debug logs on.
    @Test func proxyEnvironmentCredentialsAndNoSecretInAnyOutput() async throws {
        let simulator = try DataWorksSimulator(deployments: Fixtures.all)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("dataworks.yml")
        // 127.0.0.2 is loopback with nothing listening on port 9: only the proxy can answer.
        try Data(
            Harness.config(
                endpoint: "http://127.0.0.2:9",
                project: "project_id: \(Fixtures.projectId)",
                ids: Fixtures.all.map(\.deploymentId),
                dataworks: "  retries: 0"
            ).utf8
        ).write(to: config)
        let environment = [
            "HOME": directory.path,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DataWorksSimulator.accessKeyId,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DataWorksSimulator.accessKeySecret,
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "http_proxy": "http://127.0.0.1:\(simulator.port)",
        ]
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        let proxied = try await ExporterProcess.start(
            ["--config.file", config.path, "--log.level=debug"],
            environment: environment
        )
        let metrics = try await client.send(HTTPRequest(method: "GET", url: proxied.url + "/metrics"))
        let landing = try await client.send(HTTPRequest(method: "GET", url: proxied.url + "/"))
        let (status, log) = await proxied.stop()
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("dataworks_up 1\n"), "\(text)\n\(log)")
        #expect(await simulator.requestCounts()["GetDeployment"] == 3)
        #expect(status == 0)
        #expect(log.contains("credentials_provider=default/env"))
        for output in [text, String(decoding: landing.body, as: UTF8.self), log] {
            #expect(!output.contains(DataWorksSimulator.accessKeySecret))
        }

        // NO_PROXY names the endpoint's host: the exporter goes direct, finds nothing, and says so.
        var direct = environment
        direct["no_proxy"] = "127.0.0.2"
        let bypassing = try await ExporterProcess.start(["--config.file", config.path], environment: direct)
        let bypassed = try await client.send(HTTPRequest(method: "GET", url: bypassing.url + "/metrics"))
        _ = await bypassing.stop()
        let bypassedText = String(decoding: bypassed.body, as: UTF8.self)
        #expect(bypassedText.contains("dataworks_up 0\n"))
        #expect(bypassedText.contains(#"dataworks_api_errors_total{action="GetDeployment",code="client_connect"} 3"#))
        await simulator.stop()
    }

    @Test func configCheckExitsZeroForAValidFileAndOneWithFileLineAndColumn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let valid = directory.appendingPathComponent("valid.yml")
        try Data(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [3000001]

            """.utf8
        ).write(to: valid)
        let invalid = directory.appendingPathComponent("invalid.yml")
        try Data(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_idz: [3000001]

            """.utf8
        ).write(to: invalid)

        let ok = try await Self.run(Self.binary.path, ["--config.check", "--config.file", valid.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        let bad = try await Self.run(Self.binary.path, ["--config.check", "--config.file", invalid.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("invalid.yml:4:5"), "\(bad.stderr)")
        #expect(bad.stderr.contains("deployment_idz"))

        // Issue 15, item 10: an empty file is refused by the check and at start, unless allowed explicitly.
        let empty = directory.appendingPathComponent("empty.yml")
        try Data().write(to: empty)
        let emptyCheck = try await Self.run(Self.binary.path, ["--config.check", "--config.file", empty.path])
        #expect(emptyCheck.status == 1, "\(emptyCheck.stderr)")
        #expect(emptyCheck.stderr.contains("no targets"))
        let allowed = try await Self.run(
            Self.binary.path,
            ["--config.check", "--config.allow-no-targets", "--config.file", empty.path]
        )
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let start = try await Self.run(
            Self.binary.path,
            ["--config.file", empty.path, "--web.listen-address", "127.0.0.1:0"]
        )
        #expect(start.status == 1)
        #expect(start.stderr.contains("no targets"), "\(start.stderr)")
    }
}

/// The `dataworks-exporter` binary running in a child process on a free loopback port (``BackgroundChild``: its
/// standard output discarded, its standard error read here, never the test runner's own).
struct ExporterProcess {
    let child: BackgroundChild
    /// The bound ports, one per listen address.
    let ports: [Int]

    var port: Int { ports[0] }
    var url: String { "http://127.0.0.1:\(port)" }
    /// Whether the process still runs.
    var isRunning: Bool { child.isRunning }

    /// Starts the binary with `arguments` plus a `--web.listen-address` for each of `listenAddresses`, and reads the
    /// bound ports from its `listening` log line.
    static func start(
        _ arguments: [String],
        environment: [String: String],
        listenAddresses: [String] = ["127.0.0.1:0"]
    ) async throws -> ExporterProcess {
        let child = try await BackgroundChild(
            EndToEndTests.binary.path,
            arguments + listenAddresses.map { "--web.listen-address=\($0)" },
            environment: ["PATH": "/usr/bin:/bin", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"].merging(
                environment
            ) { $1 }
        )
        let ports = await child.firstStandardErrorLine { line -> [Int]? in
            guard line.contains("msg=listening") || line.contains("\"listening\""),
                let range = line.range(of: #"ports=[\d,]+"#, options: .regularExpression)
            else { return nil }
            return line[range].dropFirst("ports=".count).split(separator: ",").compactMap { Int($0) }
        }
        guard let ports else {
            _ = try? await child.waitForExit()
            throw ExporterProcessError(message: "exited before listening: \(child.standardErrorText)")
        }
        return ExporterProcess(child: child, ports: ports)
    }

    /// Sends `signal` (SIGHUP, SIGTERM, ...) without waiting.
    func send(_ signal: Int32) {
        child.send(signal)
    }

    /// Waits for the process to exit and returns the exit status and everything it logged.
    func waitForExit() async -> (status: Int32, log: String) {
        guard let outcome = try? await child.waitForExit() else { return (-1, child.standardErrorText) }
        return (outcome.status, outcome.errorOutput)
    }

    /// Waits up to `limit` for the process to exit; when it has not, kills it (SIGKILL) so that the test ends.
    /// `exited` says whether it exited by itself in time.
    func waitForExit(within limit: Duration) async -> (exited: Bool, status: Int32, log: String) {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while isRunning && clock.now < end {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let exited = !isRunning
        if !exited { send(SIGKILL) }
        let (status, log) = await waitForExit()
        return (exited, status, log)
    }

    /// Sends SIGTERM, waits, and returns the exit status and everything the process logged.
    func stop() async -> (status: Int32, log: String) {
        child.send(SIGTERM)
        return await waitForExit()
    }
}

struct ExporterProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
