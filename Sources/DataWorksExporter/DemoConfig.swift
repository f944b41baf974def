extension ExporterConfig {
    /// The configuration of `--demo`: the simulator at `endpoint`, in the demo workspace (cn-zhangjiakou, ProjectId
    /// 10000), watching `deploymentIds` and discovering the release history's packages (`ListDeployments`, created in
    /// the last 24 hours, at most 2,000: a day of the history, so a failure alerts for the 24 hours
    /// `DataWorksDeploymentFailed` looks back; they answer 404 until created), with lead time on and retries off so
    /// injected faults show at once. Its `rate_limit` is 50 calls per second, not the default 10: the simulator is on
    /// loopback and has no quota, and the first scrape, which reads the release history's past 30 to 90 minutes (40
    /// to 110 packages), then ends in 1 to 3 s instead of 5 to 12.
    ///
    /// - Throws: ``ConfigError`` only if `endpoint` is not a valid endpoint.
    ///
    /// With `pipelineRunProjectId`, a 2024-05-18 target (cn-shanghai, that ProjectId) sits beside it: the
    /// workspace's pipeline runs of the last 24 hours through discovery (at most 600: a day of the history's, one about
    /// every 150 s), and its cross-project runs.
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
                      limit: 600
                    cross_project:
                      max_age: 24h
                      limit: 600

                """
            } ?? ""
        let yaml = """
            dataworks:
              endpoint: "\(endpoint)"
              retries: 0
              rate_limit: 50
            collector:
              release_lead_time: true
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [\(deploymentIds.map(String.init).joined(separator: ", "))]
                discover:
                  max_age: 24h
                  limit: 2000

            """ + pipelineRuns
        return try parse(yaml: yaml, file: "<demo>")
    }
}
