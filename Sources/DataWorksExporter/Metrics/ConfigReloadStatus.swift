/// The outcome of the last configuration load, for `dataworks_exporter_config_last_reload_successful` and
/// `dataworks_exporter_config_last_reload_success_timestamp_seconds` (the metric contract of `DESIGN.md`, named as
/// Prometheus and Alertmanager name theirs).
public struct ConfigReloadStatus: Sendable, Hashable {
    /// Whether the last load (at start, or a later reload) succeeded.
    public var successful: Bool
    /// When the configuration in use was last loaded successfully, in seconds since the Unix epoch.
    public var lastSuccessTimestamp: Double

    /// Creates a status.
    ///
    /// - Parameters:
    ///   - successful: Whether the last load succeeded.
    ///   - lastSuccessTimestamp: The time of the last successful load, in seconds since the Unix epoch.
    public init(successful: Bool, lastSuccessTimestamp: Double) {
        self.successful = successful
        self.lastSuccessTimestamp = lastSuccessTimestamp
    }
}
