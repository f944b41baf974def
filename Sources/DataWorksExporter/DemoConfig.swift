extension ExporterConfig {
    /// The configuration of `--demo`: the simulator at `endpoint`, in the demo workspace (cn-zhangjiakou, ProjectId
    /// 10000), watching `deploymentIds`, with retries off so injected faults show at once.
    ///
    /// - Throws: ``ConfigError`` only if `endpoint` is not a valid endpoint.
    ///
    /// With `pipelineRunProjectId`, a 2024-05-18 target (cn-shanghai, that ProjectId) sits beside it: the
    /// workspace's newest pipeline runs through discovery, and its cross-project runs.
    public static func demo(
        endpoint: String,
        deploymentIds: [Int64],
        pipelineRunProjectId: Int64? = nil
    ) throws -> ExporterConfig {
        let pipelineRuns =
            pipelineRunProjectId.map { id in
                """
                  - region_id: cn-shanghai
                    api_version: 2024-05-18
                    project_id: \(id)
                    discover:
                      max_age: 24h
                      limit: 20
                    cross_project:
                      max_age: 24h

                """
            } ?? ""
        let yaml = """
            dataworks:
              endpoint: "\(endpoint)"
              retries: 0
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [\(deploymentIds.map(String.init).joined(separator: ", "))]

            """ + pipelineRuns
        return try parse(yaml: yaml, file: "<demo>")
    }
}
