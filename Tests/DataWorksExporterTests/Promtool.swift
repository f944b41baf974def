import ChildProcess
import Foundation

/// Runs `promtool check metrics` on an exposition, for tests.
enum Promtool {
    /// The promtool binary, if installed.
    static let path: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The outcome of one `promtool check metrics` run.
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    /// Feeds `exposition` to `promtool check metrics` on its standard input and returns its exit status and
    /// combined output.
    static func checkMetrics(_ exposition: [UInt8], promtool: String) async throws -> Result {
        try await run(promtool, ["check", "metrics"], input: exposition)
    }

    /// Runs `executable` with `arguments`, `input` on its standard input, and returns its exit status and combined
    /// standard output and error (``ChildProcess``: swift-subprocess, whose waits take no thread of the cooperative
    /// pool).
    static func run(_ executable: String, _ arguments: [String], input bytes: [UInt8]) async throws -> Result {
        let outcome = try await ChildProcess.run(executable, arguments, input: bytes, combiningOutput: true)
        return Result(status: outcome.status, output: outcome.output)
    }
}
