/// Why a configuration reload was refused; the configuration in use stays.
public enum ReloadError: Error, Sendable, CustomStringConvertible {
    /// The exporter was started without a configuration file to read again (for example in `--demo`).
    case noConfigurationFile
    /// The file is invalid: the loader's error, with `file:line:column`.
    case invalidConfiguration(ConfigError)
    /// The exporter is stopping.
    case stopping

    /// The reason, as answered by `POST /-/reload` and logged on SIGHUP.
    public var description: String {
        switch self {
        case .noConfigurationFile: "no configuration file to reload (the exporter runs without one)"
        case .invalidConfiguration(let error): "\(error)"
        case .stopping: "the exporter is stopping"
        }
    }
}
