public import DataWorksAPI

/// The exporter's configuration file, parsed and validated.
///
/// ```yaml
/// dataworks:
///   endpoint: ""            # optional override, e.g. http://127.0.0.1:18089
///   signature: v3           # v3 | v1
///   network: public         # public | vpc
///   concurrency: 8          # 1...256
///   connect_timeout: 5s
///   request_timeout: 10s
///   retries: 2              # 0...10
///   user_agent: ""
///   access_key_id_file: ""  # both or neither with access_key_secret_file
///   access_key_secret_file: ""
///   rate_limit: 10          # calls per second per region; 0 for no limit
///   burst: 10               # 1...10000
///   quota_pause: 0s         # after Throttling.Api.Risk/Resource; 0s: until the next UTC day
///   ca_file: ""             # PEM CAs for the endpoint's certificate; default: CURL_CA_BUNDLE, SSL_CERT_FILE, system
/// collector:
///   mode: scrape            # scrape | interval
///   interval: 30s           # interval mode: time between collections
///   scrape_timeout: 30s
///   timeout_offset: 500ms
///   cache_ttl: 0s
///   terminal_refresh: 1h    # re-check of success, failure, rejected deployments
///   max_stale: 10m          # last good values kept after failed fetches
///   list_deployments: true  # refresh through ListDeployments pages when cheaper
///   release_lead_time: false # lead time from commit: one GetFileVersion per new file version released
/// targets:
///   - region_id: cn-zhangjiakou
///     project_id: 10000     # or project_identifier: dw_project
///     deployment_ids: [3000001, 3000002]   # optional with discover
///     discover:             # optional: the workspace's recent deployments
///       max_age: 24h
///       statuses: [ready, failure]         # default: all four
///       limit: 100
///   - region_id: cn-shanghai
///     api_version: 2024-05-18  # pipeline runs: see PipelineRunWatch
///     project_id: 20000
///     discover: {max_age: 24h}
///     cross_project: {}
/// ```
///
/// Every section and every key except those of a target is optional and has the default shown.
/// Durations use the Prometheus syntax (`500ms`, `5s`, `1m`, `1h30m`). Unknown keys, wrong types,
/// bad values and duplicate deployment IDs are ``ConfigError``s with file, line and column.
public struct ExporterConfig: Sendable, Hashable {
    /// How to reach the DataWorks OpenAPI.
    public var dataworks: DataWorksSettings
    /// How collections are bounded and cached.
    public var collector: CollectorSettings
    /// The deployments to watch, grouped by region and project. May be empty.
    public var targets: [Target]

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - dataworks: API settings; defaults as documented on ``DataWorksSettings``.
    ///   - collector: Collector settings; defaults as documented on ``CollectorSettings``.
    ///   - targets: The deployments to watch.
    public init(
        dataworks: DataWorksSettings = DataWorksSettings(),
        collector: CollectorSettings = CollectorSettings(),
        targets: [Target] = []
    ) {
        self.dataworks = dataworks
        self.collector = collector
        self.targets = targets
    }
}

/// Settings of the DataWorks OpenAPI client (the `dataworks:` section).
public struct DataWorksSettings: Sendable, Hashable {
    /// Paths of files holding an AccessKey pair (each file holds one value; surrounding whitespace is
    /// trimmed by the credentials provider). Relative paths are resolved against the config file's directory.
    public struct CredentialFiles: Sendable, Hashable {
        /// The file holding the AccessKey ID.
        public var accessKeyIdFile: String
        /// The file holding the AccessKey secret.
        public var accessKeySecretFile: String

        /// Creates a pair of credential file paths.
        public init(accessKeyIdFile: String, accessKeySecretFile: String) {
            self.accessKeyIdFile = accessKeyIdFile
            self.accessKeySecretFile = accessKeySecretFile
        }
    }

    /// An explicit endpoint (`http(s)://host[:port]` or `host[:port]`) overriding the regional one;
    /// `nil` (the default, also for `""`) means derive it from region and ``network``.
    public var endpoint: String?
    /// The request signature algorithm. Default ``SignatureVersion/v3``.
    public var signature: SignatureVersion
    /// The endpoint family (`public` or `vpc`). Default `.public`.
    public var network: Endpoint.Network
    /// The maximum number of concurrent API requests, 1...256. Default 8.
    public var concurrency: Int
    /// The TCP/TLS connect timeout, positive and at most ``requestTimeout``. Default 5 s, lowered to
    /// ``requestTimeout`` when only that is configured below 5 s.
    public var connectTimeout: Duration
    /// The timeout of one HTTP request attempt, positive. Default 10 s.
    public var requestTimeout: Duration
    /// Retries after a failed attempt, 0...10. Default 2.
    public var retries: Int
    /// Extra text appended to the `User-Agent` header; `nil` (default, also for `""`) for none.
    public var userAgent: String?
    /// Credentials read from files; `nil` (default) to use the Alibaba Cloud default credentials chain.
    public var credentialFiles: CredentialFiles?
    /// Calls per second per region (`rate_limit`), positive; `nil` (`0` in the file) for no limit. Default 10.
    public var rateLimit: Double?
    /// The token bucket's size (`burst`), 1...10000. Default 10.
    public var burst: Int
    /// How long `Throttling.Api.Risk` or `Throttling.Resource` pauses a region (`quota_pause`); `nil` (`0s`, the
    /// default) for until the next UTC day.
    public var quotaPause: Duration?
    /// A PEM file of the CAs the endpoint's TLS certificate must chain to (`ca_file`), e.g. a TLS-inspecting proxy's
    /// or a private endpoint's; relative paths are resolved against the config file's directory. `nil` (default,
    /// also for `""`) for `CURL_CA_BUNDLE`, then `SSL_CERT_FILE`, then the system store.
    public var caFile: String?

    /// Creates settings; every parameter defaults to the documented default.
    public init(
        endpoint: String? = nil,
        signature: SignatureVersion = .v3,
        network: Endpoint.Network = .public,
        concurrency: Int = 8,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(10),
        retries: Int = 2,
        userAgent: String? = nil,
        credentialFiles: CredentialFiles? = nil,
        rateLimit: Double? = 10,
        burst: Int = 10,
        quotaPause: Duration? = nil,
        caFile: String? = nil
    ) {
        self.caFile = caFile
        self.rateLimit = rateLimit
        self.burst = burst
        self.quotaPause = quotaPause
        self.endpoint = endpoint
        self.signature = signature
        self.network = network
        self.concurrency = concurrency
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.retries = retries
        self.userAgent = userAgent
        self.credentialFiles = credentialFiles
    }
}

/// Settings of the collection (the `collector:` section), read by the collector's scheduler, its cycles and the
/// ``Planner``; the one place their defaults are written.
public struct CollectorSettings: Sendable, Hashable {
    /// The upper bound of a collection's time budget, positive. Default 30 s.
    public var scrapeTimeout: Duration
    /// Subtracted from `X-Prometheus-Scrape-Timeout-Seconds` to get the budget; less than
    /// ``scrapeTimeout``. Default 500 ms.
    public var timeoutOffset: Duration
    /// How long a finished collection is reused by later scrapes; zero (default) disables the cache.
    public var cacheTTL: Duration
    /// When collections run (`mode`). Default ``CollectionMode/scrape``.
    public var mode: CollectionMode
    /// The time between the starts of two collections in interval mode (`interval`), positive. Default 30 s.
    public var interval: Duration
    /// How long a terminal status (success, failure, rejected) is trusted before it is checked again
    /// (`terminal_refresh`); zero checks every cycle. Default 1 h.
    public var terminalRefresh: Duration
    /// How long the last good values of a deployment whose fetches fail are still served (`max_stale`). Default 10 m.
    public var maxStale: Duration
    /// Whether refreshes may use `ListDeployments` pages when cheaper (`list_deployments`); false for a RAM policy
    /// that grants only `dataworks:GetDeployment` (discovery still lists). Default true.
    public var listDeployments: Bool
    /// Whether `dataworks_release_lead_time_seconds` is collected (`release_lead_time`): one `GetFileVersion` call per
    /// file version of each successful release first seen, cached for the life of the process. Default false.
    public var releaseLeadTime: Bool

    /// Creates settings; every parameter defaults to the documented default.
    public init(
        scrapeTimeout: Duration = .seconds(30),
        timeoutOffset: Duration = .milliseconds(500),
        cacheTTL: Duration = .zero,
        mode: CollectionMode = .scrape,
        interval: Duration = .seconds(30),
        terminalRefresh: Duration = .seconds(3_600),
        maxStale: Duration = .seconds(600),
        listDeployments: Bool = true,
        releaseLeadTime: Bool = false
    ) {
        self.listDeployments = listDeployments
        self.releaseLeadTime = releaseLeadTime
        self.scrapeTimeout = scrapeTimeout
        self.timeoutOffset = timeoutOffset
        self.cacheTTL = cacheTTL
        self.mode = mode
        self.interval = interval
        self.terminalRefresh = terminalRefresh
        self.maxStale = maxStale
    }

    /// Whether a finished collection's snapshot may serve later scrapes (interval mode, or scrape mode with a
    /// ``cacheTTL``), so that the collector keeps it and its rendered exposition is worth keeping beside it.
    public var reusesSnapshots: Bool {
        mode == .interval || cacheTTL > .zero
    }

    /// The time budget for a scrape whose Prometheus sent `X-Prometheus-Scrape-Timeout-Seconds: scrapeTimeout`
    /// (seconds): the header minus ``timeoutOffset``, capped by ``scrapeTimeout``, and at least 100 ms;
    /// ``scrapeTimeout`` alone without a usable header.
    public func budget(scrapeTimeout header: Double?) -> Duration {
        guard let header, header.isFinite, header > 0 else { return scrapeTimeout }
        let offered = Duration.milliseconds(Int64((header * 1_000).rounded())) - timeoutOffset
        return max(.milliseconds(100), min(offered, scrapeTimeout))
    }
}

/// When collections run (`collector.mode`).
public enum CollectionMode: String, Sendable, Hashable, CaseIterable {
    /// On each scrape of `/metrics`; concurrent scrapes share one collection, reused for `cache_ttl`.
    case scrape
    /// In a background loop every `interval`; `/metrics` serves the latest snapshot.
    case interval
}

/// Which of a workspace's deployments a target watches besides its listed IDs (`discover:`), found through paged
/// `ListDeployments` every cycle.
public struct Discovery: Sendable, Hashable {
    /// Only deployments created at most this long ago (`max_age`), positive. Default 24 h.
    public var maxAge: Duration
    /// Only these statuses (`statuses`: `ready`, `success`, `failure`, `rejected`). Default all four.
    public var statuses: [DeploymentStatus]
    /// At most this many, the newest first (`limit`), 1...10000. Default 100.
    public var limit: Int

    /// Creates settings.
    public init(
        maxAge: Duration = .seconds(86_400),
        statuses: [DeploymentStatus] = DeploymentStatus.known,
        limit: Int = 100
    ) {
        self.maxAge = maxAge
        self.statuses = statuses
        self.limit = limit
    }
}

/// A group of deployments in one DataWorks workspace (an item of `targets:`).
public struct Target: Sendable, Hashable {
    /// The workspace: `region_id`, and `project_id` or `project_identifier` (whose description is the `project` label
    /// value).
    public var workspace: Workspace
    /// The deployment (release package) IDs, positive, unique within this region and project, in file order.
    public var deploymentIds: [Int64]
    /// Discovery of further deployments of the workspace (`discover:`), or `nil`.
    public var discovery: Discovery?
    /// The API version of the workspace (`api_version`): 2020-05-18 (default, deployments) or 2024-05-18 (pipeline
    /// runs, the new Data Studio).
    public var apiVersion: APIVersion = .v2020_05_18
    /// The pipeline runs watched by a 2024-05-18 target; `nil` for a 2020-05-18 target.
    public var pipelineRuns: PipelineRunWatch?

    /// Creates a target.
    ///
    /// - Parameters:
    ///   - regionId: The region, e.g. `cn-zhangjiakou`.
    ///   - project: The workspace.
    ///   - deploymentIds: The deployment IDs.
    ///   - discovery: Discovery settings, or `nil`.
    public init(regionId: String, project: ProjectReference, deploymentIds: [Int64], discovery: Discovery? = nil) {
        self.init(
            workspace: Workspace(regionId: regionId, project: project),
            deploymentIds: deploymentIds,
            discovery: discovery
        )
    }

    /// Creates a target in `workspace`.
    public init(workspace: Workspace, deploymentIds: [Int64], discovery: Discovery? = nil) {
        self.workspace = workspace
        self.deploymentIds = deploymentIds
        self.discovery = discovery
    }

    /// The region, e.g. `cn-zhangjiakou`.
    public var regionId: String { workspace.regionId }
    /// The workspace's project reference.
    public var project: ProjectReference { workspace.project }
}
