import CurlClient
public import DataWorksAPI
import Foundation
import HTTPServer
public import Logging

/// The running exporter: the libcurl client, the DataWorks API client, the collector, and the HTTP server,
/// wired from an ``ExporterConfig``.
public final class Exporter: Sendable {
    /// The default port, outside the fully allocated exporter range 9100–9999.
    public static let defaultPort = 19520

    /// Web settings from the command line.
    public struct Options: Sendable {
        /// `--web.listen-address`, repeatable: `host:port`, `[v6]:port` or `:port`.
        public var listenAddresses: [String]
        /// `--web.telemetry-path`.
        public var telemetryPath: String
        /// `--web.config.file`, loaded: TLS, basic auth and extra headers. Default: plain HTTP, no authentication.
        public var webConfig: WebConfig
        /// `--web.max-requests`: the most scrapes (telemetry path and `/probe`) at once; more get 503. 0 means no
        /// limit. Default 40, as node_exporter.
        public var maxRequests: Int
        /// `--web.max-connections`: the most open connections per listen address; libmicrohttpd refuses more.
        /// Default 64.
        public var maxConnections: Int
        /// Reads the configuration again for a reload (SIGHUP, `POST /-/reload`); `nil` when there is no file, and
        /// reloads fail.
        public var reloadConfig: (@Sendable () throws(ConfigError) -> ExporterConfig)?
        /// `--web.route-prefix` (or the path of `--web.external-url`): the path every endpoint is served under,
        /// e.g. `/dataworks` behind a path-prefix proxy; `/` (the default) for none. No trailing `/`.
        public var routePrefix: String

        /// Creates options.
        public init(
            listenAddresses: [String] = [":\(Exporter.defaultPort)"],
            telemetryPath: String = "/metrics",
            webConfig: WebConfig = WebConfig(),
            maxRequests: Int = 40,
            maxConnections: Int = 64,
            reloadConfig: (@Sendable () throws(ConfigError) -> ExporterConfig)? = nil,
            routePrefix: String = "/"
        ) {
            self.routePrefix = routePrefix
            self.listenAddresses = listenAddresses
            self.telemetryPath = telemetryPath
            self.webConfig = webConfig
            self.maxRequests = maxRequests
            self.maxConnections = maxConnections
            self.reloadConfig = reloadConfig
        }
    }

    /// The API counters this exporter serves; kept across reloads.
    public let apiMetrics: APIMetrics
    /// The collector behind `/metrics` for the configuration in use (a reload replaces it).
    public var collector: Collector { runtime.generation.collector }
    /// The exposition kept of the collector's served snapshot; for tests.
    var renderedDeployments: RenderedDeployments { runtime.generation.renderedDeployments }
    /// The per-region rate limiter of the API client; kept across reloads.
    public let rateLimiter: RateLimiter
    private let transport: CurlHTTPClient
    private let server: HTTPServer
    private let runtime: ExporterRuntime

    /// Starts serving.
    ///
    /// - Parameters:
    ///   - config: The validated configuration.
    ///   - credentialsProvider: Where AccessKeys come from.
    ///   - options: Listen addresses, telemetry path, limits and how to reload.
    ///   - logger: Receives collection failures and server events.
    /// - Throws: `TransportError` when libcurl cannot start, `ServerError` when a listen address cannot be bound.
    public init(
        config: ExporterConfig,
        credentialsProvider: any CredentialsProvider,
        options: Options = Options(),
        logger: Logger
    ) throws {
        let settings = config.dataworks
        let transport = try CurlHTTPClient(
            configuration: .init(maxConcurrentTransfers: settings.concurrency)
        )
        let apiMetrics = APIMetrics(actions: config.apiActions)
        let rateLimiter = RateLimiter(
            configuration: .init(rate: settings.rateLimit, burst: settings.burst, quotaPause: settings.quotaPause),
            logger: logger
        )
        let shared = SharedParts(
            transport: transport,
            credentialsProvider: credentialsProvider,
            apiMetrics: apiMetrics,
            rateLimiter: rateLimiter,
            logger: logger
        )
        let runtime = ExporterRuntime(
            config: config,
            shared: shared,
            telemetryPath: options.telemetryPath,
            routePrefix: options.routePrefix,
            maxRequests: options.maxRequests,
            loadConfig: options.reloadConfig
        )
        do {
            let gate = WebGate(config: options.webConfig)
            self.server = try HTTPServer(
                configuration: .init(
                    listenAddresses: options.listenAddresses,
                    connectionLimit: options.maxConnections,
                    tls: options.webConfig.tls
                )
            ) { request in
                await gate.handle(request) { await runtime.handle($0) }
            }
        } catch {
            runtime.generation.loop?.cancel()
            transport.shutdown()
            throw error
        }
        self.transport = transport
        self.apiMetrics = apiMetrics
        self.rateLimiter = rateLimiter
        self.runtime = runtime
    }

    /// Reads the configuration file again (as SIGHUP and `POST /-/reload` do) and serves it from now on. Deployments
    /// no longer configured vanish from the next scrape; API counters and the rate limiter carry on.
    ///
    /// - Returns: What is configured now, e.g. `4 deployment(s) in 1 target(s)`.
    /// - Throws: ``ReloadError``; the configuration in use stays and
    ///   `dataworks_exporter_config_last_reload_successful` becomes 0.
    @discardableResult
    public func reload() async throws(ReloadError) -> String {
        try await runtime.reload().summary
    }

    /// The bound ports, one per listen address.
    public var ports: [Int] { server.ports }

    /// Stops accepting connections at once, starts no new API attempt (scrapes in flight finish with what they have
    /// or get by then), lets those scrapes finish within `gracePeriod` (then cancels them), stops the interval loop,
    /// and shuts the libcurl client down. Returns as soon as no scrape is left. Idempotent.
    ///
    /// - Parameter gracePeriod: How long scrapes in flight may keep running. Default 10 seconds.
    public func stop(gracePeriod: Duration = .seconds(10)) async {
        transport.stopStartingRequests()
        await server.stop(gracePeriod: gracePeriod)
        await runtime.stop()
        transport.shutdown()
    }
}
