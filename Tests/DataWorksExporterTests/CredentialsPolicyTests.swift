import DataWorksAPI
import DataWorksExporter
import Foundation
import Logging
import Testing

/// The credential-source policy: the config's AccessKey files when set, else the default chain.
@Suite struct CredentialsPolicyTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func theFilePairWinsOverTheEnvironment() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "LTAI5tFILE0000000000000\n".write(
            to: directory.appendingPathComponent("id"),
            atomically: true,
            encoding: .utf8
        )
        try "file-secret".write(to: directory.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let yaml = "dataworks:\n  access_key_id_file: id\n  access_key_secret_file: secret\n"
        let config = try ExporterConfig.parse(yaml: yaml, file: directory.appendingPathComponent("c.yml").path)
        let environment = ["ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tENV", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env"]
        let provider = try config.credentialsProvider(environment: environment, logger: Self.logger)
        #expect(try await provider.credentials().accessKeyId == "LTAI5tFILE0000000000000")
    }

    @Test func withoutFilesTheDefaultChainReadsTheEnvironment() async throws {
        let environment = [
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tENV000000000000000", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        ]
        let provider = try ExporterConfig().credentialsProvider(environment: environment, logger: Self.logger)
        #expect(try await provider.credentials().accessKeyId == "LTAI5tENV000000000000000")
        #expect(await provider.resolvedName(logger: Self.logger).hasSuffix("env"))
    }
}
