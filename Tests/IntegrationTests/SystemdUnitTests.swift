import Foundation
import Testing

/// `examples/systemd/dataworks-exporter.service` as its header installs it: `systemd-analyze verify` accepts the
/// unit, and the built binary, run as an unprivileged user with only the unit's `SupplementaryGroups=` (as
/// `DynamicUser=yes` runs it), can read the installed configuration; without the group it says "permission
/// denied", not "no such file".
@Suite struct SystemdUnitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var unit: String {
        get throws {
            try String(
                contentsOf: root.appendingPathComponent("examples/systemd/dataworks-exporter.service"),
                encoding: .utf8
            )
        }
    }
    /// A UID and GID in systemd's dynamic-user range, and a GID standing for the static group of the unit.
    static let dynamicUser = 61_234
    static let configGroup = 61_235

    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/bin/\(name)", "/usr/sbin/\(name)"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    @Test func systemdAnalyzeVerifiesTheUnit() async throws {
        let analyze = try #require(Self.tool("systemd-analyze"), "systemd-analyze missing: apt-get install -y systemd")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("systemd-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // verify checks that the commands exist: point them at the built binary.
        let unit = try Self.unit.replacingOccurrences(
            of: "/usr/local/bin/dataworks-exporter",
            with: EndToEndTests.binary.path
        )
        let file = directory.appendingPathComponent("dataworks-exporter.service")
        try Data(unit.utf8).write(to: file)
        let verify = try await EndToEndTests.run(analyze, ["verify", file.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.isEmpty, "\(verify.stderr)")
    }

    @Test func theDynamicUserReadsTheConfigurationAsInstalled() async throws {
        let setpriv = try #require(Self.tool("setpriv"), "setpriv missing: apt-get install -y util-linux")
        guard getuid() == 0 else {
            Issue.record("needs root to install the files as the unit's header does and to drop to another UID")
            return
        }
        let unit = try Self.unit
        #expect(unit.contains("\nDynamicUser=yes\n"))
        let group = try #require(
            unit.firstMatch(of: try Regex(#"\nSupplementaryGroups=(\S+)\n"#))?.output[1].substring,
            "the unit gives the dynamic user no group that may read the configuration"
        )
        // The install lines of the header, for the directory and the configuration file.
        let directoryLine = try #require(
            unit.firstMatch(of: try Regex(#"install -d -m (\d+) -g (\S+) /etc/dataworks-exporter\n"#)),
            "no install line for /etc/dataworks-exporter"
        )
        let fileLine = try #require(
            unit.firstMatch(
                of: try Regex(#"install -m (\d+) -g (\S+) examples/dataworks.yml /etc/dataworks-exporter/\n"#)
            ),
            "no install line for the configuration"
        )
        #expect(directoryLine.output[2].substring == group && fileLine.output[2].substring == group)
        let directoryMode = try #require(directoryLine.output[1].substring.flatMap { Int($0, radix: 8) })
        let fileMode = try #require(fileLine.output[1].substring.flatMap { Int($0, radix: 8) })
        #expect(fileMode & 0o004 == 0, "the configuration should not be world-readable")

        // Install them under a temporary root, the group standing for the unit's static group.
        let top = FileManager.default.temporaryDirectory.appendingPathComponent("systemd-\(UUID())")
        try FileManager.default.createDirectory(at: top, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: top) }
        chmod(top.path, 0o755)
        let etc = top.appendingPathComponent("dataworks-exporter")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: false)
        let config = etc.appendingPathComponent("dataworks.yml")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("examples/dataworks.yml"), to: config)
        for (path, mode) in [(etc.path, directoryMode), (config.path, fileMode)] {
            #expect(chown(path, 0, gid_t(Self.configGroup)) == 0)
            #expect(chmod(path, mode_t(mode)) == 0)
        }

        // The unit's ExecStartPre, as the dynamic user with the supplementary group.
        func check(groups: String) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await EndToEndTests.run(
                setpriv,
                [
                    "--reuid=\(Self.dynamicUser)", "--regid=\(Self.dynamicUser)", groups, "--inh-caps=-all",
                    "--", EndToEndTests.binary.path, "--config.check", "--config.file=" + config.path,
                ]
            )
        }
        let allowed = try await check(groups: "--groups=\(Self.configGroup)")
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        // DynamicUser=yes alone: the file exists but may not be read, and the error says so.
        let denied = try await check(groups: "--clear-groups")
        #expect(denied.status != 0)
        let message = denied.stdout + denied.stderr
        #expect(message.contains("permission denied"), "\(message)")
        #expect(!message.contains("no such file"), "\(message)")
    }
}
