import DataWorksAPI

extension MetricsRenderer {
    /// The labels of a release series, in exposition order.
    static func labels(of series: ReleaseSeries) throws(ExpositionError) -> Labels {
        try Labels([
            ("region_id", series.regionId), ("project", series.project), ("kind", series.kind.rawValue),
            ("to_environment", series.toEnvironment), ("status", series.status),
        ])
    }

    /// Writes `dataworks_releases_total` and the histograms `dataworks_release_duration_seconds` and (when enabled)
    /// `dataworks_release_lead_time_seconds` (`DESIGN.md`, "Release analytics"), series in sorted label order, each
    /// with its OpenMetrics `_created` time (when it appeared in this process).
    func writeReleases(_ analytics: ReleaseAnalytics, into writer: inout ExpositionWriter) throws(ExpositionError) {
        try writer.family(
            "dataworks_releases_total",
            type: .counter,
            help:
                "Releases seen reaching a final status by this process (kind deployment, pipeline_run, cross_project); each release counted once, releases final before the process started not counted."
        )
        for series in analytics.releases.keys.sorted() {
            guard let counter = analytics.releases[series] else { continue }
            let labels = try Self.labels(of: series)
            try writer.sample("dataworks_releases_total", labels: labels, value: Double(counter.value))
            try writer.created("dataworks_releases_total", labels: labels, timestamp: counter.created)
        }
        try writeHistograms(
            "dataworks_release_duration_seconds",
            help:
                "Creation to execution or finish (CreateTime to ExecuteTime) of the releases counted in dataworks_releases_total, in seconds.",
            analytics.durations,
            into: &writer
        )
        if analytics.leadTimeEnabled {
            try writeHistograms(
                "dataworks_release_lead_time_seconds",
                help:
                    "Earliest commit (GetFileVersion CommitTime) of a counted release's files to its execution, in seconds; opt-in (collector.release_lead_time).",
                analytics.leadTimes,
                into: &writer
            )
        }
    }

    private func writeHistograms(
        _ name: String,
        help: String,
        _ histograms: [ReleaseSeries: ReleaseAnalytics.Histogram],
        into writer: inout ExpositionWriter
    ) throws(ExpositionError) {
        try writer.family(name, type: .histogram, help: help)
        for series in histograms.keys.sorted() {
            guard let histogram = histograms[series] else { continue }
            let labels = try Self.labels(of: series)
            try writer.histogram(
                name,
                labels: labels,
                buckets: histogram.cumulative,
                sum: histogram.sum,
                count: histogram.count
            )
            try writer.created(name, labels: labels, timestamp: histogram.created)
        }
    }

    /// Writes what shipped: `dataworks_deployment_items` (the deployed items of each package by
    /// `DeployedItems[].Status`, all statuses pre-set) and `dataworks_deployment_checking_status` (1 for the package's
    /// `CheckingStatus`, 0 for the others; only packages that have one).
    func writeShipped(
        _ samples: some Sequence<(Labels, DeploymentSample)>,
        into writer: inout ExpositionWriter
    ) throws(ExpositionError) {
        try writer.family(
            "dataworks_deployment_items",
            type: .gauge,
            help:
                "Files in the deployment package (GetDeployment DeployedItems) by their Status; present once GetDeployment answered."
        )
        for (key, sample) in samples where sample.deployment != nil && !sample.deployedItems.isEmpty {
            var counts: [String: Int] = [:]
            for item in sample.deployedItems {
                counts[item.status?.label ?? "unknown", default: 0] += 1
            }
            for label in DeployedItemStatus.allLabels {
                try writer.sample(
                    "dataworks_deployment_items",
                    labels: key.adding("status", label),
                    value: Double(counts[label] ?? 0)
                )
            }
        }
        try writer.family(
            "dataworks_deployment_checking_status",
            type: .gauge,
            help:
                "The deployment's CheckingStatus: 1 for the one it is in (check_failed, checking, unknown), 0 for the others; absent without one."
        )
        for (key, sample) in samples {
            guard let checking = sample.deployment?.checkingStatus else { continue }
            for label in DeploymentCheckingStatus.allLabels {
                try writer.sample(
                    "dataworks_deployment_checking_status",
                    labels: key.adding("status", label),
                    value: label == checking.label ? 1 : 0
                )
            }
        }
    }
}
