import DataWorksAPI

/// The `dataworks_pipeline_run_*` families (DESIGN.md "Pipeline runs", issue 12 item 4), written after the deployment
/// families and only when some pipeline run is tracked.
extension MetricsRenderer {
    /// The `status` label values of pipeline runs, in output order: all nine, always present.
    public static let pipelineRunStatusLabels = PipelineRunStatus.allLabels

    private func identity(_ key: PipelineRunKey) throws(ExpositionError) -> Labels {
        try Labels([
            ("region_id", key.workspace.regionId), ("project", key.workspace.project.description),
            ("pipeline_run_id", key.pipelineRunId), ("kind", key.kind.rawValue),
        ])
    }

    func writePipelineRuns(_ samples: [PipelineRunSample], into writer: inout ExpositionWriter) throws(ExpositionError)
    {
        guard !samples.isEmpty else { return }
        var identities: [Labels] = []
        identities.reserveCapacity(samples.count)
        for sample in samples {
            identities.append(try identity(sample.key))
        }
        let all = Array(zip(identities, samples))
        let withData = all.compactMap { key, sample in sample.run.map { (key, sample, $0) } }

        try writer.family(
            "dataworks_pipeline_run_status",
            type: .gauge,
            help:
                "Current status of the pipeline run: 1 for the status it is in (init, building, ready, running, success, fail, termination, cancel, unknown), 0 for the others."
        )
        for (key, _, run) in withData {
            let current = run.status?.label ?? "unknown"
            for label in Self.pipelineRunStatusLabels {
                try writer.sample(
                    "dataworks_pipeline_run_status",
                    labels: key.adding("status", label),
                    value: label == current ? 1 : 0
                )
            }
        }

        try writer.family(
            "dataworks_pipeline_run_info",
            type: .gauge,
            help:
                "Metadata of the pipeline run (Creator, Executor, ObjectName, ObjectType, ChangeType; empty where the kind has none); always 1."
        )
        for (key, _, run) in withData {
            try writer.sample(
                "dataworks_pipeline_run_info",
                labels: key.adding("creator", Self.truncated(run.creator ?? ""))
                    .adding("executor", Self.truncated(run.executor ?? ""))
                    .adding("object_name", Self.truncated(run.objectName ?? ""))
                    .adding("object_type", Self.truncated(run.objectType ?? ""))
                    .adding("change_type", Self.truncated(run.changeType ?? "")),
                value: 1
            )
        }

        let times: [(String, String, (PipelineRunSummary) -> Int64?)] = [
            ("create", "CreateTime", { $0.createTime }),
            ("modify", "ModifyTime", { $0.modifyTime }),
            ("execute", "ExecuteTime", { $0.executeTime }),
            ("finish", "FinishTime", { $0.finishTime }),
        ]
        for (name, field, value) in times {
            let metric = "dataworks_pipeline_run_\(name)_timestamp_seconds"
            try writer.family(
                metric,
                type: .gauge,
                help: "The pipeline run's \(field), in seconds since the Unix epoch; absent where the API gives none."
            )
            for (key, _, run) in withData {
                if let millis = value(run), millis > 0 {
                    try writer.sample(metric, labels: key, value: Double(millis) / 1_000)
                }
            }
        }

        try writer.family(
            "dataworks_pipeline_run_stage_info",
            type: .gauge,
            help: "One series per stage of the pipeline run (Step, Code, Type, Status); always 1."
        )
        for (key, _, run) in withData {
            for stage in run.stages {
                try writer.sample(
                    "dataworks_pipeline_run_stage_info",
                    labels: key.adding("stage_step", stage.step.map(String.init) ?? "")
                        .adding("stage_code", Self.truncated(stage.code ?? ""))
                        .adding("stage_type", Self.truncated(stage.type?.apiValue ?? ""))
                        .adding("status", stage.status?.label ?? "unknown"),
                    value: 1
                )
            }
        }

        try writer.family(
            "dataworks_pipeline_run_awaiting_stage",
            type: .gauge,
            help:
                "1 while the pipeline run waits at a manual gate: running, an earlier stage done, nothing running, the next stage still Init."
        )
        for (key, _, run) in withData {
            if let stage = run.awaitingStage {
                try writer.sample(
                    "dataworks_pipeline_run_awaiting_stage",
                    labels: key.adding("stage_step", stage.step.map(String.init) ?? "")
                        .adding("stage_code", Self.truncated(stage.code ?? "")),
                    value: 1
                )
            }
        }
        try writer.family(
            "dataworks_pipeline_run_awaiting_since_timestamp_seconds",
            type: .gauge,
            help: "When the pipeline run's current wait at a manual gate began, in seconds since the Unix epoch."
        )
        for (key, sample, run) in withData where run.awaitingStage != nil {
            if let since = sample.awaitingSince {
                try writer.sample("dataworks_pipeline_run_awaiting_since_timestamp_seconds", labels: key, value: since)
            }
        }

        try writer.family(
            "dataworks_pipeline_run_error_info",
            type: .gauge,
            help:
                "The failure reason (Message, ErrorMessage) of a pipeline run whose status is fail; always 1, present only while failed."
        )
        for (key, _, run) in withData where run.status == .fail {
            try writer.sample(
                "dataworks_pipeline_run_error_info",
                labels: key.adding("error_message", Self.truncated(run.errorMessage ?? "")),
                value: 1
            )
        }

        try writer.family(
            "dataworks_pipeline_run_items",
            type: .gauge,
            help: "How many objects the ended pipeline run deployed, by item type and status."
        )
        for (key, sample, _) in withData {
            for count in sample.items ?? [] {
                try writer.sample(
                    "dataworks_pipeline_run_items",
                    labels: key.adding("item_type", Self.truncated(count.itemType)).adding("status", count.status),
                    value: Double(count.count)
                )
            }
        }

        try writer.family(
            "dataworks_pipeline_run_fetch_success",
            type: .gauge,
            help:
                "1 if the last refresh of this pipeline run succeeded (or it is final and not yet due), 0 if it failed or did not finish within the scrape budget."
        )
        for (key, sample) in all {
            try writer.sample("dataworks_pipeline_run_fetch_success", labels: key, value: sample.fetchSucceeded ? 1 : 0)
        }
        try writer.family(
            "dataworks_pipeline_run_last_fetch_success_timestamp_seconds",
            type: .gauge,
            help: "When this pipeline run's data was last fetched successfully, in seconds since the Unix epoch."
        )
        for (key, sample) in all {
            if let timestamp = sample.lastSuccessTimestamp {
                try writer.sample(
                    "dataworks_pipeline_run_last_fetch_success_timestamp_seconds",
                    labels: key,
                    value: timestamp
                )
            }
        }
    }
}
