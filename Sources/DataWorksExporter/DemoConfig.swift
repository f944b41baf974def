extension ExporterConfig {
    /// The configuration of `--demo`: the simulator at `endpoint`, in the demo workspace (cn-zhangjiakou, ProjectId
    /// 10000), watching `deploymentIds` and discovering the release history's packages (`ListDeployments`, created in
    /// the last 3 hours; they answer 404 until created), with lead time on and retries off so injected faults show at
    /// once.
    ///
    /// - Throws: ``ConfigError`` only if `endpoint` is not a valid endpoint.
    public static func demo(endpoint: String, deploymentIds: [Int64]) throws -> ExporterConfig {
        let yaml = """
            dataworks:
              endpoint: "\(endpoint)"
              retries: 0
            collector:
              release_lead_time: true
            targets:
              - region_id: cn-zhangjiakou
                project_id: 10000
                deployment_ids: [\(deploymentIds.map(String.init).joined(separator: ", "))]
                discover:
                  max_age: 3h
                  limit: 500

            """
        return try parse(yaml: yaml, file: "<demo>")
    }
}
