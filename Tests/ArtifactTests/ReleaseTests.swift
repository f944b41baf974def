import Foundation
import Testing

/// What users expect of a released exporter: a license, the source revision stamped into release builds, and a
/// Dockerfile that copies only files the repository has.
@Suite struct ReleaseTests {
    @Test func theRepositoryIsLicensedUnderApache2() throws {
        let license = try Repository.text("LICENSE")
        #expect(license.contains("Apache License") && license.contains("Version 2.0, January 2004"))
        #expect(license.contains("END OF TERMS AND CONDITIONS"))
    }

    /// `scripts/stamp-revision` turns the `unknown` revision of a copy of the sources into the given one (and the
    /// result still parses as Swift); it refuses a revision that is not a plain name.
    @Test func stampRevisionWritesTheRevisionIntoACopyOfTheSources() async throws {
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let metrics = directory.appendingPathComponent("Sources/DataWorksExporter/Metrics")
        try FileManager.default.createDirectory(at: metrics, withIntermediateDirectories: true)
        let original = try Repository.text("Sources/DataWorksExporter/Metrics/BuildInfo.swift")
        #expect(original.contains(#"public static let revision = "unknown""#))
        let file = metrics.appendingPathComponent("BuildInfo.swift")
        try Data(original.utf8).write(to: file)
        let sources = directory.appendingPathComponent("Sources").path

        let refused = try await Repository.run("/bin/bash", ["scripts/stamp-revision", sources, #"x"; evil"#])
        #expect(refused.status != 0)
        let stamped = try await Repository.run("/bin/bash", ["scripts/stamp-revision", sources, "0123abcd"])
        #expect(stamped.status == 0, "\(stamped.output)")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(#"public static let revision = "0123abcd""#))
        #expect(!text.contains(#""unknown""#))
        if let swiftc = ["/opt/swift/usr/bin/swiftc", "/usr/bin/swiftc"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) {
            let parse = try await Repository.run(swiftc, ["-parse", file.path])
            #expect(parse.status == 0, "\(parse.output)")
        }
    }

    /// The Dockerfile and the release script stamp the revision before they build; the Dockerfile copies only files
    /// the repository has (no Package.resolved, which is ignored).
    @Test func theDockerfileAndTheReleaseScriptStampTheRevisionAndCopyOnlyRepositoryFiles() throws {
        let dockerfile = try Repository.text("examples/Dockerfile")
        let stamp = try #require(dockerfile.range(of: #"RUN scripts/stamp-revision Sources "$REVISION""#))
        let build = try #require(dockerfile.range(of: "swift build -c release"))
        #expect(stamp.upperBound < build.lowerBound)
        #expect(dockerfile.contains("ARG REVISION=unknown"))
        #expect(!dockerfile.contains("Package.resolved*") && !dockerfile.contains("COPY Package.resolved"))
        for line in dockerfile.split(separator: "\n") where line.hasPrefix("COPY ") && !line.contains("--from=") {
            let sources = line.split(separator: " ").dropFirst().dropLast()
            for source in sources {
                #expect(
                    FileManager.default.fileExists(atPath: Repository.url(String(source)).path),
                    "examples/Dockerfile copies \(source), which the repository does not have"
                )
            }
        }
        let release = try Repository.text("scripts/release")
        let releaseStamp = try #require(release.range(of: "scripts/stamp-revision"))
        let releaseBuild = try #require(release.range(of: "swift build -c release"))
        #expect(releaseStamp.upperBound < releaseBuild.lowerBound)
        #expect(release.contains("git rev-parse HEAD") && release.contains("--static-swift-stdlib"))
    }
}
