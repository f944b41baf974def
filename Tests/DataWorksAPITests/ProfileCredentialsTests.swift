import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import Testing

/// `~/.aliyun/config.json` and `~/.alibabacloud/credentials.ini`, every mode and type, against the loopback fake.
struct ProfileCredentialsTests {
    static let config = """
        {
          "current": "ak",
          "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": "\(CloudFake.sourceId)",
             "access_key_secret": "\(TestSecrets.accessKeySecret)", "sts_token": "", "expired_seconds": 0},
            {"name": "sts", "mode": "StsToken", "access_key_id": "STS.given",
             "access_key_secret": "\(TestSecrets.stsSecret)", "sts_token": "\(TestSecrets.securityToken)"},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "\(CloudFake.sourceId)",
             "access_key_secret": "\(TestSecrets.accessKeySecret)", "ram_role_arn": "acs:ram::1:role/first",
             "ram_session_name": "cli-session", "expired_seconds": 1200, "external_id": "ext",
             "sts_region": "cn-shanghai", "enable_vpc": true},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role",
             "ram_role_arn": "acs:ram::1:role/second"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "ConfiguredRole"},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/oidc",
             "oidc_provider_arn": "acs:ram::1:oidc-provider/ack", "oidc_token_file": "TOKENFILE"},
            {"name": "sso", "mode": "CloudSSO"},
            {"name": "short", "mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "b",
             "ram_role_arn": "acs:ram::1:role/x", "expired_seconds": 600},
            {"name": "nokey", "mode": "AK", "access_key_id": "a"},
            {"name": "loop1", "mode": "ChainableRamRoleArn", "source_profile": "loop2", "ram_role_arn": "r"},
            {"name": "loop2", "mode": "ChainableRamRoleArn", "source_profile": "loop1", "ram_role_arn": "r"}
          ]
        }
        """

    func cli(
        _ fake: CloudFake,
        _ client: CurlHTTPClient,
        home: String,
        profile: String? = nil
    ) -> CLIProfileCredentialsProvider {
        CLIProfileCredentialsProvider(
            context: fake.context(profile.map { ["ALIBABA_CLOUD_PROFILE": $0] } ?? [:], home: home, client: client)
        )
    }

    @Test func cliConfigModes() async throws {
        try await withCloudFake { fake, client, home async throws in
            try writeFile(TestSecrets.oidcToken, to: home + "/token")
            try writeFile(
                Self.config.replacingOccurrences(of: "TOKENFILE", with: home + "/token"),
                to: home + "/.aliyun/config.json"
            )
            #expect(try cli(fake, client, home: home).path() == home + "/.aliyun/config.json")
            func load(_ profile: String?) async throws -> String {
                let credentials = try await cli(fake, client, home: home, profile: profile).credentials()
                return "\(credentials.providerName) \(credentials.accessKeyId) sts=\(credentials.isSTS)"
            }
            #expect(try await load(nil) == "cli_profile/static_ak \(CloudFake.sourceId) sts=false")
            #expect(try await load("sts") == "cli_profile/static_sts STS.given sts=true")
            #expect(try await load("role") == "cli_profile/ram_role_arn/static_ak STS.first sts=true")
            let roleQuery = queryDictionary(try #require(fake.endpoint.requests.last))
            #expect(roleQuery["RoleSessionName"] == "cli-session")
            #expect(roleQuery["DurationSeconds"] == "1200")
            #expect(roleQuery["ExternalId"] == "ext")
            #expect(try await load("chained") == "cli_profile/ram_role_arn/ram_role_arn STS.second sts=true")
            // The second AssumeRole is signed with the first role's STS credentials and carries its token.
            let chainedQuery = queryDictionary(try #require(fake.endpoint.requests.last))
            #expect(chainedQuery["AccessKeyId"] == "STS.first")
            #expect(chainedQuery["SecurityToken"] == TestSecrets.stsToken)
            #expect(try await load("ecs") == "cli_profile/ecs_ram_role STS.ecs sts=true")
            #expect(fake.endpoint.requests.last?.path == "/latest/meta-data/ram/security-credentials/ConfiguredRole")
            #expect(try await load("oidc") == "cli_profile/oidc_role_arn STS.oidc sts=true")
        }
    }

    @Test func cliConfigErrorsNameTheFileAndProfile() async throws {
        try await withCloudFake { fake, client, home async throws in
            let path = home + "/.aliyun/config.json"
            await expectFailure(cli(fake, client, home: home), contains: [path, "does not exist"])
            try writeFile(Self.config, to: path)
            await expectFailure(
                cli(fake, client, home: home, profile: "sso"),
                contains: [path, "profile sso", "mode CloudSSO", "not supported"]
            )
            await expectFailure(
                cli(fake, client, home: home, profile: "short"),
                contains: [path, "profile short", "expired_seconds", "900", "600"]
            )
            await expectFailure(
                cli(fake, client, home: home, profile: "nokey"),
                contains: [path, "profile nokey", "access_key_secret", "missing"]
            )
            await expectFailure(
                cli(fake, client, home: home, profile: "missing"),
                contains: [path, "no profile named missing"]
            )
            await expectFailure(
                cli(fake, client, home: home, profile: "loop1"),
                contains: [path, "loop1 -> loop2 -> loop1"]
            )
            try writeFile(
                #"{"current": "a", "profiles": [{"name": "a", "mode": "AK", "expired_seconds": "soon"}]}"#,
                to: path
            )
            await expectFailure(
                cli(fake, client, home: home),
                contains: [path, "profiles[0].expired_seconds should be an integer"]
            )
            try writeFile("{\"current\": \"a\", \"profiles\": [ \(TestSecrets.accessKeySecret)", to: path)
            await expectFailure(cli(fake, client, home: home), contains: [path, "not valid JSON"])
            try writeFile(#"{"profiles": []}"#, to: path)
            await expectFailure(cli(fake, client, home: home), contains: [path, "no profile chosen"])

            let disabled = CLIProfileCredentialsProvider(
                context: fake.context(["ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"], home: home, client: client)
            )
            await expectFailure(disabled, contains: ["ALIBABA_CLOUD_CLI_PROFILE_DISABLED"])
        }
    }

    func ini(
        _ fake: CloudFake,
        _ client: CurlHTTPClient,
        home: String,
        profile: String? = nil
    )
        -> ProfileFileCredentialsProvider
    {
        ProfileFileCredentialsProvider(
            context: fake.context(profile.map { ["ALIBABA_CLOUD_PROFILE": $0] } ?? [:], home: home, client: client)
        )
    }

    @Test func iniTypes() async throws {
        try await withCloudFake { fake, client, home async throws in
            try writeFile(TestSecrets.oidcToken, to: home + "/token")
            try writeFile(
                """
                [default]
                type = access_key
                access_key_id = INIID
                access_key_secret = \(TestSecrets.accessKeySecret)
                [role]
                type = ram_role_arn
                access_key_id = \(CloudFake.sourceId)
                access_key_secret = \(TestSecrets.accessKeySecret)
                role_arn = acs:ram::1:role/inirole
                role_session_name = ini-session
                [oidc]
                type = oidc_role_arn
                role_arn = acs:ram::1:role/oidc
                oidc_provider_arn = acs:ram::1:oidc-provider/ack
                oidc_token_file_path = \(home)/token
                [ecs]
                type = ecs_ram_role
                role_name = ConfiguredRole
                [rsa]
                type = rsa_key_pair
                [norole]
                type = ram_role_arn
                access_key_id = a
                access_key_secret = b
                """,
                to: home + "/.alibabacloud/credentials.ini"
            )
            func load(_ profile: String?) async throws -> String {
                let credentials = try await ini(fake, client, home: home, profile: profile).credentials()
                return "\(credentials.providerName) \(credentials.accessKeyId)"
            }
            #expect(try await load(nil) == "profile/static_ak INIID")
            #expect(try await load("role") == "profile/ram_role_arn/static_ak STS.inirole")
            #expect(queryDictionary(try #require(fake.endpoint.requests.last))["RoleSessionName"] == "ini-session")
            #expect(try await load("oidc") == "profile/oidc_role_arn STS.oidc")
            #expect(try await load("ecs") == "profile/ecs_ram_role STS.ecs")
            let path = home + "/.alibabacloud/credentials.ini"
            await expectFailure(
                ini(fake, client, home: home, profile: "rsa"),
                contains: [path, "[rsa]", "rsa_key_pair", "not supported"]
            )
            await expectFailure(
                ini(fake, client, home: home, profile: "norole"),
                contains: [path, "[norole]", "role_arn"]
            )
        }
    }
}
