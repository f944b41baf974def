public import DataWorksAPI

/// The commit times of file versions (`GetFileVersion` `CommitTime`), for the lead time of releases: a file version
/// never changes, so each is fetched once and kept for the life of the process, at most ``capacity`` of them (the
/// oldest fetched are forgotten first).
public struct FileCommitTimes: Sendable {
    /// One file version of one workspace.
    public struct Key: Sendable, Hashable {
        /// The workspace.
        public var workspace: Workspace
        /// `FileId`.
        public var fileId: Int64
        /// `FileVersion`.
        public var fileVersion: Int

        /// Creates a value.
        public init(workspace: Workspace, fileId: Int64, fileVersion: Int) {
            self.workspace = workspace
            self.fileId = fileId
            self.fileVersion = fileVersion
        }
    }

    /// A release whose lead time waits for commit times.
    public struct Pending: Sendable {
        /// The release's series.
        public var series: ReleaseSeries
        /// Its files.
        public var files: [Key]
        /// When it was executed, in seconds since the Unix epoch (`ExecuteTime`).
        public var executedAt: Double
        /// Cycles that tried and failed to get its commit times; given up after ``FileCommitTimes/maxAttempts``.
        public var attempts = 0
    }

    /// The most file versions kept.
    public static let capacity = 20_000
    /// The most cycles a release's lead time is retried before it is given up.
    public static let maxAttempts = 5

    private var times: [Key: Double] = [:]
    private var order: [Key] = []
    /// Releases counted whose lead time is not known yet.
    public var pending: [Pending] = []

    /// Creates an empty cache.
    public init() {}

    /// The commit time of `key`, in seconds since the Unix epoch, if fetched.
    public subscript(key: Key) -> Double? { times[key] }

    /// The number of file versions kept.
    public var count: Int { times.count }

    /// Keeps the commit time of `key` (seconds since the Unix epoch).
    public mutating func insert(_ key: Key, commitTime: Double) {
        guard times[key] == nil else { return }
        times[key] = commitTime
        order.append(key)
        if order.count > Self.capacity {
            let dropped = order.count - Self.capacity
            for old in order.prefix(dropped) { times[old] = nil }
            order.removeFirst(dropped)
        }
    }

    /// The file versions of the pending releases not fetched yet, each once.
    public var missing: [Key] {
        var seen: Set<Key> = []
        return pending.flatMap(\.files).filter { times[$0] == nil && seen.insert($0).inserted }
    }

    /// Takes the pending releases whose commit times are all known, with their lead time in seconds (earliest commit
    /// to execution); the others stay, one attempt more, until ``maxAttempts``.
    public mutating func resolve() -> [(series: ReleaseSeries, seconds: Double)] {
        var done: [(series: ReleaseSeries, seconds: Double)] = []
        var waiting: [Pending] = []
        for var release in pending {
            let commits = release.files.compactMap { times[$0] }
            if commits.count == release.files.count, let earliest = commits.min() {
                done.append((release.series, release.executedAt - earliest))
            } else {
                release.attempts += 1
                if release.attempts < Self.maxAttempts { waiting.append(release) }
            }
        }
        pending = waiting
        return done
    }
}
