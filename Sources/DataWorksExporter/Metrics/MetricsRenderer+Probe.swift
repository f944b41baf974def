extension MetricsRenderer {
    /// Renders the answer to one `/probe`: the deployment families for the probed deployment (empty when the fetch
    /// failed) plus blackbox_exporter's `probe_success` and `probe_duration_seconds`.
    ///
    /// - Parameters:
    ///   - sample: The probed deployment; `deployment` is `nil` when the fetch failed.
    ///   - durationSeconds: How long the probe took, in seconds.
    ///   - format: The exposition format negotiated from `Accept`; text 0.0.4 by default.
    /// - Returns: The body of a `/probe` answer in `format` (OpenMetrics ends with `# EOF`).
    /// - Throws: ``ExpositionError`` only on a programming error.
    public func renderProbe(
        sample: DeploymentSample,
        durationSeconds: Double,
        format: ExpositionFormat = .text
    ) throws(ExpositionError) -> [UInt8] {
        var writer = ExpositionWriter(format: format)
        try writeDeployments(
            Snapshot(deployments: [sample], durationSeconds: durationSeconds, timeoutSeconds: 0),
            into: &writer
        )
        try writer.family("probe_success", type: .gauge, help: "Displays whether or not the probe was a success")
        try writer.sample("probe_success", labels: [], value: sample.fetchSucceeded ? 1 : 0)
        try writer.family(
            "probe_duration_seconds",
            type: .gauge,
            help: "Returns how long the probe took to complete in seconds"
        )
        try writer.sample("probe_duration_seconds", labels: [], value: durationSeconds)
        writer.finish()
        return writer.bytes
    }
}
