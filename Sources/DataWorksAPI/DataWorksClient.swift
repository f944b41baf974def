public import CurlClient
import Foundation
public import Logging

/// Receives one call per HTTP request that ``DataWorksClient`` sends, for self-metrics.
///
/// Implementations must be cheap: they run on the request path. Prefer synchronous, locked implementations (as the
/// exporter's `APIMetrics`) to actors: an actor costs every request two task hops.
public protocol APIRequestObserver: Sendable {
    /// A request to `action` (e.g. `GetDeployment`) finished after `duration`, with `error` when it failed.
    func requestFinished(action: String, duration: Duration, error: APIError?) async
    /// A failed request to `action` will be sent again, for `reason` (`throttled`, `timeout`, `server_error`,
    /// `connect`; see ``APIError/retryReason``).
    func retryScheduled(action: String, reason: String) async
    /// A call to `action` was never sent, for `reason`: not a request, not an error. No default: a no-op in an
    /// extension would be chosen over a conformer's synchronous method wherever that is called with `await`.
    func callSkipped(action: String, reason: CallSkipReason) async
}

/// The workspace a call addresses: the ProjectId or the ProjectIdentifier (API parameters `ProjectId`,
/// `ProjectIdentifier`).
public enum ProjectReference: Sendable, Hashable, CustomStringConvertible {
    /// `ProjectId`, the workspace's numeric ID.
    case id(Int64)
    /// `ProjectIdentifier`, the workspace's English name, e.g. `dw_project`.
    case identifier(String)

    /// The API parameter that carries this reference.
    public var parameter: (name: String, value: String) {
        switch self {
        case .id(let id): ("ProjectId", String(id))
        case .identifier(let identifier): ("ProjectIdentifier", identifier)
        }
    }

    /// The ProjectId as decimal, or the ProjectIdentifier: the `project` label value.
    public var description: String { parameter.value }
}

/// Calls the DataWorks OpenAPI: signs each attempt afresh, sends it through libcurl, decodes the answer, and retries
/// retryable failures while the deadline allows. Deployment packages speak 2020-05-18 (here); pipeline runs speak
/// 2024-05-18 (`DataWorksClient+PipelineRuns.swift`).
///
/// Thread safety: every method may be called from any task.
public final class DataWorksClient: Sendable {
    /// Client settings.
    public struct Configuration: Sendable {
        /// An explicit endpoint (`http://127.0.0.1:8080`, `https://host:port`, or `host`); nil to derive it from the
        /// RegionId.
        public var endpointOverride: String?
        /// Public or VPC endpoints.
        public var network: Endpoint.Network
        /// V3 (`ACS3-HMAC-SHA256`, the default) or V1 (`HMAC-SHA1`).
        public var signatureVersion: SignatureVersion
        /// Time allowed to connect (TCP and TLS). Default 5 s, as the SDK.
        public var connectTimeout: Duration
        /// Time allowed for one attempt. Default 10 s, as the SDK's read timeout.
        public var requestTimeout: Duration
        /// Retries after the first attempt, for retryable failures only. Default 2.
        public var retries: Int
        /// Text appended to the `user-agent` header.
        public var userAgentSuffix: String?
        /// A PEM file of the CAs the endpoint's certificate must chain to (`CURLOPT_CAINFO`); `nil` for libcurl's
        /// default (the system store). See ``caFile(configured:environment:)``.
        public var caFile: String?

        /// Creates a configuration.
        public init(
            endpointOverride: String? = nil,
            network: Endpoint.Network = .public,
            signatureVersion: SignatureVersion = .v3,
            connectTimeout: Duration = .seconds(5),
            requestTimeout: Duration = .seconds(10),
            retries: Int = 2,
            userAgentSuffix: String? = nil,
            caFile: String? = nil
        ) {
            self.caFile = caFile
            self.endpointOverride = endpointOverride
            self.network = network
            self.signatureVersion = signatureVersion
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.retries = max(0, retries)
            self.userAgentSuffix = userAgentSuffix
        }
    }

    /// The API version of the deployment-package calls (`GetDeployment`, `ListDeployments`); the pipeline-run calls
    /// send ``APIVersion/v2024_05_18``.
    public static let apiVersion = APIVersion.v2020_05_18.rawValue

    /// The settings this client runs with.
    public let configuration: Configuration
    let transport: any HTTPTransport
    let credentialsProvider: any CredentialsProvider
    let observer: (any APIRequestObserver)?
    let rateLimiter: RateLimiter?
    let logger: Logger
    /// Endpoints resolved once per region (or the override parsed once); shared with ``observed(by:)`` copies.
    let endpoints: EndpointResolver
    private let userAgent: String

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: Endpoint, signature, timeouts, retries.
    ///   - credentialsProvider: Where AccessKeys come from; asked before every attempt.
    ///   - transport: The libcurl client (its concurrency cap bounds this client's).
    ///   - observer: Told about every request and retry.
    ///   - rateLimiter: Asked for a token before every attempt and told every outcome; `nil` for no limit.
    ///   - logger: For retries and failures; never given secrets.
    public convenience init(
        configuration: Configuration,
        credentialsProvider: any CredentialsProvider,
        transport: any HTTPTransport,
        observer: (any APIRequestObserver)? = nil,
        rateLimiter: RateLimiter? = nil,
        logger: Logger = Logger(label: "dataworks.api")
    ) {
        self.init(
            configuration: configuration,
            credentialsProvider: credentialsProvider,
            transport: transport,
            observer: observer,
            rateLimiter: rateLimiter,
            logger: logger,
            endpoints: EndpointResolver(network: configuration.network, override: configuration.endpointOverride)
        )
    }

    /// Creates a client that resolves endpoints through `endpoints` (``observed(by:)`` shares its client's).
    init(
        configuration: Configuration,
        credentialsProvider: any CredentialsProvider,
        transport: any HTTPTransport,
        observer: (any APIRequestObserver)?,
        rateLimiter: RateLimiter?,
        logger: Logger,
        endpoints: EndpointResolver
    ) {
        self.endpoints = endpoints
        self.configuration = configuration
        self.credentialsProvider = credentialsProvider
        self.transport = transport
        self.observer = observer
        self.rateLimiter = rateLimiter
        self.logger = logger
        var userAgent = "dataworks-exporter (Linux) libcurl"
        if let suffix = configuration.userAgentSuffix, !suffix.isEmpty {
            userAgent += " " + suffix
        }
        self.userAgent = userAgent
    }

    /// The endpoint a call to `regionId` goes to: the override when one is configured, else the region's
    /// (``Endpoint/resolve(regionId:network:override:)``), resolved on the region's first call and then kept.
    ///
    /// - Throws: ``EndpointError`` for an invalid override, or an empty or invalid RegionId without one.
    public func endpoint(regionId: String) throws(EndpointError) -> Endpoint {
        try endpoints.endpoint(regionId: regionId)
    }

    /// Calls `GetDeployment` for one deployment.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId, e.g. `cn-zhangjiakou`; selects the endpoint (not sent).
    ///   - project: `ProjectId` or `ProjectIdentifier`.
    ///   - deploymentId: `DeploymentId`.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: `Data.Deployment` of the answer.
    /// - Throws: ``APIError`` for every failure of the call (the last attempt's), ``CredentialsError`` when no
    ///   AccessKey could be had, ``RegionPausedError`` when the rate limiter paused the region after a quota answer,
    ///   `CancellationError` when the task was cancelled.
    public func getDeployment(
        regionId: String,
        project: ProjectReference,
        deploymentId: Int64,
        deadline: ContinuousClock.Instant
    ) async throws -> Deployment {
        let parameters = ["DeploymentId": String(deploymentId), project.parameter.name: project.parameter.value]
        let answer = try await call(
            action: GetDeploymentRequest.action,
            regionId: regionId,
            parameters: parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeGetDeployment
        )
        return answer.deployment
    }

    /// Calls `ListDeployments` for one page of a workspace's deployments.
    ///
    /// - Parameters:
    ///   - regionId: The RegionId; selects the endpoint (not sent).
    ///   - request: `ProjectId` or `ProjectIdentifier`, `PageNumber`, `PageSize` (at most 100), optional `Status`.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: The page: `Data.{PageNumber, PageSize, TotalCount, Deployments}`.
    /// - Throws: ``APIError``, ``CredentialsError`` or `CancellationError`, as ``getDeployment(regionId:project:deploymentId:deadline:)``.
    public func listDeployments(
        regionId: String,
        request: ListDeploymentsRequest,
        deadline: ContinuousClock.Instant
    ) async throws -> ListDeploymentsPage {
        try await call(
            action: ListDeploymentsRequest.action,
            regionId: regionId,
            parameters: request.parameters,
            deadline: deadline,
            decode: ResponseDecoder.decodeListDeployments
        )
    }

    /// Sends `action` with `parameters` and decodes the answer with `decode`, retrying retryable failures with full
    /// jitter while `deadline` allows. Each attempt is signed anew: a new date and nonce. `version` and `placement`
    /// default to 2020-05-18 with a form body.
    func call<Answer>(
        action: String,
        version: APIVersion = .v2020_05_18,
        placement: ParameterPlacement = .formBody,
        regionId: String,
        parameters: [String: String],
        deadline: ContinuousClock.Instant,
        decode: (HTTPResponse) throws(APIError) -> Answer
    ) async throws -> Answer {
        let endpoint = try endpoints.endpoint(regionId: regionId)
        let clock = ContinuousClock()
        var attempt = 0
        var lastDelay = Duration.zero
        while true {
            guard !Task.isCancelled else {
                await observer?.callSkipped(action: action, reason: Self.cancelReason(deadline: deadline))
                throw CancellationError()
            }
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .milliseconds(10) else {
                // Nothing was sent: the deadline passed before this attempt could start.
                await observer?.callSkipped(action: action, reason: .budget)
                throw APIError.transport(
                    TransportError(kind: .timeout, code: 28, message: "the deadline passed before the request")
                )
            }
            do {
                try await rateLimiter?.acquire(regionId: regionId, deadline: deadline)
            } catch let error as CallNotSentError {
                await observer?.callSkipped(action: action, reason: error.reason)
                throw error
            } catch let error as RegionPausedError {
                await observer?.callSkipped(action: action, reason: .regionPaused)
                throw error
            } catch {
                await observer?.callSkipped(action: action, reason: Self.cancelReason(deadline: deadline))
                throw error
            }
            let credentials = try await credentialsProvider.credentials()
            let remainingNow = clock.now.duration(to: deadline)
            let request = makeRequest(
                action: action,
                version: version,
                placement: placement,
                endpoint: endpoint,
                parameters: parameters,
                credentials: credentials,
                timeout: min(configuration.requestTimeout, max(remainingNow, .milliseconds(10))),
                retry: attempt == 0 ? nil : .init(attempts: attempt, delayMilliseconds: Int(lastDelay.milliseconds))
            )
            let started = clock.now
            let failure: APIError
            var serverWait: Duration?
            do {
                let response = try await transport.send(request)
                if !(200..<300).contains(response.status) {
                    serverWait = ResponseDecoder.retryAfter(response)
                }
                do throws(APIError) {
                    let answer = try decode(response)
                    rateLimiter?.record(regionId: regionId, error: nil)
                    await observer?.requestFinished(
                        action: action,
                        duration: started.duration(to: clock.now),
                        error: nil
                    )
                    return answer
                } catch {
                    // The server may echo what it was sent (V1's SecurityToken in its string to sign).
                    failure = error.redacting(
                        [credentials.accessKeySecret] + (credentials.securityToken.map { [$0] } ?? [])
                    )
                }
            } catch let error as TransportError {
                failure = .transport(error)
            } catch {
                // Cancelled in flight: at the deadline that is an attempt cut by the budget, a timeout like any
                // other (counted once); before it, the exporter is stopping.
                if Deadline.isReached(deadline, now: clock.now) {
                    let cut = APIError.transport(
                        TransportError(kind: .timeout, code: 28, message: "the attempt was cut by the deadline")
                    )
                    await observer?.requestFinished(
                        action: action,
                        duration: started.duration(to: clock.now),
                        error: cut
                    )
                    throw cut
                }
                throw error
            }
            if let serverWait {
                // Held across calls and scrapes: no call to the region before the server's date.
                rateLimiter?.hold(regionId: regionId, for: serverWait)
            }
            rateLimiter?.record(regionId: regionId, error: failure)
            await observer?.requestFinished(action: action, duration: started.duration(to: clock.now), error: failure)
            guard attempt < configuration.retries, let reason = failure.retryReason else {
                throw failure
            }
            // Retry only when the delay plus a useful attempt still fit before the deadline, and never sooner than
            // the server asked.
            guard let delay = backoff(attempt: attempt, serverWait: serverWait ?? failure.retryAfter),
                clock.now.advanced(by: delay + .milliseconds(100)) < deadline
            else {
                throw failure
            }
            await observer?.retryScheduled(action: action, reason: reason)
            var fields: Logger.Metadata = [
                "action": "\(action)", "reason": "\(reason)", "code": "\(failure.errorClass)",
            ]
            fields["delay_ms"] = "\(delay.milliseconds)"
            fields["region_id"] = "\(regionId)"
            if let requestId = failure.requestId {
                fields["request_id"] = "\(requestId)"
            }
            logger.debug("retrying API request", metadata: fields)
            try await Task.sleep(for: delay)
            lastDelay = delay
            attempt += 1
        }
    }

    /// Why a call cancelled before sending was not sent: the budget when the deadline is (about) reached, the exporter
    /// stopping otherwise.
    static func cancelReason(deadline: ContinuousClock.Instant) -> CallSkipReason {
        Deadline.isReached(deadline) ? .budget : .shutdown
    }

    /// The longest server-requested wait (`Retry-After`, `x-acs-retry-after`) that a call sleeps through before its
    /// retry; a longer one ends the call.
    static let maxServerWait = Duration.seconds(10)

    /// The wait before the next attempt: the server's `Retry-After`/`x-acs-retry-after` when it gave one (`nil`, no
    /// retry in this call, when it exceeds ``maxServerWait``), else full-jitter exponential backoff (base 100 ms,
    /// cap 2 s).
    func backoff(attempt: Int, serverWait: Duration?) -> Duration? {
        if let serverWait {
            return serverWait <= Self.maxServerWait ? serverWait : nil
        }
        let ceiling = min(2_000, 100 << min(attempt + 1, 10))
        return .milliseconds(Int.random(in: 0...ceiling))
    }

    /// Signs one attempt with the current time and a fresh nonce.
    func makeRequest(
        action: String,
        version: APIVersion = .v2020_05_18,
        placement: ParameterPlacement = .formBody,
        endpoint: Endpoint,
        parameters: [String: String],
        credentials: Credentials,
        timeout: Duration,
        retry: RequestSigningContext.RetryAttempt?
    ) -> HTTPRequest {
        let context = RequestSigningContext(
            endpoint: endpoint,
            credentials: credentials,
            timestamp: ACSTimestamp.format(epochSeconds: Int64(Date().timeIntervalSince1970)),
            nonce: Self.makeNonce(),
            userAgent: userAgent,
            retry: retry
        )
        var request = SignedRequestBuilder.build(
            action: action,
            parameters: parameters,
            placement: placement,
            context: context,
            signatureVersion: configuration.signatureVersion,
            version: version.rawValue
        ).request
        request.connectTimeout = min(configuration.connectTimeout, timeout)
        request.timeout = timeout
        // Not signed: libcurl sends it (CURLOPT_ACCEPT_ENCODING) and decodes the gzip body it asks for.
        request.headers.append(HTTPHeader(name: "Accept-Encoding", value: "gzip"))
        if let caFile = configuration.caFile {
            request.tls = TLSOptions(caFile: caFile)
        }
        return request
    }

    /// 32 random lowercase hex characters, as the SDK's `x-acs-signature-nonce`.
    static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        // Written digit by digit into the 32 bytes: one string, no intermediate ones.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            func put(_ half: UInt64, at offset: Int) {
                for index in 0..<16 {
                    let nibble = UInt8(truncatingIfNeeded: half >> UInt64(60 - 4 * index)) & 0x0F
                    buffer[offset + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                }
            }
            put(high, at: 0)
            put(low, at: 16)
            return 32
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
