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

    /// Pipes `exposition` into `promtool check metrics` and returns its exit status and combined output.
    static func checkMetrics(_ exposition: [UInt8], promtool: String) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Write from another task so that neither pipe can fill up and block the other side.
        let writer = input.fileHandleForWriting
        let data = Data(exposition)
        let writing = Task.detached {
            writer.write(data)
            try writer.close()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        try await writing.value
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self))
    }
}
