import LockedValue

/// The cap on scrapes in flight at once (`--web.max-requests`), as promhttp's `MaxRequestsInFlight` in
/// node_exporter: a scrape beyond it is answered `503` at once instead of queueing behind the others.
///
/// Thread safety: the count is locked; every method may be called from any thread.
struct ScrapeGate: Sendable {
    /// The most scrapes at once; 0 or less means no cap.
    let limit: Int
    private let inFlight = Locked(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `body` if a slot is free, else returns `nil` without running it.
    func run<Value: Sendable>(_ body: () async -> Value) async -> Value? {
        let admitted = inFlight.withLock { count -> Bool in
            guard limit <= 0 || count < limit else {
                return false
            }
            count += 1
            return true
        }
        guard admitted else {
            return nil
        }
        defer { inFlight.withLock { $0 -= 1 } }
        return await body()
    }
}
