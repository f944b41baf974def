import CurlClient
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
    ) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func demoServesMetricsThatPassPromtoolAndShowsTheFailedDeployment() async throws {
        let promtool = try #require(Self.promtool, "promtool missing: apt-get install -y prometheus")
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--demo", "--web.listen-address=127.0.0.1:0"]
        process.environment = ["PATH": "/usr/bin:/bin", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The "listening" log line names the bound port.
        var log = ""
        var port: Int?
        while port == nil {
            let chunk = stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
            if let range = log.range(of: #"ports=(\d+)"#, options: .regularExpression) {
                port = Int(log[range].dropFirst("ports=".count))
            }
        }
        let bound = try #require(port, "no listening line in: \(log)")

        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(bound)/metrics"))
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#"deployment_id="3000002",status="failure"} 1"#))

        let check = try Self.run(promtool, ["check", "metrics"], input: response.body)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func configCheckExitsZeroForAValidFileAndOneWithFileLineAndColumn() throws {
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

        let ok = try Self.run(Self.binary.path, ["--config.check", "--config.file", valid.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        let bad = try Self.run(Self.binary.path, ["--config.check", "--config.file", invalid.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("invalid.yml:4:5"), "\(bad.stderr)")
        #expect(bad.stderr.contains("deployment_idz"))
    }
}
