public import DataWorksAPI

/// The kind of a release, the `kind` label of the release analytics families (`DESIGN.md`, "Release analytics").
public enum ReleaseKind: String, Sendable, Hashable, CaseIterable {
    /// A deployment package (API 2020-05-18, `GetDeployment`/`ListDeployments`).
    case deployment
    /// A pipeline run of one workspace (API 2024-05-18).
    case pipelineRun = "pipeline_run"
    /// A pipeline run that deploys from one workspace into another (API 2024-05-18).
    case crossProject = "cross_project"

    /// The kind of a pipeline run's releases: ``pipelineRun`` for a same-workspace run, ``crossProject`` for a
    /// cross-project one.
    public init(_ kind: PipelineRunKind) {
        switch kind {
        case .workspace: self = .pipelineRun
        case .crossProject: self = .crossProject
        }
    }
}

/// The labels of one series of `dataworks_releases_total`, `dataworks_release_duration_seconds` and
/// `dataworks_release_lead_time_seconds`: no per-release label.
public struct ReleaseSeries: Sendable, Hashable, Comparable {
    /// The RegionId.
    public var regionId: String
    /// The project label (ProjectId or ProjectIdentifier, as configured).
    public var project: String
    /// The kind of release.
    public var kind: ReleaseKind
    /// The `to_environment` label: `development`, `production` or `unknown` (``MetricsRenderer/toEnvironmentLabel(_:)``).
    public var toEnvironment: String
    /// The final status label: `success`, `failure`, `rejected` (packages); `success`, `fail`, `termination`,
    /// `cancel` (pipeline runs, ``PipelineRunStatus/label``).
    public var status: String

    /// Creates a value.
    public init(regionId: String, project: String, kind: ReleaseKind, toEnvironment: String, status: String) {
        self.regionId = regionId
        self.project = project
        self.kind = kind
        self.toEnvironment = toEnvironment
        self.status = status
    }

    public static func < (lhs: ReleaseSeries, rhs: ReleaseSeries) -> Bool {
        (lhs.regionId, lhs.project, lhs.kind.rawValue, lhs.toEnvironment, lhs.status)
            < (rhs.regionId, rhs.project, rhs.kind.rawValue, rhs.toEnvironment, rhs.status)
    }
}

/// One release reaching a final status, as the collection sees it; the input of ``ReleaseAnalytics/observe(_:now:)``.
///
/// Deployment packages give it from `GetDeployment` (``ReleaseAnalytics/observation(of:deployment:)``); pipeline runs
/// (API 2024-05-18) from their list or Get answers (``ReleaseAnalytics/observation(of:run:)``), with kind
/// ``ReleaseKind/pipelineRun`` or ``ReleaseKind/crossProject``.
public struct ReleaseObservation: Sendable, Equatable {
    /// Identifies the release within its workspace and kind: the DeploymentId, or the pipeline run's Id.
    public var id: String
    /// Its series.
    public var series: ReleaseSeries
    /// Whether the status is final (it changes no more by itself).
    public var isFinal: Bool
    /// When the release was created, in seconds since the Unix epoch (`CreateTime`); `nil` if unknown.
    public var createdAt: Double?
    /// When it was executed or finished, in seconds since the Unix epoch (`ExecuteTime`; for pipeline runs
    /// `ModifyTime` or `FinishTime`); `nil` if unknown.
    public var finishedAt: Double?

    /// Creates a value.
    public init(id: String, series: ReleaseSeries, isFinal: Bool, createdAt: Double?, finishedAt: Double?) {
        self.id = id
        self.series = series
        self.isFinal = isFinal
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

/// The release analytics of one exporter process: counts and durations of the releases seen reaching a final status,
/// each release counted once. A pure value, carried by the collector between cycles and handed over on reload.
///
/// A release is counted when the collection first sees it final, if either it was seen not final before, or its
/// finish time (``ReleaseObservation/finishedAt``, else `CreateTime`) is not before the process started
/// (``processStart``). Releases that were already final when the process started are remembered but not counted:
/// counting them would add a day of releases to `increase()` after every restart.
public struct ReleaseAnalytics: Sendable {
    /// The bounds of `dataworks_release_duration_seconds` and `dataworks_release_lead_time_seconds`, in seconds:
    /// 10 s to 1 day.
    public static let buckets: [Double] = [10, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400]
    /// The most releases remembered; beyond it the oldest half (by finish time) is forgotten, and releases that
    /// finished before the newest forgotten one are never counted.
    public static let maxRemembered = 50_000

    /// A counter with the time its series appeared.
    public struct Counter: Sendable, Equatable {
        /// The count.
        public var value: UInt64 = 0
        /// When the series appeared in this process, in seconds since the Unix epoch (OpenMetrics `_created`).
        public var created: Double
    }

    /// A histogram over ``ReleaseAnalytics/buckets`` with the time its series appeared.
    public struct Histogram: Sendable, Equatable {
        /// Observations per bucket, not cumulative; one entry per bound (the `+Inf` bucket is `count`).
        public var bucketCounts = Array(repeating: UInt64(0), count: ReleaseAnalytics.buckets.count)
        /// The sum of the observations, in seconds.
        public var sum: Double = 0
        /// The number of observations.
        public var count: UInt64 = 0
        /// When the series appeared in this process, in seconds since the Unix epoch (OpenMetrics `_created`).
        public var created: Double

        mutating func observe(_ seconds: Double) {
            if let index = ReleaseAnalytics.buckets.firstIndex(where: { seconds <= $0 }) {
                bucketCounts[index] += 1
            }
            sum += seconds
            count += 1
        }

        /// The cumulative buckets for the exposition writer.
        var cumulative: [(upperBound: Double, cumulativeCount: UInt64)] {
            var running: UInt64 = 0
            return zip(ReleaseAnalytics.buckets, bucketCounts).map { bound, count in
                running += count
                return (bound, running)
            }
        }
    }

    private struct Identity: Hashable {
        var regionId: String
        var project: String
        var kind: ReleaseKind
        var id: String
    }

    /// When the process started, in seconds since the Unix epoch.
    public private(set) var processStart: Double
    /// `dataworks_releases_total`, by series.
    public private(set) var releases: [ReleaseSeries: Counter] = [:]
    /// `dataworks_release_duration_seconds`, by series.
    public private(set) var durations: [ReleaseSeries: Histogram] = [:]
    /// `dataworks_release_lead_time_seconds`, by series; only when lead time is enabled.
    public private(set) var leadTimes: [ReleaseSeries: Histogram] = [:]
    /// Whether the lead-time family is written (`collector.release_lead_time`).
    public var leadTimeEnabled = false

    /// Releases seen, and whether each was counted (final), with its finish time for forgetting.
    private var seen: [Identity: (final: Bool, finishedAt: Double)] = [:]
    private var forgottenBefore = -Double.infinity

    /// Creates empty analytics for a process started at `processStart` (seconds since the Unix epoch).
    public init(processStart: Double) {
        self.processStart = processStart
    }

    /// The observation of a deployment package's current state; `nil` without a status.
    public static func observation(of key: DeploymentKey, deployment: Deployment) -> ReleaseObservation? {
        guard let status = deployment.status else { return nil }
        return ReleaseObservation(
            id: String(key.deploymentId),
            series: ReleaseSeries(
                regionId: key.regionId,
                project: key.project.description,
                kind: .deployment,
                toEnvironment: MetricsRenderer.toEnvironmentLabel(deployment.toEnvironment),
                status: status.name
            ),
            isFinal: status.isTerminal,
            createdAt: deployment.createTime.flatMap { $0 > 0 ? Double($0) / 1_000 : nil },
            finishedAt: deployment.executeTime.flatMap { $0 > 0 ? Double($0) / 1_000 : nil }
        )
    }

    /// The observation of a pipeline run's current state (API 2024-05-18); `nil` without a status.
    ///
    /// Kind ``ReleaseKind/pipelineRun`` for a same-workspace run, ``ReleaseKind/crossProject`` for a cross-project
    /// one; `to_environment` from the run's stages (``toEnvironmentLabel(stages:)``): cross-project runs have none
    /// (they name their target only by `DeploymentEnvironmentId`), so theirs is `unknown`. The finish time is
    /// `ModifyTime` for a same-workspace run (it carries no other, api-notes §6.2.4), `FinishTime`, else
    /// `ExecuteTime`, for a cross-project one.
    public static func observation(of key: PipelineRunKey, run: PipelineRunSummary) -> ReleaseObservation? {
        guard let status = run.status else { return nil }
        let finished: Int64? =
            switch key.kind {
            case .workspace: run.modifyTime
            case .crossProject: run.finishTime ?? run.executeTime
            }
        return ReleaseObservation(
            id: key.pipelineRunId,
            series: ReleaseSeries(
                regionId: key.workspace.regionId,
                project: key.workspace.project.description,
                kind: ReleaseKind(key.kind),
                toEnvironment: toEnvironmentLabel(stages: run.stages),
                status: status.label
            ),
            isFinal: status.isTerminal,
            createdAt: run.createTime.flatMap { $0 > 0 ? Double($0) / 1_000 : nil },
            finishedAt: finished.flatMap { $0 > 0 ? Double($0) / 1_000 : nil }
        )
    }

    /// The environment a pipeline run deploys to: that of its last `Deploy` stage (by `Step`), `production` for a
    /// stage code beginning with `PROD` (`PROD`), `development` for one beginning with `DEV` (`DEV`), else (or
    /// without a `Deploy` stage) `unknown`. Stage codes: api-notes §6.2.3.
    public static func toEnvironmentLabel(stages: [PipelineRunStage]) -> String {
        let deploys = stages.enumerated().filter { $0.element.type == .deploy }
        guard
            let last = deploys.max(by: { ($0.element.step ?? $0.offset) < ($1.element.step ?? $1.offset) }),
            let code = last.element.code?.uppercased()
        else { return "unknown" }
        if code.hasPrefix("PROD") { return "production" }
        if code.hasPrefix("DEV") { return "development" }
        return "unknown"
    }

    /// Writes zero series (counter and duration, and lead time when enabled) for every `status` of `kind` in each
    /// environment of `environments` of `workspace`, so that `increase()` sees the first release; existing series are
    /// kept.
    public mutating func preset(
        _ workspace: Workspace,
        kind: ReleaseKind,
        environments: [String],
        statuses: [String],
        now: Double
    ) {
        for environment in environments {
            for status in statuses {
                let series = ReleaseSeries(
                    regionId: workspace.regionId,
                    project: workspace.project.description,
                    kind: kind,
                    toEnvironment: environment,
                    status: status
                )
                ensure(series, now: now)
            }
        }
    }

    /// Records what the collection saw of a release at `now` (seconds since the Unix epoch).
    ///
    /// - Returns: Whether this observation counted the release (its first sight in a final status, not before the
    ///   process started); the caller then may add its lead time with ``observeLeadTime(_:seconds:now:)``.
    @discardableResult
    public mutating func observe(_ observation: ReleaseObservation, now: Double) -> Bool {
        let identity = Identity(
            regionId: observation.series.regionId,
            project: observation.series.project,
            kind: observation.series.kind,
            id: observation.id
        )
        let finishedAt = observation.finishedAt ?? observation.createdAt ?? now
        let earlier = seen[identity]
        if earlier?.final == true { return false }
        guard observation.isFinal else {
            if earlier == nil { remember(identity, final: false, finishedAt: now) }
            return false
        }
        remember(identity, final: true, finishedAt: finishedAt)
        // First sight already final: counted only if it finished while this process ran.
        if earlier == nil && (finishedAt < processStart || finishedAt <= forgottenBefore) { return false }
        ensure(observation.series, now: now)
        releases[observation.series]?.value += 1
        if let created = observation.createdAt, let finished = observation.finishedAt, finished >= created {
            durations[observation.series]?.observe(finished - created)
        }
        return true
    }

    /// Adds a counted release's lead time, in seconds (earliest commit of its files to its execution).
    public mutating func observeLeadTime(_ series: ReleaseSeries, seconds: Double, now: Double) {
        if leadTimes[series] == nil { leadTimes[series] = Histogram(created: now) }
        leadTimes[series]?.observe(max(0, seconds))
    }

    /// Takes over `other`'s counts, histograms and remembered releases (a reload: the counters stay monotonic).
    public mutating func adopt(_ other: ReleaseAnalytics) {
        for (series, counter) in other.releases {
            releases[series] = counter
        }
        for (series, histogram) in other.durations {
            durations[series] = histogram
        }
        for (series, histogram) in other.leadTimes {
            leadTimes[series] = histogram
        }
        seen.merge(other.seen) { mine, _ in mine }
        forgottenBefore = max(forgottenBefore, other.forgottenBefore)
        processStart = min(processStart, other.processStart)
    }

    private mutating func ensure(_ series: ReleaseSeries, now: Double) {
        if releases[series] == nil { releases[series] = Counter(created: now) }
        if durations[series] == nil { durations[series] = Histogram(created: now) }
        if leadTimeEnabled && leadTimes[series] == nil { leadTimes[series] = Histogram(created: now) }
    }

    private mutating func remember(_ identity: Identity, final: Bool, finishedAt: Double) {
        seen[identity] = (final, finishedAt)
        guard seen.count > Self.maxRemembered else { return }
        let oldest = seen.sorted { $0.value.finishedAt < $1.value.finishedAt }.prefix(seen.count / 2)
        for (identity, entry) in oldest {
            seen[identity] = nil
            forgottenBefore = max(forgottenBefore, entry.finishedAt)
        }
    }
}
