import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import LockedValue
import Testing

/// Runs every credential provider, successful and failing, with logs captured at debug level, and scans everything
/// they produce (error descriptions, log lines, descriptions, `dump` of providers, chains and credentials) for the
/// test secrets.
struct CredentialsSecretHygieneTests {
    @Test func noSecretInAnyOutput() async throws {
        try await withCloudFake { fake, client, home async throws in
            let log = CapturedLog()
            var outputs: [(String, String)] = []
            func record(_ what: String, _ value: Any) {
                var dumped = ""
                dump(value, to: &dumped)
                outputs.append((what + " dump", dumped))
                outputs.append((what + " description", String(describing: value)))
                outputs.append((what + " reflecting", String(reflecting: value)))
            }
            func run(_ what: String, _ provider: any CredentialsProvider) async {
                do {
                    let credentials = try await provider.credentials()
                    record(what + " credentials", credentials)
                    record(what + " credentials list", [credentials])
                } catch {
                    record(what + " error", error)
                    outputs.append((what + " localized", error.localizedDescription))
                }
                record(what + " provider", provider)
            }

            try writeFile(TestSecrets.oidcToken, to: home + "/token")
            try writeFile(
                ProfileCredentialsTests.config.replacingOccurrences(of: "TOKENFILE", with: home + "/token"),
                to: home + "/.aliyun/config.json"
            )
            try writeFile(
                "[default]\ntype = ram_role_arn\naccess_key_id = \(CloudFake.sourceId)\n"
                    + "access_key_secret = \(TestSecrets.accessKeySecret)\nrole_arn = acs:ram::1:role/ini\n",
                to: home + "/.alibabacloud/credentials.ini"
            )
            let secrets: [String: String] = [
                "ALIBABA_CLOUD_ACCESS_KEY_ID": "ENVID",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": TestSecrets.accessKeySecret,
                "ALIBABA_CLOUD_SECURITY_TOKEN": TestSecrets.securityToken,
                "ALIBABA_CLOUD_CREDENTIALS_URI": fake.url + "/credentials?token=" + TestSecrets.oidcToken,
            ]
            let context = fake.context(secrets, home: home, client: client, log: log)
            record("context", context)
            for profile in ["ak", "sts", "role", "chained", "ecs", "oidc", "sso", "short", "nokey", "loop1", "missing"]
            {
                var environment = secrets
                environment["ALIBABA_CLOUD_PROFILE"] = profile
                let profileContext = fake.context(environment, home: home, client: client, log: log)
                await run("cli \(profile)", CLIProfileCredentialsProvider(context: profileContext))
            }
            await run("ini", ProfileFileCredentialsProvider(context: context))
            await run("env", EnvironmentCredentialsProvider(environment: secrets))
            await run(
                "uri",
                URICredentialsProvider(
                    uri: secrets["ALIBABA_CLOUD_CREDENTIALS_URI"] ?? "",
                    httpClient: client,
                    policy: fake.clock.policy,
                    logger: log.logger
                )
            )
            await run("ecs", context.ecsProviderForTests())

            // A chain that succeeds, then one that fails everywhere.
            let chain = DefaultCredentialsChain(context: context)
            await run("chain", chain)
            fake.imdsUp.withLock { $0 = false }
            fake.uriUp.withLock { $0 = false }
            let failing = DefaultCredentialsChain(
                context: fake.context(
                    ["ALIBABA_CLOUD_CREDENTIALS_URI": secrets["ALIBABA_CLOUD_CREDENTIALS_URI"] ?? ""],
                    home: home + "/nowhere",
                    client: client,
                    log: log
                )
            )
            await run("failing chain", failing)

            // Refresh failures are logged (warning) and the old credentials served.
            let uri = URICredentialsProvider(
                uri: fake.url + "/credentials",
                httpClient: client,
                policy: fake.clock.policy,
                logger: log.logger
            )
            fake.uriUp.withLock { $0 = true }
            await run("uri before", uri)
            fake.uriUp.withLock { $0 = false }
            fake.clock.advance(3000)
            await run("uri after", uri)

            #expect(log.text.contains("credentials refresh failed"))
            #expect(log.text.contains("credentials refreshed"))
            #expect(outputs.count > 50)
            for (what, text) in outputs { TestSecrets.expectAbsent(text, what) }
            TestSecrets.expectAbsent(log.text, "log")
        }
    }
}

extension CredentialsContext {
    /// The ECS provider this context's chain would use.
    func ecsProviderForTests() -> ECSRAMRoleCredentialsProvider {
        ECSRAMRoleCredentialsProvider(
            options: .fromEnvironment(environment, metadataBaseURL: metadataBaseURL),
            httpClient: httpClient,
            policy: refreshPolicy,
            logger: logger
        )
    }
}
