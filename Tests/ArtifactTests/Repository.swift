import ChildProcess
import Foundation

/// The files of this repository and the tools that check them.
enum Repository {
    /// The repository root: three levels above this file (`Tests/ArtifactTests/Repository.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `root/relative`.
    static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }

    /// The text of `root/relative`.
    static func text(_ relative: String) throws -> String {
        try String(contentsOf: url(relative), encoding: .utf8)
    }

    /// Paths relative to the root of the files under `folders` whose names end in one of `extensions`, sorted.
    static func files(under folders: [String], extensions: [String]) -> [String] {
        var result: [String] = []
        for folder in folders {
            guard let enumerator = FileManager.default.enumerator(atPath: url(folder).path) else { continue }
            while let path = enumerator.nextObject() as? String {
                if extensions.contains(where: { path.hasSuffix("." + $0) }) {
                    result.append(folder + "/" + path)
                }
            }
        }
        return result.sorted()
    }

    /// promtool from the Debian `prometheus` package, if installed.
    static let promtool: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// A finished child process.
    struct Outcome: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs `executable` with `arguments` in `directory` (default: the root) to completion, output and errors
    /// combined. Standard input is empty.
    ///
    /// Through ``ChildProcess`` (swift-subprocess): the wait takes no thread of the cooperative pool, which matters
    /// since `promtool test rules` alone takes half a minute on a 2-core machine.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) async throws -> Outcome {
        let outcome = try await ChildProcess.run(
            executable,
            arguments,
            directory: (directory ?? root).path,
            combiningOutput: true
        )
        return Outcome(status: outcome.status, output: outcome.output)
    }

    /// A fresh temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("artifacts-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
