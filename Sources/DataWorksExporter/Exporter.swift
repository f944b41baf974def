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

        /// Creates options.
        public init(
            listenAddresses: [String] = [":\(Exporter.defaultPort)"],
            telemetryPath: String = "/metrics",
            webConfig: WebConfig = WebConfig()
        ) {
            self.listenAddresses = listenAddresses
            self.telemetryPath = telemetryPath
            self.webConfig = webConfig
        }
    }

    /// The API counters this exporter serves.
    public let apiMetrics: APIMetrics
    /// The collector behind `/metrics`.
    public let collector: Collector
    /// The per-region rate limiter of the API client.
    public let rateLimiter: RateLimiter
    private let transport: CurlHTTPClient
    private let server: HTTPServer
    /// Interval mode's collection loop; cancelled and awaited by ``stop()``.
    private let loop: Task<Void, Never>?

    /// Starts serving.
    ///
    /// - Parameters:
    ///   - config: The validated configuration.
    ///   - credentialsProvider: Where AccessKeys come from.
    ///   - options: Listen addresses and telemetry path.
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
        let apiMetrics = APIMetrics(actions: [GetDeploymentRequest.action, ListDeploymentsRequest.action])
        let rateLimiter = RateLimiter(
            configuration: .init(rate: settings.rateLimit, burst: settings.burst, quotaPause: settings.quotaPause),
            logger: logger
        )
        let client = DataWorksClient(
            configuration: .init(
                endpointOverride: settings.endpoint,
                network: settings.network,
                signatureVersion: settings.signature,
                connectTimeout: settings.connectTimeout,
                requestTimeout: settings.requestTimeout,
                retries: settings.retries,
                userAgentSuffix: settings.userAgent
            ),
            credentialsProvider: credentialsProvider,
            transport: transport,
            observer: apiMetrics,
            rateLimiter: rateLimiter,
            logger: logger
        )
        let items = config.targets.flatMap { target in
            target.deploymentIds.map { id in
                DeploymentKey(regionId: target.regionId, project: target.project, deploymentId: id)
            }
        }
        let collector = Collector(
            client: client,
            targets: config.targets,
            settings: .init(
                concurrency: settings.concurrency,
                maxBudget: config.collector.scrapeTimeout,
                timeoutOffset: config.collector.timeoutOffset,
                cacheTTL: config.collector.cacheTTL,
                terminalRefresh: config.collector.terminalRefresh,
                maxStale: config.collector.maxStale,
                mode: config.collector.mode,
                interval: config.collector.interval,
                usesListings: config.collector.listDeployments
            ),
            logger: logger,
            apiMetrics: apiMetrics,
            rateLimiter: rateLimiter
        )
        let renderer = MetricsRenderer()
        // The configuration was loaded before this init ran; a reload (later) replaces this status.
        let configReload = ConfigReloadStatus(successful: true, lastSuccessTimestamp: Date().timeIntervalSince1970)
        let routes = Routes(
            telemetryPath: options.telemetryPath,
            summary: "\(items.count) deployment(s) in \(config.targets.count) target(s)"
        ) { request in
            let snapshot = await collector.snapshot(scrapeTimeout: request.scrapeTimeoutSeconds)
            return try renderer.render(
                snapshot: snapshot,
                api: await apiMetrics.current,
                configReload: configReload,
                format: request.format
            )
        }
        let gate = WebGate(config: options.webConfig)
        do {
            self.server = try HTTPServer(
                configuration: .init(listenAddresses: options.listenAddresses, tls: options.webConfig.tls)
            ) { request in
                await gate.handle(request) { await routes.handle($0) }
            }
        } catch {
            transport.shutdown()
            throw error
        }
        self.transport = transport
        self.apiMetrics = apiMetrics
        self.collector = collector
        self.rateLimiter = rateLimiter
        self.loop = config.collector.mode == .interval ? Task { await collector.runInterval() } : nil
    }

    /// The bound ports, one per listen address.
    public var ports: [Int] { server.ports }

    /// Stops the server (draining in-flight scrapes) and the libcurl client. Idempotent.
    public func stop() async {
        loop?.cancel()
        await loop?.value
        await server.stop()
        transport.shutdown()
    }
}
