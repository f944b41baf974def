import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import HTTPServer
import LoopbackSocket
import Testing

/// `--web.config.file` end to end: the exporter with TLS, client certificates, basic auth and extra headers, asked
/// by libcurl over loopback with certificates the test makes.
@Suite struct WebSecurityTests {
    /// TLS that requires a client certificate signed by the test CA.
    static let verifiedClientCertificates = """
        tls_server_config:
          cert_file: server.crt
          key_file: server.key
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.crt
        """

    /// A bcrypt hash (cost 4, to keep the tests fast) of `Self.password`.
    static let password = "s3cret: with colon"
    static let hash = PasswordHash.crypt(password: password, setting: "$2b$04$abcdefghijklmnopqrstuu") ?? ""

    @Test func tlsServesMetricsWithBasicAuthAndHeaders() async throws {
        let pki = try TestCertificates.make()
        defer { pki.remove() }
        let yaml = """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            http_server_config:
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000
            basic_auth_users:
              prometheus: \(Self.hash)
            """
        try await withWebExporter(yaml, pki: pki) { (server: WebExporter) async throws in
            let tls = TLSOptions(caFile: pki.caFile)
            let scrape = try await server.get("/metrics", tls: tls, user: "prometheus", password: Self.password)
            #expect(scrape.status == 200)
            #expect(String(decoding: scrape.body, as: UTF8.self).contains("dataworks_up 1"))
            #expect(scrape.header("X-Frame-Options") == "deny")
            #expect(scrape.header("Strict-Transport-Security") == "max-age=31536000")

            let anonymous = try await server.get("/metrics", tls: tls)
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate") == #"Basic realm="dataworks-exporter""#)
            #expect(anonymous.header("X-Frame-Options") == "deny")

            // The certificate is checked: without the test CA libcurl refuses the server.
            await #expect(throws: TransportError.self) {
                _ = try await server.get("/-/healthy", tls: TLSOptions(caFile: pki.clientCertificateFile))
            }
        }
    }

    @Test func basicAuthRefusesWrongPasswordsAndUnknownUsersOnEveryPath() async throws {
        let pki = try TestCertificates.make()
        defer { pki.remove() }
        let yaml = """
            basic_auth_users:
              prometheus: \(Self.hash)
              other: \(Self.hash)
            """
        try await withWebExporter(yaml, pki: pki, scheme: "http") { (server: WebExporter) async throws in
            for path in ["/metrics", "/", "/-/healthy", "/-/ready", "/nothing-here"] {
                let anonymous = try await server.get(path)
                #expect(anonymous.status == 401, "\(path)")
                #expect(anonymous.header("WWW-Authenticate") == #"Basic realm="dataworks-exporter""#, "\(path)")
            }
            for (user, password) in [("prometheus", "wrong"), ("nobody", Self.password), ("prometheus", "")] {
                let refused = try await server.get("/-/healthy", user: user, password: password)
                #expect(refused.status == 401, "\(user)")
                #expect(refused.header("WWW-Authenticate") == #"Basic realm="dataworks-exporter""#)
            }
            let garbled = try await server.get(
                "/-/healthy",
                headers: [HTTPHeader(name: "Authorization", value: "Basic !!!not-base64")]
            )
            #expect(garbled.status == 401)
            for user in ["prometheus", "other"] {
                #expect(try await server.get("/-/healthy", user: user, password: Self.password).status == 200)
                // Cached now; still right.
                #expect(try await server.get("/-/healthy", user: user, password: Self.password).status == 200)
            }
            #expect(try await server.get("/-/healthy", user: "prometheus", password: "wrong").status == 401)
        }
    }

    @Test func minVersionRefusesOlderClients() async throws {
        let pki = try TestCertificates.make()
        defer { pki.remove() }
        // OpenSSL 3 speaks TLS 1.1 only at security level 0.
        let tls11 = TLSOptions(
            caFile: pki.caFile,
            minVersion: .tls11,
            maxVersion: .tls11,
            cipherList: "DEFAULT:@SECLEVEL=0"
        )
        let tls12 = TLSOptions(caFile: pki.caFile, minVersion: .tls12, maxVersion: .tls12)
        let tls13 = TLSOptions(caFile: pki.caFile, minVersion: .tls13, maxVersion: .tls13)
        let base = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"

        // The control: with min_version TLS11 this client gets through, so a refusal below is the server's.
        try await withWebExporter(base + "  min_version: TLS11\n", pki: pki) { (server: WebExporter) async throws in
            #expect(try await server.get("/-/healthy", tls: tls11).status == 200)
        }
        // The default minimum is TLS 1.2.
        try await withWebExporter(base, pki: pki) { (server: WebExporter) async throws in
            await #expect(throws: TransportError.self) { _ = try await server.get("/-/healthy", tls: tls11) }
            #expect(try await server.get("/-/healthy", tls: tls12).status == 200)
            #expect(try await server.get("/-/healthy", tls: tls13).status == 200)
        }
        try await withWebExporter(base + "  min_version: TLS13\n", pki: pki) { (server: WebExporter) async throws in
            await #expect(throws: TransportError.self) { _ = try await server.get("/-/healthy", tls: tls12) }
            #expect(try await server.get("/-/healthy", tls: tls13).status == 200)
        }
        try await withWebExporter(base + "  max_version: TLS12\n", pki: pki) { (server: WebExporter) async throws in
            await #expect(throws: TransportError.self) { _ = try await server.get("/-/healthy", tls: tls13) }
            #expect(try await server.get("/-/healthy", tls: tls12).status == 200)
        }
    }

    @Test func requireAndVerifyClientCertAcceptsOnlyCertificatesOfTheClientCA() async throws {
        let pki = try TestCertificates.make()
        defer { pki.remove() }
        try await withWebExporter(Self.verifiedClientCertificates, pki: pki) { (server: WebExporter) async throws in
            for version in [TLSOptions.Version.tls12, .tls13] {
                let good = TLSOptions(
                    caFile: pki.caFile,
                    clientCertificateFile: pki.clientCertificateFile,
                    clientKeyFile: pki.clientKeyFile,
                    minVersion: version,
                    maxVersion: version
                )
                let rogue = TLSOptions(
                    caFile: pki.caFile,
                    clientCertificateFile: pki.rogueCertificateFile,
                    clientKeyFile: pki.rogueKeyFile,
                    minVersion: version,
                    maxVersion: version
                )
                let none = TLSOptions(caFile: pki.caFile, minVersion: version, maxVersion: version)
                await #expect(throws: TransportError.self, "no certificate, \(version)") {
                    _ = try await server.get("/-/healthy", tls: none)
                }
                await #expect(throws: TransportError.self, "rogue certificate, \(version)") {
                    _ = try await server.get("/-/healthy", tls: rogue)
                }
                let accepted = try await server.get("/metrics", tls: good)
                #expect(accepted.status == 200, "\(version)")
                #expect(String(decoding: accepted.body, as: UTF8.self).contains("dataworks_up 1"))
            }
        }
    }

    @Test func otherClientAuthTypes() async throws {
        let pki = try TestCertificates.make()
        defer { pki.remove() }
        let none = TLSOptions(caFile: pki.caFile)
        let good = TLSOptions(
            caFile: pki.caFile,
            clientCertificateFile: pki.clientCertificateFile,
            clientKeyFile: pki.clientKeyFile
        )
        let rogue = TLSOptions(
            caFile: pki.caFile,
            clientCertificateFile: pki.rogueCertificateFile,
            clientKeyFile: pki.rogueKeyFile
        )
        let base = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        try await withWebExporter(
            base + "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n",
            pki: pki
        ) { (server: WebExporter) async throws in
            #expect(try await server.get("/-/healthy", tls: none).status == 200)
            #expect(try await server.get("/-/healthy", tls: good).status == 200)
            await #expect(throws: TransportError.self) { _ = try await server.get("/-/healthy", tls: rogue) }
        }
        try await withWebExporter(base + "  client_auth_type: RequireAnyClientCert\n", pki: pki) {
            (server: WebExporter) async throws in
            await #expect(throws: TransportError.self) { _ = try await server.get("/-/healthy", tls: none) }
            #expect(try await server.get("/-/healthy", tls: rogue).status == 200)
        }
        try await withWebExporter(base + "  client_auth_type: RequestClientCert\n", pki: pki) {
            (server: WebExporter) async throws in
            #expect(try await server.get("/-/healthy", tls: none).status == 200)
            #expect(try await server.get("/-/healthy", tls: rogue).status == 200)
        }
    }

    @Test func failedHandshakesDoNotTakeTheServerDown() async throws {
        let pki = try TestCertificates.make()
        defer { pki.remove() }
        try await withWebExporter(Self.verifiedClientCertificates, pki: pki) { (server: WebExporter) async throws in
            let good = TLSOptions(
                caFile: pki.caFile,
                clientCertificateFile: pki.clientCertificateFile,
                clientKeyFile: pki.clientKeyFile
            )
            for round in 0..<5 {
                // Plain HTTP to the TLS port.
                await #expect(throws: TransportError.self) {
                    _ = try await server.client.send(
                        HTTPRequest(
                            method: "GET",
                            url: "http://127.0.0.1:\(server.port)/-/healthy",
                            timeout: .seconds(10)
                        )
                    )
                }
                // Raw garbage, then a connection closed half-way through a ClientHello.
                try sendRaw(Array("\u{16}\u{03}\u{01}\u{02}\u{00}garbage\r\n\r\n".utf8), port: server.port)
                try sendRaw([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00], port: server.port)
                // A client without a certificate.
                await #expect(throws: TransportError.self) {
                    _ = try await server.get("/-/healthy", tls: TLSOptions(caFile: pki.caFile))
                }
                #expect(try await server.get("/-/healthy", tls: good).status == 200, "round \(round)")
            }
        }
    }
}

// MARK: - Support

/// A running exporter with a web configuration, and a client for it.
struct WebExporter {
    let port: Int
    let scheme: String
    let client: CurlHTTPClient

    func get(
        _ path: String,
        tls: TLSOptions? = nil,
        user: String? = nil,
        password: String? = nil,
        headers: [HTTPHeader] = []
    ) async throws -> HTTPResponse {
        var fields = headers
        if let user, let password {
            let token = Data("\(user):\(password)".utf8).base64EncodedString()
            fields.append(HTTPHeader(name: "Authorization", value: "Basic \(token)"))
        }
        return try await client.send(
            HTTPRequest(
                method: "GET",
                url: "\(scheme)://127.0.0.1:\(port)\(path)",
                headers: fields,
                timeout: .seconds(20),
                tls: tls
            )
        )
    }
}

/// Writes `yaml` next to the certificates, loads it through ``WebConfig/load(path:)``, starts the simulator and an
/// exporter on a free loopback port with it, runs `body`, and stops both.
func withWebExporter(
    _ yaml: String,
    pki: TestCertificates,
    scheme: String = "https",
    _ body: (WebExporter) async throws -> Void
) async throws {
    let file = pki.path("web-\(UUID()).yml")
    try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
    let webConfig = try WebConfig.load(path: file)
    let simulator = try DataWorksSimulator(deployments: Fixtures.all)
    let exporter: Exporter
    do {
        let yaml = Harness.config(
            endpoint: simulator.endpoint,
            project: "project_id: \(Fixtures.projectId)",
            ids: Fixtures.all.map(\.deploymentId)
        )
        exporter = try Exporter(
            config: try ExporterConfig.parse(yaml: yaml, file: "test.yml"),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            options: .init(listenAddresses: ["127.0.0.1:0"], webConfig: webConfig),
            logger: LogCapture().logger
        )
    } catch {
        await simulator.stop()
        throw error
    }
    let client = try CurlHTTPClient()
    let server = WebExporter(port: exporter.ports[0], scheme: scheme, client: client)
    do {
        try await body(server)
    } catch {
        client.shutdown()
        await exporter.stop()
        await simulator.stop()
        throw error
    }
    client.shutdown()
    await exporter.stop()
    await simulator.stop()
}

/// Connects to 127.0.0.1:`port`, writes `bytes`, ends its side, reads until the server closes (or 5 s pass), closes.
func sendRaw(_ bytes: [UInt8], port: Int) throws {
    let socket = try LoopbackSocket(port: port, receiveTimeout: 5)
    socket.send(bytes)
    // End of input: the server sees a handshake cut short.
    socket.endSending()
    _ = socket.receiveAll()
    socket.close()
}
