import CurlClient
import DataWorksAPI
import Logging

/// What the exporter keeps across configuration reloads: the libcurl transport, the credentials, the API counters and
/// the rate limiter. Counters therefore never go backwards, and a region's backoff survives a reload.
struct SharedParts: Sendable {
    let transport: CurlHTTPClient
    let credentialsProvider: any CredentialsProvider
    let apiMetrics: APIMetrics
    let rateLimiter: RateLimiter
    let logger: Logger
}

/// Everything built from one configuration: its API client, its collector and, in interval mode, the collection
/// loop. A reload builds a new generation and retires the old one (``retire()``).
struct Generation: Sendable {
    let config: ExporterConfig
    let client: DataWorksClient
    let collector: Collector
    /// The exposition of the collector's latest served snapshot, kept while the collector may serve it again.
    let renderedDeployments: RenderedDeployments
    /// Interval mode's collection loop.
    let loop: Task<Void, Never>?

    /// The deployments of the configuration, for the landing page and logs: `4 deployment(s) in 1 target(s)`.
    var summary: String {
        let count = config.targets.reduce(0) { $0 + $1.deploymentIds.count }
        return "\(count) deployment(s) in \(config.targets.count) target(s)"
    }

    /// Builds the client and collector for `config` and, when `memory` is given, hands the old collector's knowledge
    /// to the new one before the interval loop (if any) starts.
    static func make(
        config: ExporterConfig,
        shared: SharedParts,
        memory: DeploymentRecords? = nil,
        pipelineRunMemory: PipelineRunRecords? = nil
    ) async -> Generation {
        let (client, collector) = makeCollector(config: config, shared: shared)
        if let memory {
            await collector.adopt(memory)
        }
        if let pipelineRunMemory {
            await collector.adopt(pipelineRuns: pipelineRunMemory)
        }
        return Generation(config: config, client: client, collector: collector)
    }

    /// The first generation, built synchronously at start.
    init(config: ExporterConfig, shared: SharedParts) {
        let (client, collector) = Self.makeCollector(config: config, shared: shared)
        self.init(config: config, client: client, collector: collector)
    }

    private init(config: ExporterConfig, client: DataWorksClient, collector: Collector) {
        self.config = config
        self.client = client
        self.collector = collector
        self.renderedDeployments = RenderedDeployments(keeping: config.collector.reusesSnapshots)
        self.loop = config.collector.mode == .interval ? Task { await collector.runInterval() } : nil
    }

    private static func makeCollector(
        config: ExporterConfig,
        shared: SharedParts
    ) -> (DataWorksClient, Collector) {
        let settings = config.dataworks
        let client = DataWorksClient(
            configuration: .init(
                endpointOverride: settings.endpoint,
                network: settings.network,
                signatureVersion: settings.signature,
                connectTimeout: settings.connectTimeout,
                requestTimeout: settings.requestTimeout,
                retries: settings.retries,
                userAgentSuffix: settings.userAgent,
                caFile: DataWorksClient.Configuration.caFile(configured: settings.caFile)
            ),
            credentialsProvider: shared.credentialsProvider,
            transport: shared.transport,
            observer: shared.apiMetrics,
            rateLimiter: shared.rateLimiter,
            logger: shared.logger
        )
        let collector = Collector(
            client: client,
            targets: config.targets,
            settings: config.collector,
            concurrency: settings.concurrency,
            logger: shared.logger,
            apiMetrics: shared.apiMetrics,
            rateLimiter: shared.rateLimiter
        )
        return (client, collector)
    }

    /// Stops the interval loop and waits for it; a collection in flight is cancelled and keeps what it fetched.
    func retire() async {
        loop?.cancel()
        await loop?.value
    }
}
