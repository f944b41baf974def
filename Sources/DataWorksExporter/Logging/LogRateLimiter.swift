import LockedValue
public import Logging

/// Limits how many lines one kind of event writes, so that a storm of the same failure (every deployment throttled
/// on every scrape) does not flood the log, and says how many lines it held back.
///
/// Events are grouped by level, message and the `code` metadata value (the API error code, when there is one), so
/// `GetDeployment failed` with `code=Throttling.User` is one kind whatever the deployment. Each kind has a token
/// bucket: ``Configuration/burst`` lines at once, then one more every ``Configuration/interval``. A line beyond
/// that is suppressed and counted. Once the kind may write again, a summary line
/// (`msg="suppressed 57 similar messages" similar_to="GetDeployment failed" code=Throttling.User suppressed=57`)
/// goes out at its level before the next line of any kind, or before the kind's own next line.
///
/// Thread safety: all state is locked; one limiter is shared by every handler of the process.
public final class LogRateLimiter: Sendable {
    /// How many lines a kind of event may write.
    public struct Configuration: Sendable, Hashable {
        /// Lines a kind may write at once. Default 10.
        public var burst: Int
        /// After the burst, one more line per interval. Default 10 seconds.
        public var interval: Duration
        /// The most kinds tracked at once; beyond it, new kinds are not limited. Default 1,000.
        public var maxKinds: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - burst: Lines a kind may write at once, at least 1.
        ///   - interval: The time in which a kind earns one more line, more than zero.
        ///   - maxKinds: The most kinds tracked at once.
        public init(burst: Int = 10, interval: Duration = .seconds(10), maxKinds: Int = 1_000) {
            self.burst = max(1, burst)
            self.interval = interval > .zero ? interval : .seconds(1)
            self.maxKinds = max(1, maxKinds)
        }
    }

    /// A kind of event.
    public struct Kind: Hashable, Sendable {
        /// The level.
        public var level: Logger.Level
        /// The message.
        public var message: String
        /// The `code` metadata value, if any.
        public var code: String?

        /// Creates a kind.
        public init(level: Logger.Level, message: String, code: String? = nil) {
            self.level = level
            self.message = message
            self.code = code
        }
    }

    /// Lines of one kind that were held back.
    public struct Suppression: Hashable, Sendable {
        /// The kind.
        public var kind: Kind
        /// How many lines were held back since the last line or summary of the kind.
        public var count: Int

        /// The summary's message: `suppressed N similar messages`.
        public var message: String { "suppressed \(count) similar message\(count == 1 ? "" : "s")" }
    }

    /// What to do with one event.
    public struct Decision: Hashable, Sendable {
        /// Whether the event's line is written.
        public var allowed: Bool
        /// Summary lines to write first.
        public var summaries: [Suppression]
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
        var suppressed = 0
    }

    private struct State {
        var buckets: [Kind: Bucket] = [:]
        /// Kinds with suppressed lines not yet summarised.
        var pending: Set<Kind> = []
    }

    /// The configuration.
    public let configuration: Configuration
    private let now: @Sendable () -> Double
    private let state = Locked(State())

    /// Creates a limiter.
    ///
    /// - Parameters:
    ///   - configuration: Burst and interval.
    ///   - now: A monotonic clock in seconds; the process's continuous clock by default (tests pass their own).
    public init(configuration: Configuration = Configuration(), now: (@Sendable () -> Double)? = nil) {
        self.configuration = configuration
        if let now {
            self.now = now
        } else {
            let start = ContinuousClock.now
            self.now = { start.duration(to: .now).seconds }
        }
    }

    /// Decides about one event and collects the summaries that are due.
    ///
    /// - Parameter kind: The event's kind.
    /// - Returns: Whether to write it, and the summaries to write before it.
    public func admit(_ kind: Kind) -> Decision {
        let time = now()
        let burst = Double(configuration.burst)
        let interval = configuration.interval.seconds
        return state.withLock { state in
            func refill(_ bucket: inout Bucket) {
                bucket.tokens = min(burst, bucket.tokens + max(0, time - bucket.updated) / interval)
                bucket.updated = time
            }
            var summaries: [Suppression] = []
            // Kinds that may write again say what they held back.
            for pending in state.pending where pending != kind {
                guard var bucket = state.buckets[pending] else { continue }
                refill(&bucket)
                if bucket.tokens >= 1 {
                    summaries.append(Suppression(kind: pending, count: bucket.suppressed))
                    bucket.suppressed = 0
                    state.pending.remove(pending)
                }
                state.buckets[pending] = bucket
            }
            if state.buckets[kind] == nil {
                if state.buckets.count >= configuration.maxKinds {
                    // Forget kinds that are back to a full bucket: they behave like new ones.
                    state.buckets = state.buckets.filter { $0.value.suppressed > 0 || $0.value.tokens < burst }
                    if state.buckets.count >= configuration.maxKinds {
                        return Decision(allowed: true, summaries: summaries)
                    }
                }
                state.buckets[kind] = Bucket(tokens: burst, updated: time)
            }
            var bucket = state.buckets[kind] ?? Bucket(tokens: burst, updated: time)
            refill(&bucket)
            let allowed = bucket.tokens >= 1
            if allowed {
                bucket.tokens -= 1
                if bucket.suppressed > 0 {
                    summaries.append(Suppression(kind: kind, count: bucket.suppressed))
                    bucket.suppressed = 0
                    state.pending.remove(kind)
                }
            } else {
                bucket.suppressed += 1
                state.pending.insert(kind)
            }
            state.buckets[kind] = bucket
            return Decision(allowed: allowed, summaries: summaries)
        }
    }
}
