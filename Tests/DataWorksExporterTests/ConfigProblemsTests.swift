import DataWorksExporter
import Testing

/// A configuration with several problems reports each of them, in file order, not only the first.
@Suite struct ConfigProblemsTests {
    @Test func everyProblemOfTheFileIsReportedInFileOrder() throws {
        let yaml = """
            dataworks:
              retries: 99
              signature: v9
            collector:
              cache_tll: 5s
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [1, 1]
              - region_id: Hangzhou
                project_id: 10000
                deployment_ids: [2]
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [3]
                discover:
                  limit: 0
                  statuses: [done]

            """
        let error = #expect(throws: ConfigError.self) { try ExporterConfig.parse(yaml: yaml, file: "many.yml") }
        let all = try #require(error).all
        #expect(
            all.map(\.code) == [
                .outOfRange, .invalidValue, .unknownKey, .duplicateDeploymentId, .invalidValue, .outOfRange,
                .invalidValue,
            ]
        )
        #expect(all.map(\.line) == [2, 3, 5, 9, 10, 17, 18])
        // The thrown error is the first problem, as before.
        #expect(error?.description == all.first?.description)
        #expect(all.allSatisfy { $0.others.isEmpty })
    }

    @Test func aSingleProblemHasNoOthers() {
        let error = #expect(throws: ConfigError.self) {
            try ExporterConfig.parse(yaml: "collector:\n  mode: sometimes\n", file: "one.yml")
        }
        #expect(error?.all.count == 1 && error?.others.isEmpty == true)
    }

    @Test func crossKeyChecksWaitForTheirSectionsKeysToBeValid() {
        // timeout_offset is unreadable: no second, misleading "must be less than scrape_timeout" problem.
        let error = #expect(throws: ConfigError.self) {
            try ExporterConfig.parse(yaml: "collector:\n  scrape_timeout: 1s\n  timeout_offset: soon\n", file: "c.yml")
        }
        #expect(error?.all.map(\.code) == [.invalidValue])
    }
}
