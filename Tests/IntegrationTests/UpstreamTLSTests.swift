import CurlClient
import DataWorksSimulator
import Foundation
import HTTPServer
import Testing

/// An upstream whose certificate comes from a private CA (a TLS-inspecting proxy, a private endpoint): trusted
/// through `dataworks.ca_file`, `CURL_CA_BUNDLE` or `SSL_CERT_FILE`, without touching the system store.
@Suite struct UpstreamTLSTests {
    private static let success =
        #"dataworks_deployment_status{region_id="cn-zhangjiakou",project="10000",deployment_id="3000001",status="success"} 1"#
    private static let tlsErrors = #"dataworks_api_errors_total{action="GetDeployment",code="client_tls"}"#

    /// Runs the binary against a TLS simulator whose certificate `pki`'s CA signed; `source` says how the CA is given
    /// (`ca_file`, a variable name, or `none`). Returns the first scrape.
    private func scrape(source: String) async throws -> Harness.Scrape {
        // openssl runs on a thread of its own, not on the cooperative pool the servers of other tests need.
        let pki = try await offPool { try TestCertificates.make() }
        defer { pki.remove() }
        let simulator = try DataWorksSimulator(
            deployments: [Fixtures.success],
            tls: .init(
                certificatePEM: try String(contentsOfFile: pki.serverCertificateFile, encoding: .utf8),
                privateKeyPEM: try String(contentsOfFile: pki.serverKeyFile, encoding: .utf8)
            )
        )
        let config = try OperationsEndToEndTests.ConfigFile(endpoint: simulator.endpoint, ids: [3_000_001])
        defer { config.remove() }
        var environment = OperationsEndToEndTests.environment
        if source == "ca_file" {
            try config.write(
                Harness.config(
                    endpoint: simulator.endpoint,
                    project: "project_id: \(Fixtures.projectId)",
                    ids: [3_000_001],
                    dataworks: "  retries: 0\n  ca_file: \(pki.caFile)"
                )
            )
        } else if source != "none" {
            environment[source] = pki.caFile
        }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let exporter = try await ExporterProcess.start(["--config.file", config.file.path], environment: environment)
        let answer = try await OperationsEndToEndTests.scrape(client, exporter.url)
        let (status, log) = await exporter.stop()
        #expect(status == 0, "\(log)")
        await simulator.stop()
        return answer
    }

    @Test(arguments: ["ca_file", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
    func privateCAIsTrustedWhenGiven(source: String) async throws {
        let answer = try await scrape(source: source)
        #expect(answer.text.contains(Self.success), "\(source): \(answer.text)")
        #expect(answer.samples[Self.tlsErrors] == 0, "\(source)")
    }

    /// The same upstream without the CA fails the certificate check: the cases above are not vacuous.
    @Test func privateCAIsRefusedOtherwise() async throws {
        let answer = try await scrape(source: "none")
        #expect(!answer.text.contains(Self.success))
        #expect((answer.samples[Self.tlsErrors] ?? 0) >= 1, "\(answer.text)")
    }
}
