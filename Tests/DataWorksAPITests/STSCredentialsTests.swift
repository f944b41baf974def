import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import LockedValue
import Testing

struct STSCredentialsTests {
    static let sourceId = "LTAISourceKey"
    static let roleArn = "acs:ram::1234567890123456:role/dataworks-exporter"

    /// A fake STS that verifies V1 signatures of `AssumeRole` with the test secret and answers with credentials that
    /// expire an hour after `clock`; it rejects bad signatures as STS does.
    static func assumeRoleHandler(
        clock: ManualClock,
        counter: Locked<Int>
    )
        -> @Sendable (ServerRequest) async ->
        ServerResponse
    {
        { request in
            let query = queryDictionary(request)
            let verification = SignatureVerifier.verifyV1(
                method: request.method,
                query: query,
                bodyParameters: [:],
                secretForAccessKeyId: { $0 == sourceId ? Secret(TestSecrets.accessKeySecret) : nil }
            )
            guard verification.isOK, query["Action"] == "AssumeRole" else {
                return FakeBodies.json(
                    ["Code": "SignatureDoesNotMatch", "RequestId": "REQ-BAD", "Message": "no"],
                    status: 400
                )
            }
            let number = counter.withLock {
                $0 += 1
                return $0
            }
            return FakeBodies.sts(id: "STS.role\(number)", expiration: clock.now + 3600)
        }
    }

    @Test func assumeRoleSendsASignedGetWithEveryParameter() async throws {
        let clock = ManualClock()
        let counter = Locked(0)
        try await withFake(Self.assumeRoleHandler(clock: clock, counter: counter)) { fake, client async throws in
            let source = StaticCredentialsProvider(
                accessKeyId: Self.sourceId,
                accessKeySecret: Secret(TestSecrets.accessKeySecret),
                securityToken: Secret(TestSecrets.securityToken)
            )
            let provider = RAMRoleARNCredentialsProvider(
                source: source,
                parameters: try AssumeRoleParameters(
                    roleArn: Self.roleArn,
                    roleSessionName: "exporter-session",
                    durationSeconds: 1800,
                    policy: #"{"Version":"1","Statement":[{"Effect":"Allow","Action":"dataworks:Get*"}]}"#,
                    externalId: "ext-42"
                ),
                stsEndpoint: fake.url,
                httpClient: client,
                policy: clock.policy,
                logger: CapturedLog().logger
            )
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyId == "STS.role1")
            #expect(credentials.accessKeySecret.value == TestSecrets.stsSecret)
            #expect(credentials.securityToken?.value == TestSecrets.stsToken)
            #expect(credentials.providerName == "ram_role_arn/static_sts")

            let request = try #require(fake.requests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/")
            let query = queryDictionary(request)
            #expect(query["Action"] == "AssumeRole")
            #expect(query["Format"] == "JSON")
            #expect(query["Version"] == "2015-04-01")
            #expect(query["DurationSeconds"] == "1800")
            #expect(query["RoleArn"] == Self.roleArn)
            #expect(query["RoleSessionName"] == "exporter-session")
            #expect(query["ExternalId"] == "ext-42")
            #expect(query["Policy"]?.contains("dataworks:Get*") == true)
            #expect(query["SecurityToken"] == TestSecrets.securityToken)
            #expect(query["SignatureMethod"] == "HMAC-SHA1")
            #expect(query["SignatureVersion"] == "1.0")
            #expect(query["Timestamp"] == ACSTimestamp.format(epochSeconds: clock.now))
            #expect((query["SignatureNonce"] ?? "").count >= 16)
            #expect(query["AccessKeyId"] == Self.sourceId)
            #expect(counter.withLock { $0 } == 1)
        }
    }

    @Test func assumeRoleWithAWrongSecretIsRejectedWithTheSTSCode() async throws {
        let clock = ManualClock()
        try await withFake(Self.assumeRoleHandler(clock: clock, counter: Locked(0))) { fake, client async throws in
            let provider = RAMRoleARNCredentialsProvider(
                source: StaticCredentialsProvider(accessKeyId: Self.sourceId, accessKeySecret: Secret("wrong")),
                parameters: try AssumeRoleParameters(roleArn: Self.roleArn),
                stsEndpoint: fake.url,
                httpClient: client,
                policy: clock.policy,
                logger: CapturedLog().logger
            )
            await expectFailure(
                provider,
                contains: ["ram_role_arn", "HTTP 400", "SignatureDoesNotMatch", "REQ-BAD", "(AssumeRole)"]
            )
            // The query (Signature, AccessKeyId) never appears in the error.
            do {
                _ = try await provider.credentials()
            } catch {
                #expect(!"\(error)".contains("Signature="))
                #expect(!"\(error)".contains("?"))
            }
            #expect(
                fake.requests.first.map { queryDictionary($0)["RoleSessionName"] } == "dataworks-exporter-\(clock.now)"
            )
            #expect(fake.requests.first.map { queryDictionary($0)["DurationSeconds"] } == "3600")
        }
    }

    @Test func durationBelow900IsRejectedLocally() {
        #expect(
            throws: CredentialsError.argumentInvalid(
                name: "DurationSeconds",
                reason: "must be at least 900 seconds, got 899"
            )
        ) {
            try AssumeRoleParameters(roleArn: Self.roleArn, durationSeconds: 899)
        }
        #expect(throws: CredentialsError.self) { try AssumeRoleParameters(roleArn: "") }
        #expect((try? AssumeRoleParameters(roleArn: Self.roleArn, durationSeconds: 900)) != nil)
    }

    @Test func endpointResolution() {
        #expect(STSEndpoint.resolve(environment: [:]) == "https://sts.aliyuncs.com")
        #expect(
            STSEndpoint.resolve(environment: ["ALIBABA_CLOUD_STS_REGION": "cn-shanghai"])
                == "https://sts.cn-shanghai.aliyuncs.com"
        )
        #expect(
            STSEndpoint.resolve(
                environment: ["ALIBABA_CLOUD_STS_REGION": "cn-shanghai", "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED": "true"]
            ) == "https://sts-vpc.cn-shanghai.aliyuncs.com"
        )
        #expect(
            STSEndpoint.resolve(region: "cn-beijing", vpc: false, environment: ["ALIBABA_CLOUD_STS_REGION": "x"])
                == "https://sts.cn-beijing.aliyuncs.com"
        )
        #expect(
            STSEndpoint.resolve(override: "sts.cn-hangzhou.aliyuncs.com", region: "x", environment: [:])
                == "https://sts.cn-hangzhou.aliyuncs.com"
        )
        #expect(STSEndpoint.resolve(override: "http://127.0.0.1:1/", environment: [:]) == "http://127.0.0.1:1")
    }

    @Test func oidcIsUnsignedAndRereadsTheTokenFileOnEveryRefresh() async throws {
        let clock = ManualClock()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenFile = directory + "/token"
        try writeFile(TestSecrets.oidcToken + "-1\n", to: tokenFile)
        let handler: @Sendable (ServerRequest) async -> ServerResponse = { request in
            let query = queryDictionary(request)
            let token = query["OIDCToken"] ?? "none"
            return FakeBodies.sts(id: "STS.oidc-" + String(token.suffix(1)), expiration: clock.now + 3600)
        }
        try await withFake(handler) { fake, client async throws in
            let log = CapturedLog()
            let provider = try #require(
                OIDCRoleARNCredentialsProvider.fromEnvironment(
                    [
                        "ALIBABA_CLOUD_ROLE_ARN": Self.roleArn,
                        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1:oidc-provider/ack",
                        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": tokenFile,
                        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "rrsa-session",
                    ],
                    stsEndpoint: fake.url,
                    httpClient: client,
                    policy: clock.policy,
                    logger: log.logger
                )
            )
            #expect(try await provider.credentials().accessKeyId == "STS.oidc-1")
            try writeFile(TestSecrets.oidcToken + "-2", to: tokenFile)
            // Still fresh: served from the cache, the file is not read.
            clock.advance(3600 - 900 - 1)
            #expect(try await provider.credentials().accessKeyId == "STS.oidc-1")
            clock.advance(1)
            #expect(try await provider.credentials().accessKeyId == "STS.oidc-2")

            #expect(fake.requests.count == 2)
            let query = queryDictionary(try #require(fake.requests.last))
            #expect(query["Action"] == "AssumeRoleWithOIDC")
            #expect(query["Format"] == "JSON")
            #expect(query["Version"] == "2015-04-01")
            #expect(query["RoleArn"] == Self.roleArn)
            #expect(query["OIDCProviderArn"] == "acs:ram::1:oidc-provider/ack")
            #expect(query["OIDCToken"] == TestSecrets.oidcToken + "-2")
            #expect(query["RoleSessionName"] == "rrsa-session")
            #expect(query["DurationSeconds"] == "3600")
            #expect(query["Timestamp"] == ACSTimestamp.format(epochSeconds: clock.now))
            #expect(query["Signature"] == nil)
            #expect(query["AccessKeyId"] == nil)
            TestSecrets.expectAbsent(log.text, "log")

            try FileManager.default.removeItem(atPath: tokenFile)
            clock.advance(3600)
            await expectFailure(provider, contains: ["OIDC token file", tokenFile])
        }
    }

    @Test func oidcNeedsAllThreeVariables() throws {
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let full = [
            "ALIBABA_CLOUD_ROLE_ARN": Self.roleArn,
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "p",
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE": "/t",
        ]
        #expect(
            OIDCRoleARNCredentialsProvider.fromEnvironment(full, httpClient: client, logger: CapturedLog().logger)
                != nil
        )
        for name in full.keys {
            var partial = full
            partial[name] = ""
            #expect(
                OIDCRoleARNCredentialsProvider.fromEnvironment(
                    partial,
                    httpClient: client,
                    logger: CapturedLog().logger
                )
                    == nil
            )
        }
    }
}
