import DataWorksAPI
import Testing

@testable import DataWorksExporter

extension ConfigTests {
    @Test func quotaKeysAreReadWithTheirDefaults() throws {
        let defaults = try ExporterConfig.parse(yaml: "", file: "x.yml")
        #expect(defaults.dataworks.rateLimit == 10)
        #expect(defaults.dataworks.burst == 10)
        #expect(defaults.dataworks.quotaPause == nil)
        #expect(defaults.collector.mode == .scrape)
        #expect(defaults.collector.interval == .seconds(30))
        #expect(defaults.collector.terminalRefresh == .seconds(3_600))
        #expect(defaults.collector.maxStale == .seconds(600))

        let config = try ExporterConfig.parse(
            yaml: """
                dataworks:
                  rate_limit: 2.5
                  burst: 4
                  quota_pause: 2h
                collector:
                  mode: interval
                  interval: 15s
                  terminal_refresh: 30m
                  max_stale: 5m
                targets:
                  - region_id: cn-zhangjiakou
                    project_id: 10000
                    discover:
                      max_age: 12h
                      statuses: [ready, failure, ready]
                      limit: 20
                  - region_id: cn-shanghai
                    project_identifier: dw_x
                    deployment_ids: [1]
                    discover: {}
                """,
            file: "x.yml"
        )
        #expect(config.dataworks.rateLimit == 2.5)
        #expect(config.dataworks.burst == 4)
        #expect(config.dataworks.quotaPause == .seconds(7_200))
        #expect(config.collector.mode == .interval)
        #expect(config.collector.interval == .seconds(15))
        #expect(config.collector.terminalRefresh == .seconds(1_800))
        #expect(config.collector.maxStale == .seconds(300))
        #expect(config.targets[0].deploymentIds == [])
        #expect(config.targets[0].discovery == Discovery(maxAge: .seconds(43_200), statuses: [0, 2], limit: 20))
        #expect(config.targets[1].discovery == Discovery())
        #expect(config.targets[1].deploymentIds == [1])

        #expect(defaults.collector.listDeployments)
        let getOnly = try ExporterConfig.parse(yaml: "collector:\n  list_deployments: false\n", file: "x.yml")
        #expect(!getOnly.collector.listDeployments)
        #expect(!defaults.collector.releaseLeadTime)
        let leadTime = try ExporterConfig.parse(yaml: "collector:\n  release_lead_time: true\n", file: "x.yml")
        #expect(leadTime.collector.releaseLeadTime)
        let unlimited = try ExporterConfig.parse(yaml: "dataworks:\n  rate_limit: 0\n", file: "x.yml")
        #expect(unlimited.dataworks.rateLimit == nil)
    }

    @Test func badQuotaValuesNameLineAndColumn() {
        expectError("dataworks:\n  rate_limit: fast\n", .wrongType, line: 2, column: 15, contains: ["a number"])
        expectError("dataworks:\n  rate_limit: -1\n", .outOfRange, line: 2, column: 15, contains: ["rate_limit"])
        expectError("dataworks:\n  burst: 0\n", .outOfRange, line: 2, column: 10, contains: ["burst"])
        expectError("collector:\n  mode: cron\n", .invalidValue, line: 2, column: 9, contains: ["scrape, interval"])
        expectError("collector:\n  interval: 0s\n", .outOfRange, line: 2, column: 13, contains: ["interval"])
        expectError("collector:\n  list_deployments: 1\n", .wrongType, line: 2, column: 21, contains: ["true or false"])
        expectError(
            "collector:\n  release_lead_time: often\n",
            .wrongType,
            line: 2,
            column: 22,
            contains: ["release_lead_time must be true or false"]
        )
        expectError("collector:\n  max_stale: soon\n", .invalidValue, line: 2, column: 14, contains: ["max_stale"])
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 1
                discover:
                  statuses: [ready, done]
            """,
            .invalidValue,
            line: 5,
            column: 25,
            contains: ["ready, success, failure or rejected"]
        )
        expectError(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 1
                discover:
                  max_age: 1h
                  newest: 3
            """,
            .unknownKey,
            line: 6,
            column: 7,
            contains: ["max_age, statuses, limit"]
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
            contains: ["deployment_ids (or discover)"]
        )
    }
}
