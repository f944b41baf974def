public import DataWorksAPI
import LockedValue

/// The exporter's counters of API requests, errors, retries and latencies (`dataworks_api_*`).
///
/// Counters only grow for the life of the process. Error codes are bounded: known codes are pre-set to 0, and
/// beyond ``maxDistinctCodes`` further unknown codes are counted under `other`.
///
/// Thread safety: the counters are locked (a few additions per request, on the request path without a task hop);
/// every method may be called from any task.
public final class APIMetrics: APIRequestObserver {
    /// Upper bounds of the request duration histogram, in seconds.
    public static let durationBuckets: [Double] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Retry reasons pre-set to 0 (see ``APIError/retryReason``).
    public static let retryReasons = ["connect", "server_error", "throttled", "timeout"]
    /// The error classes pre-set to 0 for every action: every ``APIError/knownErrorClasses``.
    public static let presetErrorClasses = APIError.knownErrorClasses
    /// The most distinct error codes kept per action before new ones count as `other`.
    public static let maxDistinctCodes = 64

    /// The request latency histogram of one action.
    public struct Histogram: Sendable, Equatable {
        /// Per bucket of ``APIMetrics/durationBuckets``, the count of observations at or below its bound (not
        /// cumulative across buckets: each observation is counted in its first bucket only).
        public var bucketCounts: [UInt64]
        /// The total of all observations, in seconds.
        public var sum: Double
        /// How many observations.
        public var count: UInt64
    }

    /// A point-in-time copy of every counter.
    public struct Values: Sendable, Equatable {
        /// `dataworks_api_requests_total` by action.
        public var requests: [String: UInt64]
        /// `dataworks_api_errors_total` by action, then code.
        public var errors: [String: [String: UInt64]]
        /// `dataworks_api_retries_total` by action, then reason.
        public var retries: [String: [String: UInt64]]
        /// `dataworks_api_request_duration_seconds` by action.
        public var durations: [String: Histogram]
        /// `dataworks_api_calls_skipped_total` by action, then ``CallSkipReason`` raw value: calls never sent.
        public var skipped: [String: [String: UInt64]] = [:]
    }

    private let values: Locked<Values>

    /// The `code` label counted for `error`: `wrong_api_version` for an answer that means the target's
    /// `api_version` is wrong (``APIError/indicatesWrongAPIVersion``), else its ``APIError/errorClass``.
    public static func errorCode(of error: APIError) -> String {
        error.indicatesWrongAPIVersion ? "wrong_api_version" : error.errorClass
    }

    /// Creates the counters with every known code and retry reason pre-set to 0 for `actions`.
    public init(actions: [String] = ["GetDeployment"]) {
        var values = Values(requests: [:], errors: [:], retries: [:], durations: [:])
        for action in actions {
            values.requests[action] = 0
            values.errors[action] = Dictionary(uniqueKeysWithValues: Self.presetErrorClasses.map { ($0, 0) })
            values.retries[action] = Dictionary(uniqueKeysWithValues: Self.retryReasons.map { ($0, 0) })
            values.durations[action] = Self.emptyHistogram
            values.skipped[action] = Dictionary(uniqueKeysWithValues: CallSkipReason.allCases.map { ($0.rawValue, 0) })
        }
        self.values = Locked(values)
    }

    private static var emptyHistogram: Histogram {
        Histogram(bucketCounts: Array(repeating: 0, count: durationBuckets.count), sum: 0, count: 0)
    }

    /// A copy of every counter.
    public var current: Values { values.withLock { $0 } }

    public func requestFinished(action: String, duration: Duration, error: APIError?) {
        let seconds = duration.seconds
        let index = Self.durationBuckets.firstIndex(where: { seconds <= $0 })
        values.withLock { values in
            Self.count(action: action, seconds: seconds, bucket: index, error: error, in: &values)
        }
    }

    private static func count(
        action: String,
        seconds: Double,
        bucket index: Int?,
        error: APIError?,
        in values: inout Values
    ) {
        values.requests[action, default: 0] += 1
        if values.durations[action] == nil {
            values.durations[action] = Self.emptyHistogram
        }
        // In place: the histogram's bucket array is not copied.
        if let index {
            values.durations[action]?.bucketCounts[index] += 1
        }
        values.durations[action]?.sum += seconds
        values.durations[action]?.count += 1
        guard let error else { return }
        var code = Self.errorCode(of: error)
        let codes = values.errors[action, default: [:]]
        if codes[code] == nil && codes.count >= Self.maxDistinctCodes {
            code = "other"
        }
        values.errors[action, default: [:]][code, default: 0] += 1
    }

    public func retryScheduled(action: String, reason: String) {
        values.withLock { $0.retries[action, default: [:]][reason, default: 0] += 1 }
    }

    public func callSkipped(action: String, reason: CallSkipReason) {
        values.withLock { $0.skipped[action, default: [:]][reason.rawValue, default: 0] += 1 }
    }
}
