/// When a call's deadline counts as reached (issue 15, items 1 and 5): a call cancelled or timed out less than
/// ``margin`` before its deadline was cut by the scrape budget, not by a shutdown or a slow upstream.
public enum Deadline {
    /// How close to the deadline counts as reached: 50 milliseconds.
    public static let margin: Duration = .milliseconds(50)

    /// Whether `deadline` is reached, or less than ``margin`` away, at `now`.
    ///
    /// - Parameters:
    ///   - deadline: The call's deadline (the scrape budget's end).
    ///   - now: The current instant; the continuous clock's by default.
    public static func isReached(
        _ deadline: ContinuousClock.Instant,
        now: ContinuousClock.Instant = ContinuousClock.now
    ) -> Bool {
        now.advanced(by: margin) >= deadline
    }
}
