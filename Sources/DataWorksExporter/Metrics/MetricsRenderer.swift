public import DataWorksAPI

/// Turns a ``Snapshot`` and the exporter's own counters into the text exposition format 0.0.4 or OpenMetrics 1.0.0.
///
/// The families and their HELP texts are the metric contract of `DESIGN.md`; dashboards and alert rules depend on
/// them. Output order is stable: families in a fixed order, deployments in configuration order.
public struct MetricsRenderer: Sendable {
    /// The `status` label values, in output order: the names of ``DeploymentStatus/known``, then `unknown` (every
    /// other code, and a missing one).
    public static let statusLabels: [String] = DeploymentStatus.known.map(\.name) + ["unknown"]
    /// The longest `error_message` label value, in characters; longer messages are cut and end in `…`.
    public static let maxErrorMessageLength = 256

    /// Creates a renderer.
    public init() {}

    /// The `status` label of a deployment's `Status`: its ``DeploymentStatus/name``, `unknown` when missing.
    public static func statusLabel(_ status: DeploymentStatus?) -> String {
        status?.name ?? "unknown"
    }

    /// The `from_environment` label for `FromEnvironment`: 0 local, 1 development.
    public static func fromEnvironmentLabel(_ code: Int?) -> String {
        switch code {
        case 0: "local"
        case 1: "development"
        default: "unknown"
        }
    }

    /// The `to_environment` label for `ToEnvironment`: 1 development, 2 production.
    public static func toEnvironmentLabel(_ code: Int?) -> String {
        switch code {
        case 1: "development"
        case 2: "production"
        default: "unknown"
        }
    }

    /// Renders every family: ``renderDeployments(_:format:)`` followed by
    /// ``renderSelfMetrics(snapshot:api:configReload:includeProcessMetrics:format:)``.
    ///
    /// - Parameters:
    ///   - snapshot: The deployments and the collection's duration and budget.
    ///   - api: The API counters.
    ///   - configReload: The outcome of the last configuration load; `nil` leaves out the two
    ///     `dataworks_exporter_config_last_reload_*` families.
    ///   - includeProcessMetrics: Whether to add the `process_*` families read from `/proc/self`.
    ///   - format: The exposition format; text 0.0.4 by default.
    /// - Returns: The body of a `/metrics` answer, complete (OpenMetrics ends in `# EOF`).
    /// - Throws: ``ExpositionError`` only on a programming error (an invalid metric or label name).
    public func render(
        snapshot: Snapshot,
        api: APIMetrics.Values,
        configReload: ConfigReloadStatus? = nil,
        includeProcessMetrics: Bool = true,
        format: ExpositionFormat = .text
    ) throws(ExpositionError) -> [UInt8] {
        var bytes = try renderDeployments(snapshot, format: format)
        bytes += try renderSelfMetrics(
            snapshot: snapshot,
            api: api,
            configReload: configReload,
            includeProcessMetrics: includeProcessMetrics,
            format: format
        )
        return bytes
    }

    /// Renders the `dataworks_deployment_*` families, the part of an exposition that depends on the snapshot's
    /// deployments only (and so can be rendered once per snapshot and served many times). Not a complete exposition:
    /// ``renderSelfMetrics(snapshot:api:configReload:includeProcessMetrics:format:)`` follows it.
    ///
    /// - Parameters:
    ///   - snapshot: The deployments.
    ///   - format: The exposition format.
    /// - Returns: UTF-8 exposition lines, about 1.4 KB per deployment.
    /// - Throws: ``ExpositionError`` only on a programming error (an invalid metric or label name).
    public func renderDeployments(
        _ snapshot: Snapshot,
        format: ExpositionFormat = .text
    ) throws(ExpositionError) -> [UInt8] {
        // Reserved up front: a 10,000-deployment body (~14 MB) would otherwise grow through ~20 copies. Pages not
        // written are never resident, so overestimating costs address space only.
        var writer = ExpositionWriter(format: format, capacity: snapshot.deployments.count * 1_536)
        try writeDeployments(snapshot, into: &writer)
        try writePipelineRuns(snapshot.pipelineRuns, into: &writer)
        return writer.bytes
    }

    /// ``renderDeployments(_:format:)``'s bytes in pieces of about `pieceSize` bytes, each ending with a whole line
    /// (``ExpositionWriter/init(format:capacity:pieceSize:)``): the exposition of 100,000 deployments (~140 MB) is written
    /// without reserving it whole or growing one buffer, and a caller that copies the pieces one by one
    /// (``RenderedDeployments``) never holds it twice.
    ///
    /// - Parameters:
    ///   - snapshot: The collection to render.
    ///   - format: Text 0.0.4 or OpenMetrics.
    ///   - pieceSize: Bytes at which a piece is cut, at least 1.
    /// - Returns: The pieces; joined, ``renderDeployments(_:format:)``'s bytes.
    /// - Throws: ``ExpositionError`` only on a programming error (an invalid metric or label name).
    public func renderDeploymentPieces(
        _ snapshot: Snapshot,
        format: ExpositionFormat = .text,
        pieceSize: Int
    ) throws(ExpositionError) -> [[UInt8]] {
        var writer = ExpositionWriter(
            format: format,
            capacity: snapshot.deployments.count * 1_536,
            pieceSize: pieceSize
        )
        try writeDeployments(snapshot, into: &writer)
        try writePipelineRuns(snapshot.pipelineRuns, into: &writer)
        return writer.pieces
    }

    /// Renders the families that follow the deployments and change on every scrape: API counters, collection,
    /// budget, build info, configuration reload and process families; then ends the exposition (OpenMetrics'
    /// `# EOF`).
    ///
    /// - Parameters: As for ``render(snapshot:api:configReload:includeProcessMetrics:format:)``.
    /// - Returns: UTF-8 exposition lines, a few kilobytes.
    /// - Throws: ``ExpositionError`` only on a programming error (an invalid metric or label name).
    public func renderSelfMetrics(
        snapshot: Snapshot,
        api: APIMetrics.Values,
        configReload: ConfigReloadStatus? = nil,
        includeProcessMetrics: Bool = true,
        format: ExpositionFormat = .text
    ) throws(ExpositionError) -> [UInt8] {
        var writer = ExpositionWriter(format: format, capacity: 16 * 1_024)
        try writeAPI(api, into: &writer)
        try writeCollection(snapshot, into: &writer)
        try writeBudget(snapshot.budget, into: &writer)
        try writer.family(
            "dataworks_exporter_build_info",
            type: .gauge,
            help:
                "A metric with a constant '1' value labeled by version, revision, and swiftversion from which dataworks-exporter was built."
        )
        try writer.sample(
            "dataworks_exporter_build_info",
            labels: [
                ("revision", BuildInfo.revision), ("swiftversion", BuildInfo.swiftVersion),
                ("version", BuildInfo.version),
            ],
            value: 1
        )
        if let configReload {
            try writeConfigReload(configReload, into: &writer)
        }
        if includeProcessMetrics {
            try ProcessMetrics.current().write(into: &writer)
        }
        writer.finish()
        return writer.bytes
    }

    /// The identity labels of a deployment, from `template` (``identityTemplate()``), whose names it shares.
    private func identity(_ key: DeploymentKey, template: Labels) throws(ExpositionError) -> Labels {
        try template.withValues([key.regionId, key.project.description, String(key.deploymentId)])
    }

    /// The names of a deployment's identity labels: `region_id`, `project`, `deployment_id`.
    private func identityTemplate() throws(ExpositionError) -> Labels {
        try Labels([("region_id", ""), ("project", ""), ("deployment_id", "")])
    }

    func writeDeployments(_ snapshot: Snapshot, into writer: inout ExpositionWriter) throws(ExpositionError) {
        // Each deployment's identity labels are validated and escaped once, not once per series (issue 7's profile).
        var identities: [Labels] = []
        identities.reserveCapacity(snapshot.deployments.count)
        let template = try identityTemplate()
        for sample in snapshot.deployments {
            identities.append(try identity(sample.key, template: template))
        }
        // Views, not arrays: an array of (labels, deployment) pairs of 100,000 deployments is ~25 MB held for the
        // whole rendering, on top of the exposition (scripts/bench-scale's peak).
        let samples = zip(identities, snapshot.deployments)
        let withData = samples.lazy.compactMap { key, sample in
            sample.deployment.map { (key, $0) }
        }

        try writer.family(
            "dataworks_deployment_status",
            type: .gauge,
            help:
                "Current status of the deployment: 1 for the status it is in (ready, success, failure, rejected, unknown), 0 for the others."
        )
        for (key, deployment) in withData {
            let current = Self.statusLabel(deployment.status)
            for label in Self.statusLabels {
                try writer.sample(
                    "dataworks_deployment_status",
                    labels: key.adding("status", label),
                    value: label == current ? 1 : 0
                )
            }
        }

        try writer.family(
            "dataworks_deployment_info",
            type: .gauge,
            help:
                "Static metadata of the deployment (Name, FromEnvironment, ToEnvironment, CreatorId as creator, HandlerId as executor); always 1."
        )
        for (key, deployment) in withData {
            try writer.sample(
                "dataworks_deployment_info",
                labels: key.adding("name", Self.truncated(deployment.name ?? ""))
                    .adding("from_environment", Self.fromEnvironmentLabel(deployment.fromEnvironment))
                    .adding("to_environment", Self.toEnvironmentLabel(deployment.toEnvironment))
                    .adding("creator", deployment.creatorId ?? "")
                    .adding("executor", deployment.handlerId ?? ""),
                value: 1
            )
        }

        try writeGauge(
            "dataworks_deployment_create_timestamp_seconds",
            help: "When the deployment was created (CreateTime), in seconds since the Unix epoch.",
            for: withData,
            into: &writer
        ) { deployment in
            deployment.createTime.map { Double($0) / 1_000 }
        }
        try writeGauge(
            "dataworks_deployment_execute_timestamp_seconds",
            help:
                "When the deployment was executed (ExecuteTime), in seconds since the Unix epoch; absent until executed.",
            for: withData,
            into: &writer
        ) { deployment in
            deployment.executeTime.flatMap { $0 > 0 ? Double($0) / 1_000 : nil }
        }
        try writeGauge(
            "dataworks_deployment_execution_latency_seconds",
            help: "ExecuteTime minus CreateTime of the deployment, in seconds; absent until executed.",
            for: withData,
            into: &writer
        ) { deployment in
            guard let executeTime = deployment.executeTime, executeTime > 0, let createTime = deployment.createTime
            else { return nil }
            return Double(executeTime - createTime) / 1_000
        }

        try writer.family(
            "dataworks_deployment_fetch_success",
            type: .gauge,
            help:
                "1 if the last refresh of this deployment (GetDeployment or ListDeployments) succeeded, 0 if it failed or did not finish within the scrape budget."
        )
        for (key, sample) in samples {
            try writer.sample(
                "dataworks_deployment_fetch_success",
                labels: key,
                value: sample.fetchSucceeded ? 1 : 0
            )
        }

        try writer.family(
            "dataworks_deployment_last_fetch_success_timestamp_seconds",
            type: .gauge,
            help: "When this deployment's data was last fetched successfully, in seconds since the Unix epoch."
        )
        for (key, sample) in samples {
            if let timestamp = sample.lastSuccessTimestamp {
                try writer.sample(
                    "dataworks_deployment_last_fetch_success_timestamp_seconds",
                    labels: key,
                    value: timestamp
                )
            }
        }

        try writer.family(
            "dataworks_deployment_error_info",
            type: .gauge,
            help:
                "The failure reason (ErrorMessage) of a deployment whose status is failure; always 1, present only while failed."
        )
        for (key, deployment) in withData where deployment.status == .failure {
            try writer.sample(
                "dataworks_deployment_error_info",
                labels: key.adding("error_message", Self.truncated(deployment.errorMessage ?? "")),
                value: 1
            )
        }

        try writeShipped(samples, into: &writer)
        if let releases = snapshot.releases {
            try writeReleases(releases, into: &writer)
        }
    }

    /// A gauge family with one sample per deployment for which `value` gives a number (a deployment without one is
    /// left out).
    private func writeGauge(
        _ name: String,
        help: String,
        for deployments: some Sequence<(Labels, Deployment)>,
        into writer: inout ExpositionWriter,
        value: (Deployment) -> Double?
    ) throws(ExpositionError) {
        try writer.family(name, type: .gauge, help: help)
        for (key, deployment) in deployments {
            if let value = value(deployment) {
                try writer.sample(name, labels: key, value: value)
            }
        }
    }

    /// The most UTF-8 bytes of a label value from the API (a character may take many bytes).
    public static let maxLabelValueBytes = 1_024

    /// A label value from the API (`error_message`, `name`, and the pipeline runs' `creator`, `executor`,
    /// `object_name`, `object_type`, `change_type`, `stage_code`, `stage_type`, `item_type`) cut to ``maxErrorMessageLength`` characters and
    /// ``maxLabelValueBytes`` bytes, on a character (so UTF-8) boundary, ending in a visible `…` when cut.
    static func truncated(_ message: String) -> String {
        guard message.count > maxErrorMessageLength || message.utf8.count > maxLabelValueBytes else { return message }
        var kept = Substring(message.prefix(maxErrorMessageLength - 1))
        // "…" is 3 bytes in UTF-8.
        while kept.utf8.count > maxLabelValueBytes - 3 {
            kept = kept.dropLast()
        }
        return String(kept) + "…"
    }

    /// A counter family labelled by `action` and one more label, from counts keyed by action, then that label;
    /// both in sorted order.
    private func writeCounters(
        _ name: String,
        help: String,
        label: String,
        values: [String: [String: UInt64]],
        into writer: inout ExpositionWriter
    ) throws(ExpositionError) {
        try writer.family(name, type: .counter, help: help)
        for action in values.keys.sorted() {
            let counts = values[action] ?? [:]
            for key in counts.keys.sorted() {
                try writer.sample(name, labels: [("action", action), (label, key)], value: Double(counts[key] ?? 0))
            }
        }
    }

    private func writeAPI(_ api: APIMetrics.Values, into writer: inout ExpositionWriter) throws(ExpositionError) {
        try writer.family(
            "dataworks_api_requests_total",
            type: .counter,
            help: "HTTP requests sent to the DataWorks API, retries included."
        )
        for action in api.requests.keys.sorted() {
            try writer.sample(
                "dataworks_api_requests_total",
                labels: [("action", action)],
                value: Double(api.requests[action] ?? 0)
            )
        }

        try writeCounters(
            "dataworks_api_errors_total",
            help:
                "Failed DataWorks API requests by error code (API Code, or client_timeout, client_connect, client_tls, "
                + "client_proxy, client_parse, client_other, http_<status>).",
            label: "code",
            values: api.errors,
            into: &writer
        )
        try writeCounters(
            "dataworks_api_retries_total",
            help: "DataWorks API requests sent again after a retryable failure, by reason.",
            label: "reason",
            values: api.retries,
            into: &writer
        )
        try writeCounters(
            "dataworks_api_calls_skipped_total",
            help:
                "DataWorks API calls never sent, by reason (rate_limit, budget, region_paused, retry_after, shutdown);"
                + " not requests, not errors.",
            label: "reason",
            values: api.skipped,
            into: &writer
        )

        try writer.family(
            "dataworks_api_request_duration_seconds",
            type: .histogram,
            help: "Latency of DataWorks API requests, in seconds."
        )
        for action in api.durations.keys.sorted() {
            guard let histogram = api.durations[action] else { continue }
            var cumulative: UInt64 = 0
            var buckets: [(upperBound: Double, cumulativeCount: UInt64)] = []
            for (bound, count) in zip(APIMetrics.durationBuckets, histogram.bucketCounts) {
                cumulative += count
                buckets.append((bound, cumulative))
            }
            try writer.histogram(
                "dataworks_api_request_duration_seconds",
                labels: [("action", action)],
                buckets: buckets,
                sum: histogram.sum,
                count: histogram.count
            )
        }
    }

    private func writeConfigReload(
        _ status: ConfigReloadStatus,
        into writer: inout ExpositionWriter
    ) throws(ExpositionError) {
        try writer.family(
            "dataworks_exporter_config_last_reload_successful",
            type: .gauge,
            help: "1 if the last configuration load succeeded, 0 if it failed."
        )
        try writer.sample(
            "dataworks_exporter_config_last_reload_successful",
            labels: [],
            value: status.successful ? 1 : 0
        )
        try writer.family(
            "dataworks_exporter_config_last_reload_success_timestamp_seconds",
            type: .gauge,
            help: "When the configuration was last loaded successfully, in seconds since the Unix epoch."
        )
        try writer.sample(
            "dataworks_exporter_config_last_reload_success_timestamp_seconds",
            labels: [],
            value: status.lastSuccessTimestamp
        )
    }

    private func writeCollection(_ snapshot: Snapshot, into writer: inout ExpositionWriter) throws(ExpositionError) {
        try writer.family(
            "dataworks_up",
            type: .gauge,
            help: "1 if the last collection fetched every configured deployment, 0 otherwise."
        )
        try writer.sample("dataworks_up", labels: [], value: snapshot.isUp ? 1 : 0)
        try writer.family(
            "dataworks_scrape_duration_seconds",
            type: .gauge,
            help: "How long the last collection took, in seconds."
        )
        try writer.sample("dataworks_scrape_duration_seconds", labels: [], value: snapshot.durationSeconds)
        try writer.family(
            "dataworks_scrape_timeout_seconds",
            type: .gauge,
            help:
                "The time budget of the last collection, in seconds: the scrape timeout minus the offset, capped by collector.scrape_timeout."
        )
        try writer.sample("dataworks_scrape_timeout_seconds", labels: [], value: snapshot.timeoutSeconds)
    }
}
