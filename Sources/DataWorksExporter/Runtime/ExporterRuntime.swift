import DataWorksAPI
import Foundation
import HTTPServer
import LockedValue
import Logging

/// The exporter's request handling and its configuration reloads.
///
/// Holds the current ``Generation`` (client, collector, interval loop of one configuration) and the reload status;
/// a reload swaps in a new generation while the parts in ``SharedParts`` (API counters, rate limiter, transport,
/// credentials) stay. Scrapes that started before a reload finish on the old generation.
///
/// Thread safety: the state is locked; every method may be called from any task.
final class ExporterRuntime: Sendable {
    private struct State {
        var generation: Generation
        var reload: ConfigReloadStatus
        var isStopped = false
    }

    let shared: SharedParts
    let telemetryPath: String
    /// The path every endpoint is served under (`--web.route-prefix`); `/` for none.
    let routePrefix: String
    private let loadConfig: (@Sendable () throws(ConfigError) -> ExporterConfig)?
    private let gate: ScrapeGate
    private let state: Locked<State>

    init(
        config: ExporterConfig,
        shared: SharedParts,
        telemetryPath: String,
        routePrefix: String = "/",
        maxRequests: Int,
        loadConfig: (@Sendable () throws(ConfigError) -> ExporterConfig)?
    ) {
        self.shared = shared
        self.telemetryPath = telemetryPath
        self.routePrefix = routePrefix
        self.loadConfig = loadConfig
        self.gate = ScrapeGate(limit: maxRequests)
        self.state = Locked(
            State(
                generation: Generation(config: config, shared: shared),
                reload: ConfigReloadStatus(successful: true, lastSuccessTimestamp: Date().timeIntervalSince1970)
            )
        )
    }

    /// The generation serving now.
    var generation: Generation {
        state.withLock { $0.generation }
    }

    /// The outcome of the last load, for the `dataworks_exporter_config_last_reload_*` families.
    var reloadStatus: ConfigReloadStatus {
        state.withLock { $0.reload }
    }

    // MARK: - Requests

    /// Answers one request: the scrape paths (telemetry path, `/probe`) within the in-flight cap, `/-/reload`, and
    /// the rest of ``Routes``.
    func handle(_ request: ServerRequest) async -> ServerResponse {
        var request = request
        if routePrefix != "/" {
            // Behind a path-prefix proxy: `/prefix` redirects to `/prefix/` (the landing page's links are relative),
            // `/prefix/x` is served as `/x`, anything else is not ours.
            if request.path == routePrefix {
                var response = ServerResponse.text("302 found: \(routePrefix)/\n", status: 302)
                response.headers.append(HTTPHeader(name: "Location", value: routePrefix + "/"))
                return response
            }
            guard request.path.hasPrefix(routePrefix + "/") else {
                return .text("404 page not found (routes are under \(routePrefix)/)\n", status: 404)
            }
            request.path = String(request.path.dropFirst(routePrefix.count))
        }
        let generation = self.generation
        let routes = self.routes(for: generation)
        guard request.path == telemetryPath || request.path == Probe.path else {
            return await routes.handle(request)
        }
        let answer = await gate.run { await routes.handle(request) }
        return answer
            ?? .text(
                "503 too many scrapes in flight (limit \(gate.limit), --web.max-requests); try again later\n",
                status: 503
            )
    }

    private func routes(for generation: Generation) -> Routes {
        let collector = generation.collector
        let renderedDeployments = generation.renderedDeployments
        let apiMetrics = shared.apiMetrics
        let probe = Probe(
            targets: generation.config.targets,
            client: generation.client,
            settings: generation.config.collector,
            logger: shared.logger
        )
        return Routes(
            telemetryPath: telemetryPath,
            summary: generation.summary,
            metrics: { [self] request in
                let snapshot = await collector.snapshot(scrapeTimeout: request.scrapeTimeoutSeconds)
                return try MetricsRenderer().segments(
                    snapshot: snapshot,
                    deployments: renderedDeployments,
                    api: apiMetrics.current,
                    configReload: reloadStatus,
                    format: request.format
                )
            },
            additional: [
                Probe.path: probe.handle,
                "/-/reload": { [self] request in await reloadRoute(request) },
            ]
        )
    }

    /// `POST /-/reload`: 200 when the file was loaded, 500 with the reason when not; other methods get 405.
    private func reloadRoute(_ request: ServerRequest) async -> ServerResponse {
        guard request.method == "POST" || request.method == "PUT" else {
            var response = ServerResponse.text("405 method not allowed: use POST\n", status: 405)
            response.headers.append(HTTPHeader(name: "Allow", value: "POST, PUT"))
            return response
        }
        do {
            let generation = try await reload()
            return .text("configuration reloaded: \(generation.summary)\n")
        } catch {
            return .text("failed to reload config: \(error)\n", status: 500)
        }
    }

    // MARK: - Reload and stop

    /// Reads the configuration file again and, when it is valid, serves it from now on: removed deployments vanish
    /// from the next scrape, kept ones keep their last values. An invalid file keeps the configuration in use and
    /// sets `dataworks_exporter_config_last_reload_successful` to 0.
    ///
    /// - Returns: The new generation.
    /// - Throws: ``ReloadError``.
    @discardableResult
    func reload() async throws(ReloadError) -> Generation {
        let logger = shared.logger
        guard let loadConfig else {
            logger.error("configuration reload failed", metadata: ["error": "\(ReloadError.noConfigurationFile)"])
            state.withLock { $0.reload.successful = false }
            throw ReloadError.noConfigurationFile
        }
        let config: ExporterConfig
        do {
            config = try loadConfig()
        } catch {
            logger.error(
                "configuration reload failed, keeping the configuration in use",
                metadata: ["error": "\(error)"]
            )
            state.withLock { $0.reload.successful = false }
            throw ReloadError.invalidConfiguration(error)
        }
        guard !config.targets.isEmpty else {
            let error = ReloadError.noTargets
            logger.error("configuration reload failed", metadata: ["error": "\(error)"])
            state.withLock { $0.reload.successful = false }
            throw error
        }
        let old = generation
        warnAboutRestartOnlySettings(old: old.config.dataworks, new: config.dataworks)
        let new = await Generation.make(
            config: config,
            shared: shared,
            memory: await old.collector.memory()
        )
        let replaced = state.withLock { state -> Generation? in
            guard !state.isStopped else { return nil }
            let replaced = state.generation
            state.generation = new
            state.reload = ConfigReloadStatus(successful: true, lastSuccessTimestamp: Date().timeIntervalSince1970)
            return replaced
        }
        guard let replaced else {
            await new.retire()
            throw ReloadError.stopping
        }
        await replaced.retire()
        logger.info("configuration reloaded", metadata: ["targets": "\(new.summary)"])
        return new
    }

    /// Stops the interval loop of the generation in use; later reloads are refused. Idempotent.
    func stop() async {
        let generation = state.withLock { state in
            state.isStopped = true
            return state.generation
        }
        await generation.retire()
    }

    /// Settings used to build the parts kept across reloads: a change is logged, and applies after a restart.
    private func warnAboutRestartOnlySettings(old: DataWorksSettings, new: DataWorksSettings) {
        var changed: [String] = []
        if old.concurrency != new.concurrency { changed.append("concurrency") }
        if old.rateLimit != new.rateLimit { changed.append("rate_limit") }
        if old.burst != new.burst { changed.append("burst") }
        if old.quotaPause != new.quotaPause { changed.append("quota_pause") }
        if old.credentialFiles != new.credentialFiles { changed.append("access_key_id_file/access_key_secret_file") }
        if !changed.isEmpty {
            shared.logger.warning(
                "changed dataworks settings take effect after a restart",
                metadata: ["settings": "\(changed.joined(separator: ","))"]
            )
        }
    }
}
