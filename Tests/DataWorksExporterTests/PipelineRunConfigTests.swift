import DataWorksAPI
import Testing

@testable import DataWorksExporter

/// `api_version` and the keys of a 2024-05-18 target.
@Suite struct PipelineRunConfigTests {
    func parse(_ yaml: String) throws -> ExporterConfig {
        try ExporterConfig.parse(yaml: yaml, file: "/etc/dw/config.yml")
    }

    func error(_ yaml: String) -> ConfigError? {
        #expect(throws: ConfigError.self) { try parse(yaml) }
    }

    @Test func bothVersionsInOneFile() throws {
        let config = try parse(
            """
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [3000001]
              - region_id: cn-shanghai
                api_version: 2024-05-18
                project_id: 20000
                pipeline_run_ids: ["a1b2", "c3d4"]
                discover:
                  max_age: 2h
                  statuses: [running, Fail]
                  creator: "200300000001"
                  object_id: "7000001"
                  limit: 50
                cross_project:
                  max_age: 1h
              - region_id: cn-beijing
                api_version: "2020-05-18"
                project_identifier: dw_old
                deployment_ids: [3000002]
            """
        )
        #expect(config.targets.map(\.apiVersion) == [.v2020_05_18, .v2024_05_18, .v2020_05_18])
        #expect(config.targets[0].pipelineRuns == nil && config.targets[2].pipelineRuns == nil)
        let watch = try #require(config.targets[1].pipelineRuns)
        #expect(config.targets[1].projectId == 20000)
        #expect(watch.pipelineRunIds == ["a1b2", "c3d4"])
        #expect(
            watch.discovery
                == PipelineRunDiscovery(
                    maxAge: .seconds(7_200),
                    statuses: [.running, .fail],
                    creator: "200300000001",
                    objectId: "7000001",
                    limit: 50
                )
        )
        #expect(watch.crossProject == PipelineRunDiscovery(maxAge: .seconds(3_600)))
        #expect(
            config.apiActions.contains("ListPipelineRuns") && config.apiActions.contains("ListCrossProjectPipelineRuns")
        )
    }

    @Test func crossProjectAloneWithDefaults() throws {
        let config = try parse(
            """
            targets:
              - region_id: cn-shanghai
                api_version: 2024-05-18
                project_id: 20000
                cross_project:
            """
        )
        #expect(config.targets[0].pipelineRuns?.crossProject == PipelineRunDiscovery())
        #expect(config.targets[0].pipelineRuns?.discovery == nil)
    }

    @Test func aProjectIdentifierIsAnErrorThatSaysWhy() {
        let error = error(
            """
            targets:
              - region_id: cn-shanghai
                api_version: 2024-05-18
                project_identifier: dw_new
                discover: {}
            """
        )
        #expect(error?.code == .conflictingKeys)
        #expect(error?.line == 4)
        #expect(error?.message.contains("project_identifier is not accepted with api_version 2024-05-18") == true)
        #expect(error?.message.contains("project_id") == true)
    }

    @Test func badKeysAndValuesAreErrors() {
        let cases: [(String, String)] = [
            (
                "api_version: 2021-01-01\n    project_id: 1\n    deployment_ids: [1]",
                "is not one of: 2020-05-18, 2024-05-18"
            ),
            (
                "api_version: 2024-05-18\n    project_id: 1\n    deployment_ids: [1]",
                "deployment_ids is a key of api_version 2020-05-18"
            ),
            ("api_version: 2024-05-18\n    project_id: 1", "needs pipeline_run_ids, discover or cross_project"),
            ("api_version: 2024-05-18\n    project_id: 1\n    pipeline_run_ids: [a, a]", "listed twice"),
            ("api_version: 2024-05-18\n    project_id: 1\n    discover: {statuses: [done]}", "statuses must list"),
            (
                "api_version: 2024-05-18\n    project_id: 1\n    cross_project: {window: 1h}",
                "unknown key \"window\" in cross_project"
            ),
            ("project_id: 1\n    pipeline_run_ids: [a]", "need api_version: 2024-05-18"),
        ]
        for (keys, message) in cases {
            let error = error("targets:\n  - region_id: cn-shanghai\n    \(keys)\n")
            #expect(error?.message.contains(message) == true, "\(String(describing: error)) lacks \(message)")
        }
    }

    @Test func theDemoConfigurationHasBothVersions() throws {
        let config = try ExporterConfig.demo(
            endpoint: "http://127.0.0.1:1",
            deploymentIds: [3_000_001],
            pipelineRunProjectId: 10000
        )
        #expect(config.targets.map(\.apiVersion) == [.v2020_05_18, .v2024_05_18])
        #expect(config.targets[1].pipelineRuns?.crossProject != nil)
        #expect(config.targets[1].pipelineRuns?.discovery != nil)
    }
}
