public import CurlClient
internal import LockedValue
public import Logging

/// What credential providers built from the environment or a profile file need: the variables, an HTTP client,
/// endpoint overrides, the refresh policy and a logger.
///
/// Source: api-notes §4 (credentials); the overrides exist so that tests reach loopback fakes instead of
/// `100.100.100.200` or a real STS host.
///
/// Its textual forms and reflection mirror list the environment's variable names only, never their values.
public struct CredentialsContext: Sendable, CustomStringConvertible, CustomReflectable {
    /// The environment variables, read when providers are created.
    public var environment: [String: String]
    /// The home directory for `~/.aliyun/config.json` and `~/.alibabacloud/credentials.ini`; `nil` means `HOME`,
    /// then `HOMEPATH`, from ``environment``.
    public var homeDirectory: String?
    /// The libcurl client for STS, the metadata service and credentials URIs.
    public var httpClient: any HTTPTransport
    /// An STS endpoint (host or URL) that wins over `sts_region` and `ALIBABA_CLOUD_STS_REGION`; `nil` for none.
    public var stsEndpoint: String?
    /// The ECS metadata service base URL; `nil` means `http://100.100.100.200`.
    public var metadataBaseURL: String?
    /// When temporary credentials are refreshed, and the clock.
    public var refreshPolicy: RefreshPolicy
    /// Receives refresh failures and fallbacks; never values.
    public var logger: Logger

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - environment: The variables (the process environment in production).
    ///   - homeDirectory: The home directory; `nil` means `HOME`, then `HOMEPATH`.
    ///   - httpClient: The libcurl client.
    ///   - stsEndpoint: STS endpoint override.
    ///   - metadataBaseURL: Metadata service override.
    ///   - refreshPolicy: Refresh margin and clock.
    ///   - logger: The logger.
    public init(
        environment: [String: String],
        homeDirectory: String? = nil,
        httpClient: any HTTPTransport,
        stsEndpoint: String? = nil,
        metadataBaseURL: String? = nil,
        refreshPolicy: RefreshPolicy = RefreshPolicy(),
        logger: Logger = Logger(label: "dataworks_exporter.credentials")
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.httpClient = httpClient
        self.stsEndpoint = stsEndpoint
        self.metadataBaseURL = metadataBaseURL
        self.refreshPolicy = refreshPolicy
        self.logger = logger
    }

    /// Variable names, home directory and overrides; never a variable's value.
    public var description: String {
        "CredentialsContext(variables: \(environment.keys.sorted()), home: \(home ?? "none"), "
            + "sts: \(stsEndpoint ?? "default"), metadata: \(metadataBaseURL ?? "default"))"
    }

    /// The same fields as ``description``, so `dump` never reaches a value.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "variables": environment.keys.sorted(), "home": home as Any, "stsEndpoint": stsEndpoint as Any,
                "metadataBaseURL": metadataBaseURL as Any,
            ],
            displayStyle: .struct
        )
    }

    /// The home directory: ``homeDirectory``, else `HOME`, else `HOMEPATH`; `nil` when none is set.
    public var home: String? {
        if let homeDirectory, !homeDirectory.isEmpty { return homeDirectory }
        return environmentValue(environment, "HOME") ?? environmentValue(environment, "HOMEPATH")
    }

    /// The STS base URL for a profile's `sts_region` and `enable_vpc`, honouring ``stsEndpoint``.
    func stsEndpoint(region: String?, vpc: Bool?) -> String {
        STSEndpoint.resolve(override: stsEndpoint, region: region, vpc: vpc, environment: environment)
    }

    /// An ECS RAM role provider with the environment's flags (so `ALIBABA_CLOUD_ECS_METADATA_DISABLED` holds for
    /// profiles too).
    func ecsProvider(roleName: String?) -> ECSRAMRoleCredentialsProvider {
        ECSRAMRoleCredentialsProvider(
            options: .fromEnvironment(environment, roleName: roleName, metadataBaseURL: metadataBaseURL),
            httpClient: httpClient,
            policy: refreshPolicy,
            logger: logger
        )
    }
}

/// Builds a provider from a file once and keeps it (so its cached temporary credentials survive); a failed build
/// is retried, reading the file again, on the next call.
final class LazyProvider: Sendable {
    private let built = Locked<(any CredentialsProvider)?>(nil)

    func provider(_ build: () throws -> any CredentialsProvider) throws -> any CredentialsProvider {
        try built.withLock { built in
            if let built { return built }
            let provider = try build()
            built = provider
            return provider
        }
    }
}

/// Gives credentials a composite provider name, e.g. `profile/ram_role_arn/static_ak`.
func renamed(_ credentials: Credentials, prefix: String) -> Credentials {
    var credentials = credentials
    credentials.providerName = prefix + "/" + credentials.providerName
    return credentials
}
