import Foundation
import HTTPServer
import Testing

/// `examples/alertmanager/alertmanager.yml` in a real Alertmanager (Debian `prometheus-alertmanager`) on loopback:
/// amtool accepts it, and its inhibit rules mute a target alert only while the source alert fires for the same
/// exporter (job and instance).
@Suite struct AlertmanagerTests {
    static let configPath = "examples/alertmanager/alertmanager.yml"

    static let amtool: String? = ["/usr/bin/amtool", "/usr/local/bin/amtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let alertmanager: String? = [
        "/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager", "/usr/local/bin/alertmanager",
    ].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func amtoolChecksTheExampleConfig() async throws {
        let amtool = try #require(Self.amtool, "amtool missing: apt-get install -y prometheus-alertmanager")
        let check = try await Repository.run(amtool, ["check-config", Self.configPath])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("2 inhibit rules"), "\(check.output)")
    }

    @Test(.timeLimit(.minutes(1)))
    func inhibitionMutesOnlyTheSameExportersAlerts() async throws {
        let amtool = try #require(Self.amtool, "amtool missing: apt-get install -y prometheus-alertmanager")
        let executable = try #require(
            Self.alertmanager,
            "alertmanager missing: apt-get install -y prometheus-alertmanager"
        )
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The receivers' webhooks point at example hosts: send them to a closed loopback port instead.
        let config = try Repository.text(Self.configPath)
            .replacing(try Regex(#"http://[A-Za-z0-9.-]+/hooks/[A-Za-z0-9-]+"#), with: "http://127.0.0.1:9/hook")
        let configFile = directory.appendingPathComponent("alertmanager.yml")
        try Data(config.utf8).write(to: configFile)

        let probe = try HTTPServer(configuration: .init(listenAddresses: ["127.0.0.1:0"])) { _ in .text("") }
        let port = try #require(probe.ports.first)
        await probe.stop()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--config.file=" + configFile.path, "--storage.path=" + directory.appendingPathComponent("data").path,
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ]
        let log = directory.appendingPathComponent("alertmanager.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            try? output.close()
        }
        let url = "--alertmanager.url=http://127.0.0.1:\(port)"
        func call(_ arguments: [String]) async throws -> Repository.Outcome {
            try await Repository.run(amtool, [url] + arguments)
        }
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try await call(["config", "show"]).status == 0
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        let startLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try #require(ready, "alertmanager did not start: \(startLog)")

        func add(_ alertname: String, job: String, instance: String) async throws {
            let labels = [
                "alertname=\(alertname)", "job=\(job)", "instance=\(instance)", "severity=warning",
                "region_id=cn-zhangjiakou", "project=10000", "deployment_id=3000002",
            ]
            let added = try await call(["alert", "add"] + labels)
            #expect(added.status == 0, "\(added.output)")
        }
        // Targets for two exporters of one job and one of another job; sources for exporter a only.
        for instance in ["a:19520", "b:19520"] {
            try await add("DataWorksDeploymentDataStale", job: "dataworks-exporter", instance: instance)
            try await add("DataWorksApiErrorsHigh", job: "dataworks-exporter", instance: instance)
        }
        try await add("DataWorksDeploymentDataStale", job: "dataworks-exporter-sharded", instance: "team-a:19520")
        try await add("DataWorksDeploymentDataStale", job: "dataworks-exporter-sharded", instance: "team-b:19520")
        try await add("DataWorksApiUnavailable", job: "dataworks-exporter", instance: "a:19520")
        try await add("DataWorksExporterDown", job: "dataworks-exporter-sharded", instance: "team-a:19520")

        let expected: Set<String> = [
            "DataWorksDeploymentDataStale dataworks-exporter a:19520",
            "DataWorksApiErrorsHigh dataworks-exporter a:19520",
            "DataWorksDeploymentDataStale dataworks-exporter-sharded team-a:19520",
        ]
        var muted: Set<String> = []
        for _ in 0..<50 where muted != expected {
            let query = try await call(["--output=json", "alert", "query", "--inhibited"])
            #expect(query.status == 0, "\(query.output)")
            let alerts = try JSONSerialization.jsonObject(with: Data(query.output.utf8)) as? [[String: Any]] ?? []
            muted = Set(
                alerts.compactMap { alert in
                    guard let labels = alert["labels"] as? [String: String] else { return nil }
                    return [labels["alertname"], labels["job"], labels["instance"]].compactMap { $0 }
                        .joined(separator: " ")
                }
            )
            if muted != expected { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(muted == expected)
    }
}
