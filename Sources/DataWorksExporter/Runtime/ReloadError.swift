/// Why a configuration reload was refused; the configuration in use stays.
public enum ReloadError: Error, Sendable, CustomStringConvertible {
    /// The exporter was started without a configuration file to read again (for example in `--demo`).
    case noConfigurationFile
    /// The file is invalid: the loader's error, with `file:line:column`.
    case invalidConfiguration(ConfigError)
    /// The file is valid but has no targets (an empty file, or one written half-way): taking it would drop every
    /// series, so the configuration in use stays.
    case noTargets
    /// The exporter is stopping.
    case stopping

    /// The reason, as answered by `POST /-/reload` and logged on SIGHUP.
    public var description: String {
        switch self {
        case .noConfigurationFile: "no configuration file to reload (the exporter runs without one)"
        case .invalidConfiguration(let error): "\(error)"
        case .noTargets:
            "the configuration has no targets (an empty file, or one written half-way?); keeping the configuration in use"
        case .stopping: "the exporter is stopping"
        }
    }
}
