import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import HTTPServer
import LockedValue
import Testing

/// The binary takes ECS RAM-role credentials from the metadata service named by
/// `DATAWORKS_EXPORTER_ECS_METADATA_URL` (here a loopback stand-in) and refreshes them before they expire.
@Suite struct ECSMetadataEndToEndTests {
    /// A stand-in for 100.100.100.200: IMDSv2 token, role name, and credentials that live `lifetime` seconds, with a
    /// new SecurityToken at every fetch.
    final class MetadataStandIn: Sendable {
        static let role = "dataworks-exporter-role"
        let fetches = Locked(0)
        let server: HTTPServer

        init(lifetime: Int64) throws {
            let fetches = self.fetches
            server = try HTTPServer(configuration: .init(listenAddresses: ["127.0.0.1:0"])) { request in
                switch (request.method, request.path) {
                case ("PUT", "/latest/api/token"):
                    return .text("imds-v2-token")
                case ("GET", "/latest/meta-data/ram/security-credentials/"):
                    return .text(Self.role)
                case ("GET", "/latest/meta-data/ram/security-credentials/" + Self.role):
                    guard request.header("x-aliyun-ecs-metadata-token") == "imds-v2-token" else {
                        return .text("token required", status: 401)
                    }
                    let count = fetches.withLock { fetches in
                        fetches += 1
                        return fetches
                    }
                    let expiration = Int64(Date().timeIntervalSince1970) + lifetime
                    let object: [String: Any] = [
                        "Code": "Success", "AccessKeyId": DataWorksSimulator.accessKeyId,
                        "AccessKeySecret": DataWorksSimulator.accessKeySecret, "SecurityToken": "EcsToken-\(count)",
                        "Expiration": ACSTimestamp.format(epochSeconds: expiration),
                        "LastUpdated": ACSTimestamp.format(epochSeconds: expiration - lifetime),
                    ]
                    let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
                    return ServerResponse(
                        status: 200,
                        headers: [HTTPHeader(name: "Content-Type", value: "text/plain")],
                        body: Array(data)
                    )
                default:
                    return .text("not found", status: 404)
                }
            }
        }

        var url: String { "http://127.0.0.1:\(server.ports[0])" }
    }

    @Test func expiringRAMRoleCredentialsAreRefreshedThroughTheStandIn() async throws {
        // 6 s credentials are refreshed at half their lifetime, 3 s after each fetch.
        let metadata = try MetadataStandIn(lifetime: 6)
        // A ready deployment is not terminal: every scrape calls GetDeployment again.
        let simulator = try DataWorksSimulator(deployments: [Fixtures.ready])
        let config = try OperationsEndToEndTests.ConfigFile(endpoint: simulator.endpoint, ids: [3_000_003])
        defer { config.remove() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(
            ["--config.file", config.file.path],
            environment: [
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "false",
                ECSRAMRoleCredentialsProvider.metadataURLVariable: metadata.url,
            ]
        )
        let first = try await OperationsEndToEndTests.scrape(client, exporter.url)
        #expect(first.samples["dataworks_up"] == 1, "\(first.text)")
        #expect(await simulator.receivedCredentialMaterial().contains("EcsToken-1"))

        try await Task.sleep(for: .seconds(4))
        let second = try await OperationsEndToEndTests.scrape(client, exporter.url)
        #expect(second.samples["dataworks_up"] == 1, "\(second.text)")
        #expect(metadata.fetches.withLock { $0 } >= 2)
        let material = await simulator.receivedCredentialMaterial()
        #expect(material.contains("EcsToken-2"), "\(material.filter { $0.hasPrefix("EcsToken") })")

        let (status, log) = await exporter.stop()
        #expect(status == 0, "\(log)")
        #expect(log.contains("ecs_ram_role"), "\(log)")
        #expect(!log.contains("EcsToken-"), "the security token leaked into the log")
        await metadata.server.stop(gracePeriod: .milliseconds(200))
        await simulator.stop()
    }
}
