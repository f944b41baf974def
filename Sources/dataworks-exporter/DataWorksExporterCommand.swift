import ArgumentParser
import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Dispatch
import Foundation
import HTTPServer
import LockedValue
import Logging

/// `dataworks-exporter`: parses flags, loads the config (or starts the demo), reloads it on SIGHUP, runs until SIGTERM
/// or SIGINT.
@main
struct DataWorksExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataworks-exporter",
        abstract: "Prometheus exporter for Alibaba Cloud DataWorks deployments (GetDeployment).",
        version:
            "dataworks-exporter \(BuildInfo.version) (revision \(BuildInfo.revision), swift \(BuildInfo.swiftVersion))"
    )

    @Option(name: .customLong("config.file"), help: "Configuration file (YAML).")
    var configFile = "dataworks.yml"

    @Flag(name: .customLong("config.check"), help: "Validate the configuration file, then exit 0 (valid) or 1.")
    var configCheck = false

    @Flag(
        name: .customLong("config.allow-no-targets"),
        help: "Start (and pass --config.check) with a configuration without targets; reloads still refuse one."
    )
    var allowNoTargets = false

    @Option(
        name: .customLong("web.listen-address"),
        help: ArgumentHelp(
            "Address to listen on: host:port, [v6]:port or :port (:port and [::]:port are dual-stack). Repeatable. "
                + "(default: :\(Exporter.defaultPort))"
        )
    )
    var listenAddresses: [String] = []

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Option(
        name: .customLong("web.external-url"),
        help:
            "The URL under which the exporter is reachable from outside, e.g. behind a reverse proxy that adds a path; its path is the default route prefix."
    )
    var externalURL: String?

    @Option(
        name: .customLong("web.route-prefix"),
        help:
            "Prefix for every endpoint, e.g. /dataworks behind a path-prefix proxy. (default: path of --web.external-url, or /)"
    )
    var routePrefix: String?

    @Option(
        name: .customLong("web.config.file"),
        help: "Web configuration (exporter-toolkit format) for TLS, basic auth and response headers."
    )
    var webConfigFile: String?

    @Option(
        name: .customLong("web.max-requests"),
        help: "Maximum number of scrapes (telemetry path and /probe) served at once; more get 503. 0 means no limit."
    )
    var maxRequests = 40

    @Option(
        name: .customLong("web.max-connections"),
        help: "Maximum number of open connections per listen address."
    )
    var maxConnections = 64

    @Option(
        name: .customLong("web.shutdown-grace-period"),
        help: "Seconds that scrapes in flight may take to finish on SIGTERM or SIGINT."
    )
    var shutdownGracePeriod = 10.0

    @Option(
        name: .customLong("log.level"),
        help: "Only log messages with this severity or above: debug, info, warn, error."
    )
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt, json.")
    var logFormat = "logfmt"

    @Flag(
        name: .customLong("demo"),
        help:
            "Run against the built-in DataWorks simulator on loopback, with its own test AccessKey; no account needed."
    )
    var demo = false

    /// `--web.route-prefix`, else the path of `--web.external-url`, else `/`; without a trailing `/`.
    var effectiveRoutePrefix: String {
        let prefix = routePrefix ?? externalURL.flatMap { URL(string: $0)?.path } ?? "/"
        let trimmed = String(prefix.reversed().drop(while: { $0 == "/" }).reversed())
        return trimmed.isEmpty ? "/" : trimmed
    }

    func validate() throws {
        guard Self.level(logLevel) != nil else {
            throw ValidationError("--log.level must be one of debug, info, warn, error; got '\(logLevel)'")
        }
        guard LineLogHandler.Format(rawValue: logFormat) != nil else {
            throw ValidationError("--log.format must be logfmt or json; got '\(logFormat)'")
        }
        guard telemetryPath.hasPrefix("/"), !telemetryPath.hasPrefix("/-/"), telemetryPath != "/" else {
            throw ValidationError("--web.telemetry-path must start with / and must not be / or under /-/")
        }
        if let externalURL {
            guard let url = URL(string: externalURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil
            else {
                throw ValidationError("--web.external-url must be an absolute http or https URL; got '\(externalURL)'")
            }
        }
        if let routePrefix, !routePrefix.hasPrefix("/") {
            throw ValidationError("--web.route-prefix must start with /; got '\(routePrefix)'")
        }
        guard maxRequests >= 0 else {
            throw ValidationError("--web.max-requests must be 0 (no limit) or more; got \(maxRequests)")
        }
        guard maxConnections >= 1 else {
            throw ValidationError("--web.max-connections must be 1 or more; got \(maxConnections)")
        }
        guard shutdownGracePeriod.isFinite, shutdownGracePeriod >= 0 else {
            throw ValidationError("--web.shutdown-grace-period must be 0 or more seconds")
        }
        if demo && configCheck {
            throw ValidationError("--demo and --config.check cannot be combined")
        }
    }

    static func level(_ name: String) -> Logger.Level? {
        switch name {
        case "debug": .debug
        case "info": .info
        case "warn": .warning
        case "error": .error
        default: nil
        }
    }

    func run() async throws {
        let format = LineLogHandler.Format(rawValue: logFormat) ?? .logfmt
        let level = Self.level(logLevel) ?? .info
        // One limiter for the process: a storm of one kind of event (say, throttling) is summarised, not repeated.
        let rateLimiter = LogRateLimiter()
        LoggingSystem.bootstrap { label in
            LineLogHandler(label: label, format: format, level: level, rateLimiter: rateLimiter)
        }
        let logger = Logger(label: "dataworks_exporter")

        if configCheck {
            var refused = false
            do {
                if let webConfigFile {
                    _ = try WebConfig.load(path: webConfigFile)
                }
                let config = try ExporterConfig.load(path: configFile)
                let count = config.targets.reduce(0) { $0 + $1.deploymentIds.count }
                print("\(configFile): valid: \(config.targets.count) target(s), \(count) deployment(s)")
                if config.targets.isEmpty {
                    FileHandle.standardError.write(
                        Data("warning: \(configFile) has no targets: nothing will be exported\n".utf8)
                    )
                    // An empty file looks like one written half-way: refused unless allowed explicitly.
                    refused = !allowNoTargets
                }
            } catch {
                // Every problem of the file, one a line.
                FileHandle.standardError.write(Data(error.all.map { "\($0)\n" }.joined().utf8))
                throw ExitCode(1)
            }
            if refused { throw ExitCode(1) }
            return
        }

        // Before the collections allocate: large transient blocks go back to the kernel when freed.
        MallocTuning.apply(environment: ProcessInfo.processInfo.environment)
        // Installed first, so an early SIGHUP cannot kill the process (its default action) and an early SIGTERM
        // waits for the orderly stop.
        let signals = SignalStream(signals: [SIGHUP, SIGTERM, SIGINT])
        let config: ExporterConfig
        let credentials: any CredentialsProvider
        var simulator: DataWorksSimulator?
        if demo {
            let now = Int64(Date().timeIntervalSince1970 * 1_000)
            let deployments = SimulatedDeployment.demoSet(now: now)
            let started = try DataWorksSimulator(
                deployments: deployments,
                pipelineRuns: SimulatedPipelineRun.demoSet(now: now),
                crossProjectPipelineRuns: SimulatedCrossProjectPipelineRun.demoSet(now: now),
                releaseHistory: .demo(now: now)
            )
            simulator = started
            config = try ExporterConfig.demo(
                endpoint: started.endpoint,
                deploymentIds: deployments.map(\.deploymentId),
                pipelineRunProjectId: SimulatedDeployment.demoProjectId
            )
            credentials = StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            )
            logger.info("demo mode: built-in DataWorks simulator", metadata: ["endpoint": "\(started.endpoint)"])
        } else {
            do {
                config = try ExporterConfig.load(path: configFile)
            } catch {
                logger.error("cannot load configuration", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
            guard !config.targets.isEmpty || allowNoTargets else {
                logger.error(
                    "the configuration has no targets (an empty file, or one written half-way?); start with --config.allow-no-targets to serve only the exporter's own metrics",
                    metadata: ["file": "\(configFile)"]
                )
                throw ExitCode(1)
            }
            credentials = try config.credentialsProvider(logger: logger)
        }

        var webConfig = WebConfig()
        if let webConfigFile {
            do {
                webConfig = try WebConfig.load(path: webConfigFile)
            } catch {
                logger.error("cannot load web configuration", metadata: ["error": "\(error)"])
                await simulator?.stop()
                throw ExitCode(1)
            }
            logger.info(
                "web configuration",
                metadata: [
                    "file": "\(webConfigFile)", "tls": "\(webConfig.tls != nil)",
                    "basic_auth_users": "\(webConfig.users.count)",
                ]
            )
        }
        let credentialsName = await credentials.resolvedName(logger: logger)
        // The demo listens on loopback only unless told otherwise; a real run on every interface, as node_exporter.
        let defaultAddress = demo ? "127.0.0.1:\(Exporter.defaultPort)" : ":\(Exporter.defaultPort)"
        let addresses = listenAddresses.isEmpty ? [defaultAddress] : listenAddresses
        if config.targets.isEmpty {
            logger.warning("the configuration has no targets: only the exporter's own metrics will be served")
        }
        let path = configFile
        let reload: (@Sendable () throws(ConfigError) -> ExporterConfig)?
        if demo {
            reload = nil
        } else {
            reload = { () throws(ConfigError) -> ExporterConfig in try ExporterConfig.load(path: path) }
        }
        let exporter: Exporter
        do {
            exporter = try Exporter(
                config: config,
                credentialsProvider: credentials,
                options: .init(
                    listenAddresses: addresses,
                    telemetryPath: telemetryPath,
                    webConfig: webConfig,
                    maxRequests: maxRequests,
                    maxConnections: maxConnections,
                    reloadConfig: reload,
                    routePrefix: effectiveRoutePrefix
                ),
                logger: logger
            )
        } catch {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            await simulator?.stop()
            throw ExitCode(1)
        }
        logger.info(
            "listening",
            metadata: [
                "addresses": "\(addresses.joined(separator: ","))",
                "ports": "\(exporter.ports.map(String.init).joined(separator: ","))",
                "telemetry_path": "\(telemetryPath)",
                "route_prefix": "\(effectiveRoutePrefix)",
                "version": "\(BuildInfo.version)",
                "credentials_provider": "\(credentialsName)",
            ]
        )
        for await signal in signals.stream {
            guard signal == SIGHUP else {
                logger.info("shutting down", metadata: ["signal": "\(SignalStream.name(of: signal))"])
                break
            }
            logger.info("reloading configuration", metadata: ["signal": "SIGHUP", "file": "\(configFile)"])
            // Failures are logged by the exporter and shown by dataworks_exporter_config_last_reload_successful.
            _ = try? await exporter.reload()
        }
        let milliseconds = Int64((shutdownGracePeriod * 1_000).rounded())
        await exporter.stop(gracePeriod: .milliseconds(milliseconds))
        await simulator?.stop()
        logger.info("stopped")
    }
}

/// Signals delivered as an async sequence. Each signal's default action is turned off for the life of the process.
struct SignalStream: Sendable {
    let stream: AsyncStream<Int32>

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(8))
        self.stream = stream
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            SignalSources.keep(source)
        }
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(signal)"
        }
    }
}

/// Keeps the signal sources alive for the life of the process.
private enum SignalSources {
    private static let sources = Locked<[any DispatchSourceSignal]>([])

    static func keep(_ source: any DispatchSourceSignal) {
        sources.withLock { $0.append(source) }
    }
}
