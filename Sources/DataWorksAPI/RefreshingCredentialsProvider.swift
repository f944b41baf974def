internal import Foundation
import LockedValue
public import Logging

/// Temporary credentials with the time they stop working.
///
/// Source: api-notes §4.2 (IMDS `Expiration`) and §4.3 (STS `Credentials.Expiration`).
public struct ExpiringCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The AccessKey pair and STS token.
    public var credentials: Credentials
    /// When they expire, in seconds since the Unix epoch (from `Expiration`, `yyyy-MM-ddTHH:mm:ssZ`, UTC).
    public var expiration: Int64

    /// Creates a value.
    ///
    /// - Parameters:
    ///   - credentials: The AccessKey pair and STS token.
    ///   - expiration: Expiry in seconds since the Unix epoch.
    public init(credentials: Credentials, expiration: Int64) {
        self.credentials = credentials
        self.expiration = expiration
    }

    /// The credentials' description and the expiry timestamp; never the secret or the token.
    public var description: String {
        "\(credentials) expiring \(ACSTimestamp.format(epochSeconds: expiration))"
    }
}

/// When temporary credentials are refreshed, and the clock that decides it.
///
/// Source: api-notes §4.2 (`STALE_TIME = 15*60`, `StaleValueBehavior.ALLOW`, retry after at least 10 s).
public struct RefreshPolicy: Sendable {
    /// Refresh this many seconds before `Expiration`. Default 900 (15 minutes). For credentials that live less than
    /// twice this long, half their lifetime is used instead, so that a 900 s STS token is not refreshed on every call.
    public var refreshMarginSeconds: Int64
    /// After a failed refresh, the old credentials are served without asking again for this many seconds. Default 10.
    public var retryDelaySeconds: Int64
    /// The current time in seconds since the Unix epoch; also stamps STS `Timestamp`. Default: the system clock.
    public var now: @Sendable () -> Int64

    /// The system clock in whole seconds since the Unix epoch.
    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - refreshMarginSeconds: Seconds before expiry at which to refresh.
    ///   - retryDelaySeconds: Seconds to keep serving old credentials after a failed refresh before trying again.
    ///   - now: The clock, seconds since the Unix epoch.
    public init(
        refreshMarginSeconds: Int64 = 900,
        retryDelaySeconds: Int64 = 10,
        now: @escaping @Sendable () -> Int64 = RefreshPolicy.systemClock
    ) {
        self.refreshMarginSeconds = refreshMarginSeconds
        self.retryDelaySeconds = retryDelaySeconds
        self.now = now
    }
}

/// Caches temporary credentials from `fetch` and refreshes them before they expire.
///
/// - Credentials are fetched on first use and again once `now ≥ Expiration − margin` (see ``RefreshPolicy``).
/// - Concurrent callers share one fetch (single flight).
/// - When a refresh fails while the cached credentials have not yet expired, they keep being served; the failure is
///   logged at `warning` (provider name and error description, which never hold a secret) and the next attempt is
///   made after ``RefreshPolicy/retryDelaySeconds``. Once they have expired, the fetch error is thrown.
///
/// Source: api-notes §4.2 and §4.3 (refresh rules).
public actor RefreshingCredentialsProvider: CredentialsProvider {
    /// The provider name, e.g. `ram_role_arn`.
    public nonisolated let name: String
    private let fetch: @Sendable () async throws -> ExpiringCredentials
    private let policy: RefreshPolicy
    private let logger: Logger
    private var cached: ExpiringCredentials?
    private var staleAt: Int64 = .min
    private var inFlight: Task<ExpiringCredentials, any Error>?
    /// ``cached``'s credentials and ``staleAt``, readable without a hop to the actor: the request path's fast path.
    private let fresh = Locked<(credentials: Credentials, staleAt: Int64)?>(nil)

    /// Wraps a fetch function.
    ///
    /// - Parameters:
    ///   - name: The provider name for logs and `x-acs-credentials-provider`.
    ///   - policy: Refresh margin, retry delay and clock.
    ///   - logger: Receives refresh failures (`warning`) and refreshes (`debug`); never values.
    ///   - fetch: Asks the source (STS, IMDS, a URI) for new credentials; throws ``CredentialsError`` on failure.
    public init(
        name: String,
        policy: RefreshPolicy = RefreshPolicy(),
        logger: Logger,
        fetch: @escaping @Sendable () async throws -> ExpiringCredentials
    ) {
        self.name = name
        self.fetch = fetch
        self.policy = policy
        self.logger = logger
    }

    /// Returns cached credentials while fresh, else refreshes them (once for all concurrent callers).
    ///
    /// - Throws: The fetch error (``CredentialsError``) when there are no unexpired credentials to fall back on.
    public nonisolated func credentials() async throws -> Credentials {
        // While fresh, read from the lock without a task hop to the actor.
        if let fresh = fresh.withLock({ $0 }), policy.now() < fresh.staleAt { return fresh.credentials }
        return try await refreshed()
    }

    /// The cached credentials while fresh, else refreshed ones; on the actor.
    private func refreshed() async throws -> Credentials {
        if let cached, policy.now() < staleAt { return cached.credentials }
        let task: Task<ExpiringCredentials, any Error>
        if let inFlight {
            task = inFlight
        } else {
            let fetch = self.fetch
            task = Task { try await fetch() }
            inFlight = task
        }
        do {
            let fresh = try await task.value
            if inFlight == task {
                inFlight = nil
                store(fresh)
            }
            return fresh.credentials
        } catch {
            let now = policy.now()
            if inFlight == task {
                inFlight = nil
                staleAt = now + policy.retryDelaySeconds
                fresh.withLock { [cached, staleAt] in $0 = cached.map { ($0.credentials, staleAt) } }
                logger.warning(
                    "credentials refresh failed",
                    metadata: [
                        "provider": "\(name)",
                        "error": "\(error)",
                        "serving_cached": "\(cached.map { now < $0.expiration } ?? false)",
                    ]
                )
            }
            if let cached, now < cached.expiration { return cached.credentials }
            throw error
        }
    }

    private func store(_ fresh: ExpiringCredentials) {
        let now = policy.now()
        let lifetime = fresh.expiration - now
        let margin = min(policy.refreshMarginSeconds, max(0, lifetime / 2))
        cached = fresh
        staleAt = fresh.expiration - margin
        self.fresh.withLock { [staleAt] in $0 = (fresh.credentials, staleAt) }
        logger.debug(
            "credentials refreshed",
            metadata: [
                "provider": "\(name)",
                "expiration": "\(ACSTimestamp.format(epochSeconds: fresh.expiration))",
                "next_refresh": "\(ACSTimestamp.format(epochSeconds: staleAt))",
            ]
        )
    }
}
