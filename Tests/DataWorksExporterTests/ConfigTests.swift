import DataWorksAPI
import Foundation
import Testing

@testable import DataWorksExporter

struct ConfigTests {
    /// Parses `yaml` expecting one error at `line`:`column` whose message contains every string in `contains`.
    @discardableResult
    func expectError(
        _ yaml: String,
        _ code: ConfigError.Code,
        line: Int,
        column: Int,
        contains: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigError? {
        let error = #expect(throws: ConfigError.self, sourceLocation: sourceLocation) {
            try ExporterConfig.parse(yaml: yaml, file: "/etc/dw/config.yml")
        }
        guard let error else {
            return nil
        }
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.file == "/etc/dw/config.yml", sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.column == column, "\(error)", sourceLocation: sourceLocation)
        for text in contains {
            #expect(error.message.contains(text), "\(error.message) lacks \(text)", sourceLocation: sourceLocation)
        }
        return error
    }

    // MARK: - Valid files

    @Test func fullValidExample() throws {
        let yaml = """
            dataworks:
              endpoint: http://127.0.0.1:18089
              signature: v1
              network: vpc
              concurrency: 16
              connect_timeout: 2s
              request_timeout: 1m30s
              retries: 0
              user_agent: "ops-team/1.0"
              access_key_id_file: secrets/ak_id
              access_key_secret_file: /run/secrets/ak_secret
            collector:
              scrape_timeout: 1m
              timeout_offset: 250ms
              cache_ttl: 15s
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [3000001, 3000002]
              - region_id: ap-southeast-1
                project_identifier: dw_project
                deployment_ids:
                  - 3000001
              - region_id: cn-zhangjiakou
                project_identifier: dw_project   # same numbers, another project
                deployment_ids: [3000001]
            """
        let config = try ExporterConfig.parse(yaml: yaml, file: "/etc/dw/config.yml")
        let expected = ExporterConfig(
            dataworks: DataWorksSettings(
                endpoint: "http://127.0.0.1:18089",
                signature: .v1,
                network: .vpc,
                concurrency: 16,
                connectTimeout: .seconds(2),
                requestTimeout: .seconds(90),
                retries: 0,
                userAgent: "ops-team/1.0",
                credentialFiles: .init(
                    accessKeyIdFile: "/etc/dw/secrets/ak_id",
                    accessKeySecretFile: "/run/secrets/ak_secret"
                )
            ),
            collector: CollectorSettings(
                scrapeTimeout: .seconds(60),
                timeoutOffset: .milliseconds(250),
                cacheTTL: .seconds(15)
            ),
            targets: [
                Target(regionId: "cn-zhangjiakou", project: .id(10000), deploymentIds: [3_000_001, 3_000_002]),
                Target(regionId: "ap-southeast-1", project: .identifier("dw_project"), deploymentIds: [3_000_001]),
                Target(regionId: "cn-zhangjiakou", project: .identifier("dw_project"), deploymentIds: [3_000_001]),
            ]
        )
        #expect(config == expected)
        #expect(config.targets.map(\.project.description) == ["10000", "dw_project", "dw_project"])
    }

    @Test func defaults() throws {
        for yaml in ["", "# nothing\n", "targets: []\n", "dataworks:\ncollector:\ntargets:\n"] {
            let config = try ExporterConfig.parse(yaml: yaml, file: "c.yml")
            #expect(config == ExporterConfig())
        }
        let settings = DataWorksSettings()
        #expect(settings.endpoint == nil)
        #expect(settings.signature == .v3)
        #expect(settings.network == .public)
        #expect(settings.concurrency == 8)
        #expect(settings.connectTimeout == .seconds(5))
        #expect(settings.requestTimeout == .seconds(10))
        #expect(settings.retries == 2)
        #expect(settings.userAgent == nil)
        #expect(settings.credentialFiles == nil)
        #expect(
            CollectorSettings() == CollectorSettings(scrapeTimeout: .seconds(30), timeoutOffset: .milliseconds(500))
        )
        #expect(CollectorSettings().cacheTTL == .zero)
    }

    @Test func emptyStringsMeanUnset() throws {
        let yaml = """
            dataworks:
              endpoint: ""
              user_agent: ""
              access_key_id_file: ""
              access_key_secret_file: ""
            """
        #expect(try ExporterConfig.parse(yaml: yaml, file: "c.yml") == ExporterConfig())
    }

    @Test func loadReadsAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dw-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("config.yml").path
        let yaml = """
            dataworks:
              access_key_id_file: id.txt
              access_key_secret_file: ./secret.txt
            targets:
              - {region_id: cn-hangzhou, project_id: 1, deployment_ids: [2]}
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        let config = try ExporterConfig.load(path: path)
        #expect(config.targets == [Target(regionId: "cn-hangzhou", project: .id(1), deploymentIds: [2])])
        #expect(config.dataworks.credentialFiles?.accessKeyIdFile == directory.path + "/id.txt")
        #expect(config.dataworks.credentialFiles?.accessKeySecretFile == directory.path + "/secret.txt")

        let missing = #expect(throws: ConfigError.self) { try ExporterConfig.load(path: directory.path + "/nope.yml") }
        #expect(missing?.code == .io)
        #expect(missing?.line == nil)
        #expect(
            missing?.description == directory.path
                + "/nope.yml: no such file; give the configuration with --config.file PATH (see examples/dataworks.yml)"
        )

        try Data([0x74, 0x3A, 0x20, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
        let binary = #expect(throws: ConfigError.self) { try ExporterConfig.load(path: path) }
        #expect(binary?.code == .io)
    }

    // MARK: - Keys

    @Test func unknownKeysNameTheKeyAndTheAllowedOnes() {
        expectError(
            """
            dataworks:
              signature: v3
              endpoit: http://127.0.0.1:18089
            """,
            .unknownKey,
            line: 3,
            column: 3,
            contains: ["\"endpoit\"", "allowed keys: endpoint, signature, network"]
        )
        expectError(
            "datawork:\n  signature: v3\n",
            .unknownKey,
            line: 1,
            column: 1,
            contains: ["\"datawork\"", "dataworks, collector, targets"]
        )
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 1
                deployment_id: [1]
            """,
            .unknownKey,
            line: 4,
            column: 5,
            contains: ["deployment_id", "region_id, project_id, project_identifier, deployment_ids"]
        )
        expectError("collector:\n  cache: 1s\n", .unknownKey, line: 2, column: 3, contains: ["cache_ttl"])
    }

    @Test func duplicateKeysPointAtTheRepetition() {
        expectError(
            """
            dataworks:
              signature: v3
              # a comment
              signature: v1
            """,
            .duplicateKey,
            line: 4,
            column: 3,
            contains: ["\"signature\"", "first at line 2, column 3"]
        )
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 1
                region_id: cn-hangzhou
                deployment_ids: [1]
            """,
            .duplicateKey,
            line: 4,
            column: 5,
            contains: ["first at line 2, column 5"]
        )
    }

    @Test func missingRequiredKeys() {
        expectError(
            """
            targets:
              - project_id: 1
                deployment_ids: [1]
            """,
            .missingKey,
            line: 2,
            column: 5,
            contains: ["region_id"]
        )
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 1
            """,
            .missingKey,
            line: 2,
            column: 5,
            contains: ["deployment_ids"]
        )
    }

    @Test func projectKeysAreExclusive() {
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                project_identifier: dw_project
                deployment_ids: [1]
            """,
            .conflictingKeys,
            line: 4,
            column: 5,
            contains: ["both project_id and project_identifier"]
        )
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                deployment_ids: [1]
            """,
            .conflictingKeys,
            line: 2,
            column: 5,
            contains: ["exactly one of project_id or project_identifier"]
        )
    }

    @Test func credentialFilesComeInPairs() {
        expectError(
            """
            dataworks:
              access_key_secret_file: /run/secrets/ak_secret
            """,
            .conflictingKeys,
            line: 2,
            column: 3,
            contains: ["access_key_secret_file is set but access_key_id_file is not"]
        )
        expectError(
            """
            dataworks:
              access_key_id_file: /run/secrets/ak_id
              access_key_secret_file: ""
            """,
            .conflictingKeys,
            line: 2,
            column: 3,
            contains: ["access_key_id_file is set but access_key_secret_file is not"]
        )
    }

    // MARK: - Types

    @Test func wrongTypes() {
        expectError(
            "dataworks:\n  concurrency: eight\n",
            .wrongType,
            line: 2,
            column: 16,
            contains: ["concurrency must be an integer", "the string \"eight\""]
        )
        expectError(
            "dataworks:\n  concurrency: \"8\"\n",
            .wrongType,
            line: 2,
            column: 16,
            contains: ["the string \"8\""]
        )
        expectError("dataworks: [1, 2]\n", .wrongType, line: 1, column: 12, contains: ["a mapping for dataworks"])
        expectError("targets: {a: 1}\n", .wrongType, line: 1, column: 10, contains: ["targets must be a list"])
        expectError(
            "targets:\n  - cn-zhangjiakou\n",
            .wrongType,
            line: 2,
            column: 5,
            contains: ["a mapping for a target"]
        )
        expectError("- 1\n", .wrongType, line: 1, column: 1, contains: ["a mapping for the configuration"])
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 1
                deployment_ids: 3000001
            """,
            .wrongType,
            line: 4,
            column: 21,
            contains: ["deployment_ids must be a list", "the integer 3000001"]
        )
        expectError(
            """
            targets:
              - region_id: [cn-zhangjiakou]
                project_id: 1
                deployment_ids: [1]
            """,
            .wrongType,
            line: 2,
            column: 16,
            contains: ["region_id must be a string", "a list"]
        )
        expectError("dataworks:\n  signature: {v: 3}\n", .wrongType, line: 2, column: 14)
        expectError("dataworks:\n  retries: 1.5\n", .wrongType, line: 2, column: 12, contains: ["the number 1.5"])
        expectError("dataworks:\n  retries: true\n", .wrongType, line: 2, column: 12, contains: ["the boolean true"])
        expectError("collector:\n  cache_ttl: [1s]\n", .wrongType, line: 2, column: 14, contains: ["a duration"])
    }

    // MARK: - Values

    @Test func duplicateDeploymentIdsNameTheFirstOccurrence() {
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [3000001, 3000002, 3000001]
            """,
            .duplicateDeploymentId,
            line: 4,
            column: 40,
            contains: ["3000001", "region cn-zhangjiakou, project 10000", "first at line 4, column 22"]
        )
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_identifier: dw_project
                deployment_ids:
                  - 3000001
                  - 3000002
              - region_id: cn-zhangjiakou
                project_identifier: dw_project
                deployment_ids: [3000003, 3000002]
            """,
            .duplicateDeploymentId,
            line: 9,
            column: 31,
            contains: ["3000002", "project dw_project", "first at line 6, column 9"]
        )
    }

    @Test func sameIdsInOtherRegionsOrProjectsAreFine() throws {
        let yaml = """
            targets:
              - {region_id: cn-zhangjiakou, project_id: 1, deployment_ids: [5]}
              - {region_id: cn-hangzhou, project_id: 1, deployment_ids: [5]}
              - {region_id: cn-zhangjiakou, project_id: 2, deployment_ids: [5]}
              - {region_id: cn-zhangjiakou, project_identifier: p1, deployment_ids: [5]}
            """
        #expect(try ExporterConfig.parse(yaml: yaml, file: "c.yml").targets.count == 4)
    }

    @Test func deploymentIdsMustBePositiveInt64s() {
        func target(_ ids: String) -> String {
            "targets:\n  - region_id: cn-zhangjiakou\n    project_id: 1\n    deployment_ids: \(ids)\n"
        }
        expectError(target("[0]"), .outOfRange, line: 4, column: 22, contains: ["at least 1, got 0"])
        expectError(target("[1, -5]"), .outOfRange, line: 4, column: 25, contains: ["got -5"])
        expectError(target("[9223372036854775808]"), .outOfRange, line: 4, column: 22, contains: ["out of range"])
        expectError(target("[0x10]"), .invalidValue, line: 4, column: 22, contains: ["decimal"])
        expectError(target("[\"12\"]"), .wrongType, line: 4, column: 22, contains: ["positive int64"])
        expectError(target("[1.0]"), .wrongType, line: 4, column: 22)
        expectError(target("[]"), .invalidValue, line: 4, column: 21, contains: ["at least one"])
        expectError(
            "targets:\n  - region_id: cn-zhangjiakou\n    project_id: 0\n    deployment_ids: [1]\n",
            .outOfRange,
            line: 3,
            column: 17,
            contains: ["project_id must be at least 1"]
        )
    }

    @Test func regionIdsAndProjectIdentifiersAreChecked() {
        for bad in ["CN-Zhangjiakou", "cn_zhangjiakou", "zhangjiakou", "cn-", "-cn", "c-1"] {
            expectError(
                "targets:\n  - region_id: \(bad)\n    project_id: 1\n    deployment_ids: [1]\n",
                .invalidValue,
                line: 2,
                column: 16,
                contains: ["region_id \"\(bad)\""]
            )
        }
        for bad in ["_project", "dw-project", "dw project"] {
            expectError(
                "targets:\n  - region_id: cn-zhangjiakou\n    project_identifier: \(bad)\n    deployment_ids: [1]\n",
                .invalidValue,
                line: 3,
                column: 25,
                contains: ["project_identifier"]
            )
        }
    }

    /// `ca_file` is resolved against the config file's directory; without it `CURL_CA_BUNDLE`, then `SSL_CERT_FILE`.
    @Test func caFileKeyAndVariables() throws {
        let config = try ExporterConfig.parse(
            yaml: "dataworks:\n  ca_file: certs/proxy-ca.pem\n",
            file: "/etc/dw/c.yml"
        )
        #expect(config.dataworks.caFile == "/etc/dw/certs/proxy-ca.pem")
        #expect(try ExporterConfig.parse(yaml: "dataworks:\n  ca_file: \"\"\n", file: "c.yml").dataworks.caFile == nil)
        let both = ["CURL_CA_BUNDLE": "/a.pem", "SSL_CERT_FILE": "/b.pem"]
        #expect(DataWorksClient.Configuration.caFile(configured: "/c.pem", environment: both) == "/c.pem")
        #expect(DataWorksClient.Configuration.caFile(configured: nil, environment: both) == "/a.pem")
        #expect(
            DataWorksClient.Configuration.caFile(configured: nil, environment: ["SSL_CERT_FILE": "/b.pem"]) == "/b.pem"
        )
        #expect(DataWorksClient.Configuration.caFile(configured: nil, environment: ["CURL_CA_BUNDLE": ""]) == nil)
    }

    /// DataWorks' CreateProject allows identifiers that start with a digit.
    @Test func projectIdentifierMayStartWithADigit() throws {
        let yaml =
            "targets:\n  - region_id: cn-zhangjiakou\n    project_identifier: 1st_project\n    deployment_ids: [1]\n"
        let config = try ExporterConfig.parse(yaml: yaml, file: "c.yml")
        #expect(config.targets.map(\.project) == [.identifier("1st_project")])
    }

    @Test func enumValuesListTheChoices() {
        expectError("dataworks:\n  signature: v2\n", .invalidValue, line: 2, column: 14, contains: ["v3, v1"])
        expectError("dataworks:\n  network: private\n", .invalidValue, line: 2, column: 12, contains: ["public, vpc"])
    }

    @Test func numbersOutOfRange() {
        expectError("dataworks:\n  concurrency: 0\n", .outOfRange, line: 2, column: 16, contains: ["1 to 256, got 0"])
        expectError("dataworks:\n  concurrency: 257\n", .outOfRange, line: 2, column: 16, contains: ["1 to 256"])
        expectError("dataworks:\n  retries: 11\n", .outOfRange, line: 2, column: 12, contains: ["0 to 10, got 11"])
        expectError("dataworks:\n  retries: -1\n", .outOfRange, line: 2, column: 12)
    }

    @Test func badDurations() {
        expectError(
            "dataworks:\n  connect_timeout: 5 seconds\n",
            .invalidValue,
            line: 2,
            column: 20,
            contains: ["connect_timeout \"5 seconds\" is not a duration", "500ms"]
        )
        expectError("dataworks:\n  request_timeout: 10\n", .invalidValue, line: 2, column: 20)
        expectError("collector:\n  cache_ttl: 1m1h\n", .invalidValue, line: 2, column: 14)
        expectError("collector:\n  cache_ttl: -1s\n", .invalidValue, line: 2, column: 14)
        expectError(
            "dataworks:\n  request_timeout: 0s\n",
            .outOfRange,
            line: 2,
            column: 20,
            contains: ["greater than 0"]
        )
        expectError(
            "dataworks:\n  connect_timeout: 30s\n  request_timeout: 10s\n",
            .outOfRange,
            line: 2,
            column: 20,
            contains: ["connect_timeout (30s) must not exceed request_timeout (10s)"]
        )
        expectError(
            "collector:\n  timeout_offset: 30s\n",
            .outOfRange,
            line: 2,
            column: 19,
            contains: ["timeout_offset (30s) must be less than scrape_timeout (30s)"]
        )
    }

    @Test func defaultConnectTimeoutFollowsALowRequestTimeout() throws {
        let config = try ExporterConfig.parse(yaml: "dataworks:\n  request_timeout: 2s\n", file: "c.yml")
        #expect(config.dataworks.connectTimeout == .seconds(2))
        #expect(config.dataworks.requestTimeout == .seconds(2))
    }

    @Test func endpointsAndUserAgents() throws {
        expectError("dataworks:\n  endpoint: http://h/path\n", .invalidValue, line: 2, column: 13)
        expectError("dataworks:\n  endpoint: \"http://h:99999\"\n", .invalidValue, line: 2, column: 13)
        expectError(
            "dataworks:\n  user_agent: \"a\\r\\nX-Injected: 1\"\n",
            .invalidValue,
            line: 2,
            column: 15,
            contains: ["control characters"]
        )
        for endpoint in ["dataworks.cn-zhangjiakou.aliyuncs.com", "https://dataworks-vpc.cn-hangzhou.aliyuncs.com/"] {
            let config = try ExporterConfig.parse(yaml: "dataworks:\n  endpoint: \(endpoint)\n", file: "c.yml")
            #expect(config.dataworks.endpoint == endpoint)
        }
    }

    // MARK: - YAML syntax

    @Test func yamlSyntaxErrorsCarryTheirPosition() {
        expectError(
            "dataworks:\n  signature: v3\n network: vpc\n",
            .syntax,
            line: 3,
            column: 2,
            contains: ["YAML syntax error"]
        )
        expectError("targets: [1, 2\n", .syntax, line: 2, column: 1, contains: ["YAML syntax error"])
        expectError("dataworks:\n\tsignature: v3\n", .syntax, line: 2, column: 1)
        expectError("a: *missing\n", .syntax, line: 1, column: 4, contains: ["undefined alias"])
    }

    @Test func errorDescriptionIsFileLineColumn() {
        let error = expectError("dataworks:\n  retries: 11\n", .outOfRange, line: 2, column: 12)
        #expect(error?.description == "/etc/dw/config.yml:2:12: retries must be 0 to 10, got 11")
    }

    // MARK: - Durations

    @Test func durationSyntax() {
        let cases: [(String, Duration?)] = [
            ("0", .zero), ("0s", .zero), ("500ms", .milliseconds(500)), ("5s", .seconds(5)), ("1m", .seconds(60)),
            ("1h30m", .seconds(5_400)), ("1d", .seconds(86_400)), ("1w", .seconds(604_800)),
            ("1y", .seconds(31_536_000)), ("1m500ms", .milliseconds(60_500)), ("", nil), ("5", nil),
            ("s", nil), ("5S", nil), ("1.5s", nil), ("1s1s", nil), ("1ms1s", nil), ("-1s", nil), (" 1s", nil),
            ("99999999999999999999s", nil),
        ]
        for (text, expected) in cases {
            #expect(PrometheusDuration.parse(text) == expected, "\(text)")
        }
        #expect(PrometheusDuration.format(.milliseconds(5_400_500)) == "1h30m500ms")
        #expect(PrometheusDuration.format(.zero) == "0s")
    }
}
