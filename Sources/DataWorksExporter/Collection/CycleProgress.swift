import LockedValue

/// What the collection in flight has learnt so far: the record of every deployment whose refresh finished in this
/// cycle (successfully or not), as the cycle applied it. A scrape whose own budget ends before the shared collection
/// does answers with these, and the last good values with `fetchSucceeded == false` for the rest (issue 15, item 2).
///
/// Thread safety: locked; the cycle publishes from its task, scrapes read from theirs.
final class CycleProgress: Sendable {
    private let finished = Locked<[DeploymentKey: DeploymentRecords.Record]>([:])

    /// A new cycle starts: nothing of it is known yet.
    func begin() {
        finished.withLock { $0.removeAll(keepingCapacity: true) }
    }

    /// The refresh of `key` finished with `record` (after the cycle applied its answer).
    func publish(_ key: DeploymentKey, _ record: DeploymentRecords.Record?) {
        guard let record else { return }
        finished.withLock { $0[key] = record }
    }

    /// The record of `key` if its refresh finished in the cycle in flight, else `nil`.
    subscript(key: DeploymentKey) -> DeploymentRecords.Record? {
        finished.withLock { $0[key] }
    }
}
