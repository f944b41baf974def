import DataWorksExporter
import Foundation
import HTTPServer
import LockedValue
import Testing

@Suite struct WebConfigTests {
    static let hash = "$2b$10$I4D4SJ44jp9j5ao5BuDgkOeyc/5yUdGWYff3juBdzt.jnNPdfxQPq"

    func error(_ yaml: String, file: String = "/etc/dataworks/web.yml") -> ConfigError? {
        do {
            _ = try WebConfig.parse(yaml: yaml, file: file)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyFileServesPlainHTTPWithoutAuthentication() throws {
        let config = try WebConfig.parse(yaml: "", file: "web.yml")
        #expect(config.tls == nil && config.headers.isEmpty && config.users.isEmpty)
        // TLS settings without a certificate or client auth do not turn TLS on (as in the toolkit).
        let versionOnly = try WebConfig.parse(yaml: "tls_server_config:\n  min_version: TLS13\n", file: "web.yml")
        #expect(versionOnly.tls == nil)
    }

    @Test func usersAndHeadersAreRead() throws {
        let config = try WebConfig.parse(
            yaml: """
                http_server_config:
                  http2: false
                  headers:
                    X-Content-Type-Options: nosniff
                    Content-Security-Policy: "default-src 'self'"
                    X-XSS-Protection: ""
                basic_auth_users:
                  prometheus: \(Self.hash)
                  "grafana agent": \(Self.hash)
                """,
            file: "web.yml"
        )
        #expect(config.users == ["prometheus": Self.hash, "grafana agent": Self.hash])
        #expect(
            config.headers == [
                .init(name: "X-Content-Type-Options", value: "nosniff"),
                .init(name: "Content-Security-Policy", value: "default-src 'self'"),
            ]
        )
    }

    @Test(arguments: [
        ("tls_server_config:\n  cert_fil: a.crt\n", 2, 3, "unknown key \"cert_fil\" in tls_server_config"),
        ("tls:\n  cert_file: a\n", 1, 1, "unknown key \"tls\" in the web configuration"),
        ("http_server_config:\n  headers:\n    X-Powered-By: me\n", 3, 5, "unknown key \"X-Powered-By\" in headers"),
        ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3, 22, "X-Frame-Options must be one of"),
        ("basic_auth_users:\n  prometheus: changeme\n", 2, 15, "must be a bcrypt hash"),
        ("basic_auth_users:\n  \"a:b\": \(hash)\n", 2, 3, "must not contain \":\""),
        ("basic_auth_users: [prometheus]\n", 1, 19, "basic_auth_users must be a mapping"),
        ("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS1.2\n", 4, 16, "TLS10, TLS11"),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: Always\n", 4, 21,
            "NoClientCert"
        ),
        ("tls_server_config:\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", 2, 3, "does not support"),
        ("rate_limit:\n  burst: 5\n", 1, 1, "does not support"),
        ("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n", 2, 14, "does not exist"),
        ("tls_server_config:\n  key_file: a.key\n", 2, 3, "tls_server_config needs cert_file (or cert)"),
        ("tls_server_config:\n  prefer_server_cipher_suites: maybe\n", 2, 32, "must be true or false"),
        ("basic_auth_users:\n  a: \(hash)\n  a: \(hash)\n", 3, 3, "appears more than once"),
        ("tls_server_config: [\n", 2, 1, "YAML syntax error"),
    ])
    func errorsNameFileLineAndColumn(yaml: String, line: Int, column: Int, message: String) throws {
        let error = try #require(self.error(yaml))
        #expect(error.file == "/etc/dataworks/web.yml")
        #expect(error.line == line && error.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect("\(error)".hasPrefix("/etc/dataworks/web.yml:\(line):\(column): "))
    }

    @Test func missingCertificateFileIsResolvedAgainstTheConfigDirectory() throws {
        let error = try #require(self.error("tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"))
        #expect(error.message.contains("/etc/dataworks/tls.crt does not exist"), "\(error)")
    }

    @Test func missingFileSaysWhatToDo() {
        #expect(throws: ConfigError.self) { try WebConfig.load(path: "/nonexistent/web-\(UUID()).yml") }
        do {
            _ = try WebConfig.load(path: "/nonexistent/web.yml")
        } catch {
            #expect(error.message.contains("--web.config.file"))
        }
    }
}

@Suite struct BasicAuthenticatorTests {
    static let password = "correct horse"
    static let hash = PasswordHash.crypt(password: password, setting: "$2b$04$0123456789abcdefghijkl") ?? ""

    /// libxcrypt's crypt_r, counted.
    final class CountingHasher: Sendable {
        let calls = Locked<[String]>([])

        var hasher: BasicAuthenticator.Hasher {
            { [self] password, setting in
                calls.withLock { $0.append(setting) }
                return PasswordHash.crypt(password: password, setting: setting)
            }
        }
        var count: Int { calls.withLock { $0.count } }
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func cryptVerifiesHtpasswdHashes() throws {
        #expect(Self.hash.hasPrefix("$2b$04$") && Self.hash.count == 60)
        // examples/web-config.yml says this is "changeme" (made with htpasswd -nBC 10).
        let example = WebConfigTests.hash
        #expect(PasswordHash.crypt(password: "changeme", setting: example) == example)
        #expect(PasswordHash.crypt(password: "changemf", setting: example) != example)
        #expect(PasswordHash.crypt(password: "x", setting: "not a setting") == nil)
        #expect(PasswordHash.crypt(password: "a\u{0}b", setting: example) == nil)
    }

    @Test func rightPasswordPassesAndTheSecondCheckComesFromTheCache() async {
        let counter = CountingHasher()
        let authenticator = BasicAuthenticator(users: ["prometheus": Self.hash], hasher: counter.hasher)
        #expect(await authenticator.isAuthorized(Self.basic("prometheus", Self.password)))
        #expect(counter.count == 1)
        #expect(await authenticator.isAuthorized(Self.basic("prometheus", Self.password)))
        #expect(await authenticator.isAuthorized("basic  " + Self.basic("prometheus", Self.password).dropFirst(6)))
        #expect(counter.count == 1)
        // A wrong password is hashed once, then answered from the cache too.
        #expect(!(await authenticator.isAuthorized(Self.basic("prometheus", "wrong"))))
        #expect(!(await authenticator.isAuthorized(Self.basic("prometheus", "wrong"))))
        #expect(counter.count == 2)
    }

    @Test func unknownUsersAreHashedAgainstADummyOfTheSameCost() async {
        let counter = CountingHasher()
        let authenticator = BasicAuthenticator(users: ["prometheus": Self.hash], hasher: counter.hasher)
        #expect(!(await authenticator.isAuthorized(Self.basic("nobody", Self.password))))
        let setting = counter.calls.withLock { $0.first }
        #expect(setting?.hasPrefix("$2b$04$") == true)
        #expect(setting != Self.hash)
        // The dummy is a setting crypt_r accepts, so the time is spent.
        #expect(PasswordHash.crypt(password: Self.password, setting: setting ?? "") != nil)
        // The known user's password does not open the dummy either.
        #expect(!(await authenticator.isAuthorized(Self.basic("nobody", Self.password))))
    }

    @Test(arguments: [
        nil, "", "Basic", "Bearer abc", "Basic !!!", "Basic " + Data("no colon".utf8).base64EncodedString(),
    ])
    func malformedHeadersFailWithoutHashing(header: String?) async {
        let counter = CountingHasher()
        let authenticator = BasicAuthenticator(users: ["prometheus": Self.hash], hasher: counter.hasher)
        #expect(!(await authenticator.isAuthorized(header)))
        #expect(counter.count == 0)
    }

    @Test func cacheIsBounded() async {
        let authenticator = BasicAuthenticator(users: ["u": Self.hash]) { _, _ in nil }
        for index in 0..<(BasicAuthenticator.cacheCapacity + 10) {
            #expect(!(await authenticator.isAuthorized(Self.basic("u", "p\(index)"))))
        }
    }

    @Test func gateAnswers401WithChallengeAndAddsHeaders() async {
        let counter = CountingHasher()
        let config = WebConfig(
            headers: [.init(name: "X-Frame-Options", value: "deny")],
            users: ["prometheus": Self.hash]
        )
        let gate = WebGate(config: config, hasher: counter.hasher)
        let next: @Sendable (ServerRequest) async -> ServerResponse = { _ in .text("ok\n") }
        let refused = await gate.handle(ServerRequest(method: "GET", path: "/metrics"), next: next)
        #expect(refused.status == 401)
        #expect(refused.headers.contains { $0.name == "WWW-Authenticate" && $0.value == WebGate.challenge })
        #expect(refused.headers.contains { $0.name == "X-Frame-Options" && $0.value == "deny" })
        let request = ServerRequest(
            method: "GET",
            path: "/metrics",
            headers: [HTTPHeader(name: "authorization", value: Self.basic("prometheus", Self.password))]
        )
        let accepted = await gate.handle(request, next: next)
        #expect(accepted.status == 200 && accepted.body == Array("ok\n".utf8))
        #expect(accepted.headers.contains { $0.name == "X-Frame-Options" })
        #expect(!accepted.headers.contains { $0.name == "WWW-Authenticate" })
        // Without users every request passes, and the headers still come.
        let open = WebGate(config: WebConfig(headers: config.headers), hasher: counter.hasher)
        let answer = await open.handle(ServerRequest(method: "GET", path: "/"), next: next)
        #expect(answer.status == 200 && answer.headers.contains { $0.name == "X-Frame-Options" })
        #expect(counter.count == 1)
    }
}
