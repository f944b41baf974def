import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import LockedValue
import Testing

/// One loopback fake standing in for STS (`/?Action=…`), the ECS metadata service (`/latest/…`) and a credentials
/// URI (`/credentials`). Each can be switched off (it then answers 503).
final class CloudFake: Sendable {
    let clock = ManualClock()
    let imdsUp = Locked(true)
    let uriUp = Locked(true)
    let endpoint: FakeEndpoint

    static let sourceId = "LTAISourceKey"

    init() throws {
        let clock = clock
        let imdsUp = imdsUp
        let uriUp = uriUp
        endpoint = try FakeEndpoint { request in
            if request.path.hasPrefix("/latest/") {
                guard imdsUp.withLock({ $0 }) else { return .text("down", status: 503) }
                return ECSRAMRoleCredentialsTests.IMDS(clock: clock).handle(request)
            }
            if request.path == "/credentials" {
                guard uriUp.withLock({ $0 }) else { return .text("down", status: 503) }
                var body = FakeBodies.temporary(id: "STS.uri", expiration: clock.now + 3600)
                body["Code"] = "Success"
                return FakeBodies.json(body)
            }
            let query = queryDictionary(request)
            switch query["Action"] {
            case "AssumeRoleWithOIDC":
                return FakeBodies.sts(id: "STS.oidc", expiration: clock.now + 3600)
            case "AssumeRole":
                let verification = SignatureVerifier.verifyV1(
                    method: request.method,
                    query: query,
                    bodyParameters: [:],
                    secretForAccessKeyId: { id in
                        if id == CloudFake.sourceId { return Secret(TestSecrets.accessKeySecret) }
                        if id.hasPrefix("STS.") { return Secret(TestSecrets.stsSecret) }
                        return nil
                    }
                )
                guard verification.isOK else {
                    return FakeBodies.json(["Code": "SignatureDoesNotMatch", "RequestId": "R"], status: 400)
                }
                let role = (query["RoleArn"] ?? "").split(separator: "/").last.map(String.init) ?? "?"
                return FakeBodies.sts(id: "STS.\(role)", expiration: clock.now + 3600)
            default:
                return .text("unknown", status: 400)
            }
        }
    }

    var url: String { endpoint.url }

    func context(
        _ environment: [String: String],
        home: String,
        client: CurlHTTPClient,
        log: CapturedLog = CapturedLog()
    )
        -> CredentialsContext
    {
        CredentialsContext(
            environment: environment,
            homeDirectory: home,
            httpClient: client,
            stsEndpoint: url,
            metadataBaseURL: url,
            refreshPolicy: clock.policy,
            logger: log.logger
        )
    }

    /// Requests that reached the metadata service part.
    var imdsRequests: Int { endpoint.requests.filter { $0.path.hasPrefix("/latest/") }.count }
}

func withCloudFake<Result>(_ body: (CloudFake, CurlHTTPClient, String) async throws -> Result) async throws -> Result {
    let fake = try CloudFake()
    let client = try CurlHTTPClient()
    let home = try makeTemporaryDirectory()
    defer {
        try? FileManager.default.removeItem(atPath: home)
    }
    do {
        let result = try await body(fake, client, home)
        client.shutdown()
        await fake.endpoint.stop()
        return result
    } catch {
        client.shutdown()
        await fake.endpoint.stop()
        throw error
    }
}

struct CredentialsChainTests {
    static let environmentAK = [
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "ENVID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": TestSecrets.accessKeySecret,
    ]

    static func oidcEnvironment(_ tokenFile: String) -> [String: String] {
        [
            "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1:role/oidc",
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1:oidc-provider/ack",
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE": tokenFile,
        ]
    }

    static let cliConfig = """
        {"current": "main", "profiles": [
          {"name": "main", "mode": "AK", "access_key_id": "CLIID", "access_key_secret": "\(TestSecrets.accessKeySecret)",
           "expired_seconds": 0, "region_id": "cn-hangzhou", "output_format": "json"}
        ], "meta_path": ""}
        """

    static let iniAK =
        "[default]\ntype = access_key\naccess_key_id = INIID\naccess_key_secret = \(TestSecrets.accessKeySecret)\n"

    @Test func providersInTheSDKOrder() async throws {
        try await withCloudFake { fake, client, home async throws in
            let everything = Self.environmentAK.merging(Self.oidcEnvironment(home + "/token")) { $1 }
                .merging(["ALIBABA_CLOUD_CREDENTIALS_URI": fake.url + "/credentials"]) { $1 }
            let chain = DefaultCredentialsChain(context: fake.context(everything, home: home, client: client))
            #expect(
                chain.providerNames == [
                    "env", "oidc_role_arn", "cli_profile", "profile", "ecs_ram_role", "credentials_uri",
                ]
            )
            let minimal = DefaultCredentialsChain(
                context: fake.context(
                    [
                        "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": "/only/one/of/three",
                    ],
                    home: home,
                    client: client
                )
            )
            #expect(minimal.providerNames == ["env", "profile"])
        }
    }

    @Test func eachProviderWinsOverTheOnesAfterIt() async throws {
        try await withCloudFake { fake, client, home async throws in
            try writeFile(TestSecrets.oidcToken, to: home + "/token")
            try writeFile(Self.cliConfig, to: home + "/.aliyun/config.json")
            try writeFile(Self.iniAK, to: home + "/.alibabacloud/credentials.ini")
            let uri = ["ALIBABA_CLOUD_CREDENTIALS_URI": fake.url + "/credentials"]
            var environment = Self.environmentAK.merging(Self.oidcEnvironment(home + "/token")) { $1 }
                .merging(uri) { $1 }

            func chosen() async throws -> String {
                let chain = DefaultCredentialsChain(context: fake.context(environment, home: home, client: client))
                let credentials = try await chain.credentials()
                return "\(credentials.providerName) \(credentials.accessKeyId)"
            }
            #expect(try await chosen() == "default/env ENVID")
            environment["ALIBABA_CLOUD_ACCESS_KEY_ID"] = nil
            #expect(try await chosen() == "default/oidc_role_arn STS.oidc")
            environment["ALIBABA_CLOUD_ROLE_ARN"] = nil
            #expect(try await chosen() == "default/cli_profile/static_ak CLIID")
            environment["ALIBABA_CLOUD_CLI_PROFILE_DISABLED"] = "true"
            #expect(try await chosen() == "default/profile/static_ak INIID")
            try FileManager.default.removeItem(atPath: home + "/.alibabacloud/credentials.ini")
            #expect(fake.imdsRequests == 0)
            #expect(try await chosen() == "default/ecs_ram_role STS.ecs")
            #expect(fake.imdsRequests == 3)
            fake.imdsUp.withLock { $0 = false }
            #expect(try await chosen() == "default/credentials_uri STS.uri")
            fake.uriUp.withLock { $0 = false }
            do {
                _ = try await chosen()
                Issue.record("chain succeeded")
            } catch let error as CredentialsError {
                guard case .chainExhausted(let failures) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(failures.map(\.provider) == ["env", "profile", "ecs_ram_role", "credentials_uri"])
                TestSecrets.expectAbsent(error.description, "chain error")
            }
        }
    }

    @Test func theChainSticksToTheFirstProviderThatSucceeded() async throws {
        try await withCloudFake { fake, client, home async throws in
            fake.imdsUp.withLock { $0 = false }
            let chain = DefaultCredentialsChain(
                context: fake.context(
                    ["ALIBABA_CLOUD_CREDENTIALS_URI": fake.url + "/credentials"],
                    home: home,
                    client: client
                )
            )
            #expect(chain.chosenProviderName == nil)
            #expect(try await chain.credentials().providerName == "default/credentials_uri")
            #expect(chain.chosenProviderName == "credentials_uri")
            let imdsBefore = fake.imdsRequests
            #expect(imdsBefore > 0)
            // The metadata service comes up and an AccessKey appears in the INI file: the chain stays with the URI.
            fake.imdsUp.withLock { $0 = true }
            try writeFile(Self.iniAK, to: home + "/.alibabacloud/credentials.ini")
            fake.clock.advance(3600)
            #expect(try await chain.credentials().providerName == "default/credentials_uri")
            #expect(fake.imdsRequests == imdsBefore)
            // And its failure is thrown as is, without trying the others.
            fake.uriUp.withLock { $0 = false }
            fake.clock.advance(3600)
            await expectFailure(chain, contains: ["credentials_uri", "HTTP 503"])
            #expect(fake.imdsRequests == imdsBefore)
        }
    }

    /// Guard: with `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` the default chain never builds a metadata request, even
    /// for an `EcsRamRole` CLI profile or an `ecs_ram_role` INI section; without it, the same setup does reach the
    /// (fake) metadata service.
    @Test func ecsDisabledNeverReachesTheMetadataService() async throws {
        try await withCloudFake { fake, client, home async throws in
            try writeFile(
                #"{"current": "ecs", "profiles": [{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "ConfiguredRole"}]}"#,
                to: home + "/.aliyun/config.json"
            )
            try writeFile("[default]\ntype = ecs_ram_role\n", to: home + "/.alibabacloud/credentials.ini")
            let disabled = DefaultCredentialsChain(
                context: fake.context(["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"], home: home, client: client)
            )
            #expect(!disabled.providerNames.contains("ecs_ram_role"))
            await expectFailure(disabled, contains: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED", "cli_profile", "profile"])
            #expect(fake.imdsRequests == 0)

            let enabled = DefaultCredentialsChain(context: fake.context([:], home: home, client: client))
            #expect(try await enabled.credentials().providerName == "default/cli_profile/ecs_ram_role")
            #expect(fake.imdsRequests > 0)
        }
    }

    @Test func credentialsURIErrors() async throws {
        try await withCloudFake { fake, client, _ async throws in
            fake.uriUp.withLock { $0 = false }
            let provider = URICredentialsProvider(
                uri:
                    "http://user:pw@127.0.0.1:\(fake.endpoint.server.ports[0])/credentials?token=\(TestSecrets.oidcToken)",
                httpClient: client,
                policy: fake.clock.policy,
                logger: CapturedLog().logger
            )
            await expectFailure(provider, contains: ["credentials_uri", "HTTP 503", "http://127.0.0.1:"])
            do {
                _ = try await provider.credentials()
            } catch {
                #expect(!"\(error)".contains("pw@"))
            }
        }
    }
}
