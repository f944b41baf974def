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
    /// standard output and error.
    ///
    /// The input comes from a temporary file rather than a pipe we write to: with a pipe, a test that blocks
    /// on the output while another task writes the input can starve on a 2-core cooperative pool.
    ///
    /// The wait happens on a thread of its own, not on one of the two threads of the cooperative pool that every
    /// other test of the process needs.
    static func run(_ executable: String, _ arguments: [String], input bytes: [UInt8]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try runBlocking(executable, arguments, input: bytes) })
            }
            .start()
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], input bytes: [UInt8]) throws -> Result
    {
        let inputURL = FileManager.default.temporaryDirectory.appendingPathComponent("process-input-\(UUID())")
        try Data(bytes).write(to: inputURL)
        defer { try? FileManager.default.removeItem(at: inputURL) }
        let input = try FileHandle(forReadingFrom: inputURL)
        defer { try? input.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
