import CurlClient
import Foundation
import LockedValue
public import Logging

/// A token bucket with an adaptive rate: the pure state behind ``RateLimiter``, driven by explicit instants so it can
/// be tested without sleeping.
///
/// Tokens accrue at ``effectiveRate`` per second up to ``burst``. A `Throttling.*` answer halves the effective rate
/// (down to ``minimumRate``), at most once per second so that one burst of throttled answers counts once; every
/// successful call then adds back ``recoveryStep`` of the configured rate, so a quiet spell brings the rate back. Reservations may drive the token count negative: the caller waits for the debt.
public struct TokenBucket: Sendable, Equatable {
    /// The configured rate, in calls per second (`dataworks.rate_limit`).
    public let rate: Double
    /// The most tokens the bucket holds (`dataworks.burst`).
    public let burst: Double
    /// The current rate, in calls per second: ``rate`` after a calm period, less after throttling.
    public private(set) var effectiveRate: Double
    /// Tokens available now (negative while callers wait).
    public private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date.
    public private(set) var updated: ContinuousClock.Instant
    /// When the rate was last halved.
    public private(set) var lastHalved: ContinuousClock.Instant?

    /// The lowest effective rate: an eighth of ``rate``, and at least one call every 10 seconds.
    public var minimumRate: Double { max(rate / 8, min(rate, 0.1)) }
    /// The shortest time between two halvings.
    public static let halvingInterval = Duration.seconds(1)
    /// The fraction of ``rate`` a successful call adds back to ``effectiveRate`` (1 %).
    public static let recoveryStep = 0.01

    /// Creates a full bucket.
    ///
    /// - Parameters:
    ///   - rate: Calls per second, greater than 0.
    ///   - burst: Bucket size, at least 1.
    ///   - now: The current instant.
    public init(rate: Double, burst: Double, now: ContinuousClock.Instant) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
        self.effectiveRate = self.rate
        self.tokens = self.burst
        self.updated = now
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        guard now > updated else { return }
        let elapsed = updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * effectiveRate)
        updated = now
    }

    /// Takes one token and returns how long the caller must wait before sending (zero when a token was there).
    public mutating func reserve(now: ContinuousClock.Instant) -> Duration {
        refill(now: now)
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .nanoseconds(Int64((-tokens / effectiveRate * 1e9).rounded(.up)))
    }

    /// Gives back a token reserved by ``reserve(now:)`` that will not be used.
    public mutating func cancel(now: ContinuousClock.Instant) {
        refill(now: now)
        tokens = min(burst, tokens + 1)
    }

    /// A `Throttling.*` answer arrived: drop the burst credit, and halve the effective rate unless it was halved
    /// less than ``halvingInterval`` ago.
    public mutating func throttled(now: ContinuousClock.Instant) {
        refill(now: now)
        tokens = min(tokens, 0)
        if let lastHalved, lastHalved.duration(to: now) < Self.halvingInterval {
            return
        }
        lastHalved = now
        effectiveRate = max(minimumRate, effectiveRate / 2)
    }

    /// A call succeeded: move the effective rate back towards ``rate`` by ``recoveryStep``.
    public mutating func succeeded(now: ContinuousClock.Instant) {
        refill(now: now)
        effectiveRate = min(rate, effectiveRate + rate * Self.recoveryStep)
    }
}

/// A call was not sent because its region is paused after a daily or edition quota answer
/// (`Throttling.Api.Risk`, `Throttling.Resource`).
public struct RegionPausedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The paused region.
    public var regionId: String
    /// When calls resume, in seconds since the Unix epoch.
    public var until: Double

    /// Creates the error.
    public init(regionId: String, until: Double) {
        self.regionId = regionId
        self.until = until
    }

    /// `calls to <region> are paused until <ISO 8601 time> after a quota answer`.
    public var description: String {
        let date = Date(timeIntervalSince1970: until).ISO8601Format()
        return "calls to \(regionId) are paused until \(date) after a quota answer"
    }
}

/// Spends the API quota evenly: one ``TokenBucket`` per region, a shared slow-down after throttling, and a pause of a
/// region after a daily or edition quota answer.
///
/// Quotas are per Alibaba Cloud account and region (api-notes §6.3). Every attempt of ``DataWorksClient`` takes a
/// token of its region first. After any `Throttling.*` answer every region's rate is halved (``TokenBucket``, at most
/// once a second, down to an eighth), and
/// recovers by 1 % of the configured rate per successful call. `Throttling.Api.Risk` and `Throttling.Resource` pause
/// the region until the next UTC day, or for ``Configuration/quotaPause`` when set; the pause is logged once.
///
/// Thread safety: the buckets and pauses are locked (a few arithmetic steps per call, never held across a wait), so
/// the request path takes no task hop to an actor; every method may be called from any task.
public final class RateLimiter: Sendable {
    /// Limiter settings.
    public struct Configuration: Sendable, Equatable {
        /// Calls per second per region (`dataworks.rate_limit`); `nil` for no limit.
        public var rate: Double?
        /// Bucket size (`dataworks.burst`), at least 1.
        public var burst: Int
        /// How long a quota answer pauses the region (`dataworks.quota_pause`); `nil` for until the next UTC day.
        public var quotaPause: Duration?

        /// Creates settings.
        public init(rate: Double?, burst: Int, quotaPause: Duration? = nil) {
            self.rate = rate
            self.burst = max(1, burst)
            self.quotaPause = quotaPause
        }
    }

    /// The state of one region, for self-metrics.
    public struct RegionState: Sendable, Equatable {
        /// The effective rate in calls per second, or `nil` when unlimited.
        public var effectiveRate: Double?
        /// When calls resume, in seconds since the Unix epoch, while the region is paused.
        public var pausedUntil: Double?
    }

    /// Codes that pause a region.
    public static let quotaCodes: Set<String> = ["Throttling.Api.Risk", "Throttling.Resource"]

    private struct State {
        var buckets: [String: TokenBucket] = [:]
        var pausedUntil: [String: Double] = [:]
        /// Until when the server asked not to call each region (`Retry-After`).
        var heldUntil: [String: ContinuousClock.Instant] = [:]

        /// When `regionId` resumes, or `nil` when it is not paused (an expired pause is dropped).
        mutating func pause(of regionId: String, now: () -> Double) -> Double? {
            guard let until = pausedUntil[regionId] else { return nil }
            if now() >= until {
                pausedUntil[regionId] = nil
                return nil
            }
            return until
        }
    }

    /// The settings.
    public let configuration: Configuration
    private let logger: Logger
    private let wallClock: @Sendable () -> Double
    private let state = Locked(State())

    /// Creates a limiter.
    ///
    /// - Parameters:
    ///   - configuration: Rate, burst and quota pause.
    ///   - logger: Receives one warning per pause.
    ///   - wallClock: Seconds since the Unix epoch; the system clock by default.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "dataworks.ratelimit"),
        wallClock: (@Sendable () -> Double)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.wallClock = wallClock ?? { Date().timeIntervalSince1970 }
    }

    /// The start of the next UTC day after `epochSeconds`, in seconds since the Unix epoch.
    public static func nextUTCDay(after epochSeconds: Double) -> Double {
        (epochSeconds / 86_400).rounded(.down) * 86_400 + 86_400
    }

    /// When `regionId` resumes, or `nil` when it is not paused.
    public func pause(of regionId: String) -> Double? {
        state.withLock { $0.pause(of: regionId, now: wallClock) }
    }

    /// Waits for a token of `regionId`, and first for the end of a server-requested wait (``hold(regionId:for:)``).
    ///
    /// - Throws: ``RegionPausedError`` while the region is paused; ``CallNotSentError`` (``CallSkipReason/retryAfter``
    ///   or ``CallSkipReason/rateLimit``) when the wait would pass `deadline`; `CancellationError`.
    public func acquire(regionId: String, deadline: ContinuousClock.Instant) async throws {
        let held = state.withLock { state -> ContinuousClock.Instant? in
            guard let held = state.heldUntil[regionId] else { return nil }
            if held <= ContinuousClock.now {
                state.heldUntil[regionId] = nil
                return nil
            }
            return held
        }
        if let held {
            if held >= deadline {
                throw CallNotSentError(reason: .retryAfter, regionId: regionId)
            }
            try await Task.sleep(until: held, clock: ContinuousClock())
        }
        let wait = try reserve(regionId: regionId, deadline: deadline)
        if wait > .zero {
            try await Task.sleep(for: wait)
        }
    }

    /// The server asked to wait `duration` (`Retry-After`, `x-acs-retry-after`) before calling `regionId` again: no
    /// token is given for the region until then, in this call or a later scrape's.
    public func hold(regionId: String, for duration: Duration) {
        let until = ContinuousClock.now.advanced(by: duration)
        state.withLock { state in
            if let held = state.heldUntil[regionId], held >= until { return }
            state.heldUntil[regionId] = until
        }
    }

    /// Takes a token of `regionId` and returns how long to wait before sending.
    private func reserve(regionId: String, deadline: ContinuousClock.Instant) throws -> Duration {
        let rate = configuration.rate
        let burst = Double(configuration.burst)
        let outcome = state.withLock { state -> Result<Duration, any Error> in
            if let until = state.pause(of: regionId, now: wallClock) {
                return .failure(RegionPausedError(regionId: regionId, until: until))
            }
            guard let rate else { return .success(.zero) }
            let now = ContinuousClock.now
            var bucket = state.buckets[regionId] ?? TokenBucket(rate: rate, burst: burst, now: now)
            let wait = bucket.reserve(now: now)
            if now.advanced(by: wait) >= deadline {
                bucket.cancel(now: now)
                state.buckets[regionId] = bucket
                return .failure(CallNotSentError(reason: .rateLimit, regionId: regionId))
            }
            state.buckets[regionId] = bucket
            return .success(wait)
        }
        return try outcome.get()
    }

    /// Records the outcome of an attempt: a success speeds the region back up, `Throttling.*` slows every region
    /// down, a quota code pauses `regionId`.
    public func record(regionId: String, error: APIError?) {
        guard let error else {
            guard configuration.rate != nil else { return }
            let now = ContinuousClock.now
            state.withLock { $0.buckets[regionId]?.succeeded(now: now) }
            return
        }
        let now = ContinuousClock.now
        let code = error.errorClass
        var newPause: Double?
        if Self.quotaCodes.contains(code) {
            let current = wallClock()
            let until =
                configuration.quotaPause.map { current + Double($0.components.seconds) }
                ?? Self.nextUTCDay(after: current)
            newPause = state.withLock { state in
                let wasPaused = state.pausedUntil[regionId] != nil
                state.pausedUntil[regionId] = max(until, state.pausedUntil[regionId] ?? 0)
                return wasPaused ? nil : until
            }
        }
        if let newPause {
            logger.warning(
                "quota exhausted; pausing calls to the region",
                metadata: [
                    "region_id": "\(regionId)", "code": "\(code)",
                    "until": "\(Date(timeIntervalSince1970: newPause).ISO8601Format())",
                ]
            )
        }
        if code.hasPrefix("Throttling") || error.httpStatus == 429 {
            state.withLock { state in
                for region in state.buckets.keys {
                    state.buckets[region]?.throttled(now: now)
                }
            }
        }
    }

    /// The state of `regionId`, whether or not it has been called yet.
    public func region(_ regionId: String) -> RegionState {
        let rate = configuration.rate
        return state.withLock { state in
            RegionState(
                effectiveRate: rate.map { state.buckets[regionId]?.effectiveRate ?? $0 },
                pausedUntil: state.pause(of: regionId, now: wallClock)
            )
        }
    }
}
