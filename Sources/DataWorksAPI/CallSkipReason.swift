/// Why a call of ``DataWorksClient`` was never sent (`dataworks_api_calls_skipped_total{reason}`): none of these is an
/// API error, since no request reached the server.
public enum CallSkipReason: String, Sendable, CaseIterable {
    /// The wait for a rate-limit token would have run past the deadline (`dataworks.rate_limit`).
    case rateLimit = "rate_limit"
    /// The deadline (the scrape budget) passed before the attempt could start.
    case budget
    /// The region is paused after a daily or edition quota answer (``RegionPausedError``).
    case regionPaused = "region_paused"
    /// The server asked to wait (`Retry-After`, `x-acs-retry-after`) until past the deadline.
    case retryAfter = "retry_after"
    /// The task was cancelled (the exporter is stopping) before the attempt was sent.
    case shutdown
}

/// A call was not sent: the rate-limit wait, or a server-requested wait held by the ``RateLimiter``, would have run
/// past the deadline.
public struct CallNotSentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why.
    public var reason: CallSkipReason
    /// The RegionId of the call.
    public var regionId: String

    /// Creates the error.
    public init(reason: CallSkipReason, regionId: String) {
        self.reason = reason
        self.regionId = regionId
    }

    /// `call to <region> not sent: <reason>`.
    public var description: String {
        switch reason {
        case .rateLimit: "call to \(regionId) not sent: the deadline passed waiting for the rate limit"
        case .retryAfter: "call to \(regionId) not sent: the server asked to wait (Retry-After) past the deadline"
        case .budget: "call to \(regionId) not sent: the deadline passed before the request"
        case .regionPaused: "call to \(regionId) not sent: the region is paused after a quota answer"
        case .shutdown: "call to \(regionId) not sent: cancelled"
        }
    }
}
