import CurlClient
import Foundation
import Testing

@testable import DataWorksAPI

struct CredentialsTests {
    /// One client for the providers here, which never call out (their endpoints point at a closed loopback port).
    static let client = try! CurlHTTPClient()

    /// A context that cannot reach anything but a closed loopback port, with the metadata service and the CLI file
    /// switched off unless `environment` says otherwise.
    static func context(_ environment: [String: String], home: String? = nil) -> CredentialsContext {
        CredentialsContext(
            environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"]
                .merging(environment) { $1 },
            homeDirectory: home,
            httpClient: client,
            stsEndpoint: "http://127.0.0.1:9",
            metadataBaseURL: "http://127.0.0.1:9"
        )
    }
    static let secretValue = "SuperSecretValue123"
    static let tokenValue = "TokenValue456"

    /// A temporary directory removed at deinit-free end of each test via `defer`.
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "dwapi-cred-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func assertNoSecrets(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(Self.secretValue), sourceLocation: sourceLocation)
        #expect(!text.contains(Self.tokenValue), sourceLocation: sourceLocation)
    }

    @Test func secretNeverPrints() {
        let secret = Secret(Self.secretValue)
        let credentials = Credentials(
            accessKeyId: "AKID",
            accessKeySecret: secret,
            securityToken: Secret(Self.tokenValue),
            providerName: "static_sts"
        )
        assertNoSecrets("\(secret)")
        assertNoSecrets(String(describing: secret))
        assertNoSecrets(String(reflecting: secret))
        assertNoSecrets("\(credentials)")
        assertNoSecrets(String(describing: credentials))
        assertNoSecrets(String(reflecting: credentials))
        assertNoSecrets("\(Optional(secret) as Any)")
        assertNoSecrets("\([credentials])")
        var dumped = ""
        dump(credentials, to: &dumped)
        assertNoSecrets(dumped)
        var dumpedSecret = ""
        dump(secret, to: &dumpedSecret)
        assertNoSecrets(dumpedSecret)
        #expect(dumped.contains("AKID"))
        #expect(String(describing: credentials).contains("AKID"))
        #expect(Mirror(reflecting: secret).children.isEmpty)
        let provider = StaticCredentialsProvider(accessKeyId: "AKID", accessKeySecret: secret)
        var dumpedProvider = ""
        dump(provider, to: &dumpedProvider)
        assertNoSecrets(dumpedProvider)
        assertNoSecrets("\(provider)")
    }

    @Test func staticProvider() async throws {
        let ak = StaticCredentialsProvider(accessKeyId: "id", accessKeySecret: Secret("s"))
        #expect(ak.name == "static_ak")
        let credentials = try await ak.credentials()
        #expect(credentials.accessKeyId == "id")
        #expect(credentials.accessKeySecret.value == "s")
        #expect(credentials.securityToken == nil)
        let sts = StaticCredentialsProvider(accessKeyId: "id", accessKeySecret: Secret("s"), securityToken: Secret("t"))
        #expect(sts.name == "static_sts")
        #expect(try await sts.credentials().securityToken?.value == "t")
    }

    @Test func environmentProvider() async throws {
        let provider = EnvironmentCredentialsProvider(environment: [
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": Self.secretValue,
            "ALIBABA_CLOUD_SECURITY_TOKEN": Self.tokenValue,
        ])
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId == "AKID")
        #expect(credentials.accessKeySecret.value == Self.secretValue)
        #expect(credentials.securityToken?.value == Self.tokenValue)
        #expect(credentials.providerName == "env")

        let noToken = EnvironmentCredentialsProvider(environment: [
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": Self.secretValue,
            "ALIBABA_CLOUD_SECURITY_TOKEN": "",
        ])
        #expect(try await noToken.credentials().securityToken == nil)
    }

    @Test func environmentProviderRequiresBothValues() async {
        let cases: [[String: String]] = [
            [:],
            ["ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID"],
            ["ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": Self.secretValue],
            ["ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""],
        ]
        for environment in cases {
            do {
                _ = try await EnvironmentCredentialsProvider(environment: environment).credentials()
                Issue.record("accepted \(environment.keys.sorted())")
            } catch {
                let text = String(describing: error)
                #expect(text.contains("ALIBABA_CLOUD_ACCESS_KEY"))
                assertNoSecrets(text)
            }
        }
    }

    @Test func profileFileAccessKey() async throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try write(
            """
            # comment line
            ; another comment
            [default]
            type = access_key          # inline comment
            access_key_id = AKID ; trailing
            access_key_secret = \(Self.secretValue)

            [other]
            type=access_key
            access_key_id=OTHER
            access_key_secret=\(Self.secretValue)2
            [ram]
            type = rsa_key_pair
            access_key_id = X
            access_key_secret = \(Self.secretValue)
            role_arn = acs:ram::1:role/x
            [broken]
            type = access_key
            access_key_id = B
            """,
            to: home + "/.alibabacloud/credentials.ini"
        )
        let provider = ProfileFileCredentialsProvider(context: Self.context([:], home: home))
        #expect(try provider.path() == home + "/.alibabacloud/credentials.ini")
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId == "AKID")
        #expect(credentials.accessKeySecret.value == Self.secretValue)
        #expect(credentials.providerName == "profile/static_ak")

        let other = ProfileFileCredentialsProvider(
            context: Self.context(["ALIBABA_CLOUD_PROFILE": "other", "HOME": home])
        )
        #expect(try await other.credentials().accessKeyId == "OTHER")

        await expectCredentialsError(
            ProfileFileCredentialsProvider(context: Self.context(["ALIBABA_CLOUD_PROFILE": "ram"], home: home)),
            contains: ["rsa_key_pair", "not supported", "[ram]"]
        )
        await expectCredentialsError(
            ProfileFileCredentialsProvider(context: Self.context(["ALIBABA_CLOUD_PROFILE": "broken"], home: home)),
            contains: ["access_key_secret", "[broken]"]
        )
        await expectCredentialsError(
            ProfileFileCredentialsProvider(context: Self.context(["ALIBABA_CLOUD_PROFILE": "nope"], home: home)),
            contains: ["[nope]"]
        )
    }

    @Test func profileFileFromVariable() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/custom.ini"
        try write("[default]\ntype = access_key\naccess_key_id = FILEID\naccess_key_secret = s3cr3t\n", to: path)
        let provider = ProfileFileCredentialsProvider(
            context: Self.context(["ALIBABA_CLOUD_CREDENTIALS_FILE": path], home: "/nonexistent")
        )
        #expect(try await provider.credentials().accessKeyId == "FILEID")

        let tilde = ProfileFileCredentialsProvider(
            context: Self.context(["ALIBABA_CLOUD_CREDENTIALS_FILE": "~/custom.ini"], home: directory)
        )
        #expect(try tilde.path() == path)
        #expect(try await tilde.credentials().accessKeyId == "FILEID")

        await expectCredentialsError(
            ProfileFileCredentialsProvider(
                context: Self.context(["ALIBABA_CLOUD_CREDENTIALS_FILE": directory + "/missing.ini"])
            ),
            contains: ["missing.ini", "does not exist"]
        )
        await expectCredentialsError(ProfileFileCredentialsProvider(context: Self.context([:])), contains: ["HOME"])
    }

    private func expectCredentialsError(
        _ provider: some CredentialsProvider,
        contains fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            _ = try await provider.credentials()
            Issue.record("credentials loaded", sourceLocation: sourceLocation)
        } catch {
            let text = String(describing: error)
            for fragment in fragments {
                #expect(text.contains(fragment), "\(text) lacks \(fragment)", sourceLocation: sourceLocation)
            }
            assertNoSecrets(text, sourceLocation: sourceLocation)
            assertNoSecrets("\(error)", sourceLocation: sourceLocation)
            assertNoSecrets(error.localizedDescription, sourceLocation: sourceLocation)
        }
    }

    @Test func defaultChainPrefersEnvironment() async throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try write(
            "[default]\ntype = access_key\naccess_key_id = FILEID\naccess_key_secret = \(Self.secretValue)\n",
            to: home + "/.alibabacloud/credentials.ini"
        )
        let fromEnvironment = DefaultCredentialsChain(
            context: Self.context(
                ["ALIBABA_CLOUD_ACCESS_KEY_ID": "ENVID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "x"],
                home: home
            )
        )
        #expect(fromEnvironment.providerNames == ["env", "profile"])
        let first = try await fromEnvironment.credentials()
        #expect(first.accessKeyId == "ENVID")
        #expect(first.providerName == "default/env")

        let fromFile = DefaultCredentialsChain(context: Self.context([:], home: home))
        let second = try await fromFile.credentials()
        #expect(second.accessKeyId == "FILEID")
        #expect(second.providerName == "default/profile/static_ak")
    }

    @Test func defaultChainListsEveryFailure() async throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try write(
            "[default]\ntype = ecs_ram_role\nrole_name = r\naccess_key_secret = \(Self.secretValue)\n",
            to: home + "/.alibabacloud/credentials.ini"
        )
        let chain = DefaultCredentialsChain(
            context: Self.context(
                [
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": Self.secretValue,
                    "ALIBABA_CLOUD_SECURITY_TOKEN": Self.tokenValue,
                ],
                home: home
            )
        )
        do {
            _ = try await chain.credentials()
            Issue.record("chain succeeded")
        } catch let error as CredentialsError {
            guard case .chainExhausted(let failures) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(failures.map(\.provider) == ["env", "profile"])
            #expect(failures[0].reason.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"))
            #expect(failures[1].reason.contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED"))
            let text = error.description
            #expect(text.contains("env:"))
            #expect(text.contains("profile:"))
            assertNoSecrets(text)
            assertNoSecrets("\(error)")
            var dumped = ""
            dump(error, to: &dumped)
            assertNoSecrets(dumped)
        }
    }

    @Test func iniParsing() {
        let sections = ProfileFileCredentialsProvider.parseINI(
            "[a]\r\nKey = v # c\r\nother: w\n[ b ]\nx=1;2\nstray\n"
        )
        #expect(sections["a"] == ["key": "v", "other": "w"])
        #expect(sections["b"] == ["x": "1"])
    }
}
