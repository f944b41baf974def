import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import Testing

struct ECSRAMRoleCredentialsTests {
    /// How the fake metadata service behaves.
    struct IMDS: Sendable {
        /// Status of `PUT /latest/api/token`.
        var tokenStatus = 200
        /// Whether requests carrying the token fail with 401 (a broken IMDSv2).
        var rejectTokenRequests = false
        /// Whether requests without the token fail with 403 (IMDSv1 turned off on the instance).
        var requireToken = false
        var code = "Success"
        var clock: ManualClock

        var handler: @Sendable (ServerRequest) async -> ServerResponse { { handle($0) } }

        func handle(_ request: ServerRequest) -> ServerResponse {
            if request.path == "/latest/api/token" {
                guard request.method == "PUT", request.header("X-aliyun-ecs-metadata-token-ttl-seconds") == "21600"
                else { return .text("bad token request", status: 400) }
                return tokenStatus == 200 ? .text(TestSecrets.imdsToken) : .text("no", status: tokenStatus)
            }
            let token = request.header("X-aliyun-ecs-metadata-token")
            if token != nil && (rejectTokenRequests || token != TestSecrets.imdsToken) {
                return .text("no", status: 401)
            }
            if token == nil && requireToken { return .text("no", status: 403) }
            switch request.path {
            case "/latest/meta-data/ram/security-credentials/":
                return .text("EcsExporterRole")
            case "/latest/meta-data/ram/security-credentials/EcsExporterRole",
                "/latest/meta-data/ram/security-credentials/ConfiguredRole":
                var body = FakeBodies.temporary(id: "STS.ecs", expiration: clock.now + 21600)
                body["Code"] = code
                body["LastUpdated"] = ACSTimestamp.format(epochSeconds: clock.now)
                return FakeBodies.json(body)
            default:
                return .text("not found", status: 404)
            }
        }
    }

    func provider(
        _ fake: FakeEndpoint,
        _ client: CurlHTTPClient,
        clock: ManualClock,
        environment: [String: String] = [:],
        log: CapturedLog = CapturedLog()
    ) -> ECSRAMRoleCredentialsProvider {
        ECSRAMRoleCredentialsProvider(
            options: .fromEnvironment(environment, metadataBaseURL: fake.url),
            httpClient: client,
            policy: clock.policy,
            logger: log.logger
        )
    }

    @Test func imdsV2TokenFirstThenRoleThenCredentials() async throws {
        let clock = ManualClock()
        let imds = IMDS(requireToken: true, clock: clock)
        try await withFake(imds.handler) { fake, client async throws in
            let log = CapturedLog()
            let provider = provider(fake, client, clock: clock, log: log)
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyId == "STS.ecs")
            #expect(credentials.securityToken?.value == TestSecrets.stsToken)
            #expect(credentials.providerName == "ecs_ram_role")
            #expect(
                fake.paths == [
                    "PUT /latest/api/token",
                    "GET /latest/meta-data/ram/security-credentials/",
                    "GET /latest/meta-data/ram/security-credentials/EcsExporterRole",
                ]
            )
            #expect(
                fake.requests.dropFirst().allSatisfy {
                    $0.header("X-aliyun-ecs-metadata-token") == TestSecrets.imdsToken
                }
            )
            // Cached until 15 minutes before the 6 h expiry.
            clock.advance(21600 - 901)
            _ = try await provider.credentials()
            #expect(fake.requests.count == 3)
            clock.advance(1)
            _ = try await provider.credentials()
            #expect(fake.requests.count == 6)
            TestSecrets.expectAbsent(log.text, "log")
        }
    }

    @Test func roleNameFromTheEnvironmentSkipsTheLookup() async throws {
        let clock = ManualClock()
        let imds = IMDS(clock: clock)
        try await withFake(imds.handler) { fake, client async throws in
            let provider = provider(
                fake,
                client,
                clock: clock,
                environment: ["ALIBABA_CLOUD_ECS_METADATA": "ConfiguredRole"]
            )
            #expect(try await provider.credentials().accessKeyId == "STS.ecs")
            #expect(
                fake.paths == [
                    "PUT /latest/api/token", "GET /latest/meta-data/ram/security-credentials/ConfiguredRole",
                ]
            )
        }
    }

    @Test func fallsBackToIMDSv1WhenTheTokenRequestFails() async throws {
        let clock = ManualClock()
        let imds = IMDS(tokenStatus: 404, clock: clock)
        try await withFake(imds.handler) { fake, client async throws in
            #expect(try await provider(fake, client, clock: clock).credentials().accessKeyId == "STS.ecs")
            #expect(fake.requests.count == 3)
            #expect(fake.requests.dropFirst().allSatisfy { $0.header("X-aliyun-ecs-metadata-token") == nil })
        }
    }

    @Test func fallsBackToIMDSv1WhenARequestWithTheTokenFails() async throws {
        let clock = ManualClock()
        let imds = IMDS(rejectTokenRequests: true, clock: clock)
        try await withFake(imds.handler) { fake, client async throws in
            #expect(try await provider(fake, client, clock: clock).credentials().accessKeyId == "STS.ecs")
            #expect(
                fake.requests.map { "\($0.path) \($0.header("X-aliyun-ecs-metadata-token") == nil ? "v1" : "v2")" }
                    == [
                        "/latest/api/token v1",
                        "/latest/meta-data/ram/security-credentials/ v2",
                        "/latest/meta-data/ram/security-credentials/ v1",
                        "/latest/meta-data/ram/security-credentials/EcsExporterRole v2",
                        "/latest/meta-data/ram/security-credentials/EcsExporterRole v1",
                    ]
            )
        }
    }

    @Test func imdsV1DisabledNeverSendsATokenlessRequest() async throws {
        let clock = ManualClock()
        try await withFake(IMDS(tokenStatus: 403, clock: clock).handler) { fake, client async throws in
            let provider = provider(fake, client, clock: clock, environment: ["ALIBABA_CLOUD_IMDSV1_DISABLED": "true"])
            await expectFailure(provider, contains: ["ecs_ram_role", "/latest/api/token", "HTTP 403"])
            #expect(fake.paths == ["PUT /latest/api/token"])
        }
        try await withFake(IMDS(rejectTokenRequests: true, clock: clock).handler) { fake, client async throws in
            let provider = provider(fake, client, clock: clock, environment: ["ALIBABA_CLOUD_IMDSV1_DISABLED": "TRUE"])
            await expectFailure(provider, contains: ["HTTP 401"])
            #expect(fake.paths == ["PUT /latest/api/token", "GET /latest/meta-data/ram/security-credentials/"])
        }
    }

    @Test func codeOtherThanSuccessIsAnError() async throws {
        let clock = ManualClock()
        try await withFake(IMDS(code: "Failed", clock: clock).handler) { fake, client async throws in
            await expectFailure(provider(fake, client, clock: clock), contains: ["Code is Failed", "EcsExporterRole"])
        }
    }

    @Test func disabledMakesNoRequestAtAll() async throws {
        let clock = ManualClock()
        try await withFake(IMDS(clock: clock).handler) { fake, client async throws in
            let provider = provider(
                fake,
                client,
                clock: clock,
                environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"]
            )
            await expectFailure(provider, contains: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"])
            #expect(fake.requests.isEmpty)
        }
    }

    @Test func unreachableMetadataServiceIsARequestFailure() async throws {
        let clock = ManualClock()
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        // Port 1 on loopback: nothing listens there, and no test can take it (they bind port 0), unlike the port
        // of a fake that was stopped, which a test running in parallel may be given next.
        let url = "http://127.0.0.1:1"
        let provider = ECSRAMRoleCredentialsProvider(
            options: .init(metadataBaseURL: url),
            httpClient: client,
            policy: clock.policy,
            logger: CapturedLog().logger
        )
        await expectFailure(provider, contains: ["ecs_ram_role: no response from", url])
    }
}
