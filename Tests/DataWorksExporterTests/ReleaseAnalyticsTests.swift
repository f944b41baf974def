import DataWorksAPI
import DataWorksSimulator
import Testing

@testable import DataWorksExporter

/// The release analytics value: each release counted once, at its first final sight, not before the process started;
/// durations from the API's timestamps; the hand-over on reload; the exposition with `_created`.
@Suite struct ReleaseAnalyticsTests {
    static let start = 1_767_225_600.0
    static let workspace = Workspace(regionId: "cn-zhangjiakou", project: .id(10000))

    static func deployment(
        _ status: DeploymentStatus,
        created: Double,
        executed: Double? = nil,
        to environment: Int = 2
    ) -> Deployment {
        Deployment(
            createTime: Int64(created * 1_000),
            executeTime: executed.map { Int64($0 * 1_000) },
            status: status,
            toEnvironment: environment
        )
    }

    static func observation(_ id: Int64, _ deployment: Deployment) throws -> ReleaseObservation {
        try #require(ReleaseAnalytics.observation(of: workspace.key(id), deployment: deployment))
    }

    static let production = ReleaseSeries(
        regionId: "cn-zhangjiakou",
        project: "10000",
        kind: .deployment,
        toEnvironment: "production",
        status: "success"
    )

    @Test func aReleaseSeenAgainAfterItsFinalStatusIsCountedOnce() throws {
        var analytics = ReleaseAnalytics(processStart: Self.start)
        let ready = try Self.observation(1, Self.deployment(.ready, created: Self.start + 10))
        let readyCounted = analytics.observe(ready, now: Self.start + 20)
        #expect(!readyCounted)
        let done = try Self.observation(
            1,
            Self.deployment(.success, created: Self.start + 10, executed: Self.start + 130)
        )
        let finalCounted = analytics.observe(done, now: Self.start + 140)
        #expect(finalCounted)
        // Re-listed by discovery, refreshed after terminal_refresh: never counted again.
        for step in 1...5 {
            let againCounted = analytics.observe(done, now: Self.start + 140 + Double(step) * 30)
            #expect(!againCounted)
        }
        #expect(analytics.releases[Self.production]?.value == 1)
        #expect(analytics.releases[Self.production]?.created == Self.start + 140)
        let duration = try #require(analytics.durations[Self.production])
        #expect(duration.count == 1 && duration.sum == 120)
        // 120 s falls into the 120 s bucket (le is inclusive).
        #expect(duration.cumulative.first { $0.upperBound == 120 }?.cumulativeCount == 1)
        #expect(duration.cumulative.first { $0.upperBound == 60 }?.cumulativeCount == 0)
    }

    @Test func aReleaseFinalBeforeTheProcessStartedIsNotCounted() throws {
        var analytics = ReleaseAnalytics(processStart: Self.start)
        let old = try Self.observation(
            2,
            Self.deployment(.failure, created: Self.start - 3_600, executed: Self.start - 3_000)
        )
        let oldCounted = analytics.observe(old, now: Self.start + 5)
        #expect(!oldCounted)
        let failed = ReleaseSeries(
            regionId: "cn-zhangjiakou",
            project: "10000",
            kind: .deployment,
            toEnvironment: "production",
            status: "failure"
        )
        #expect(analytics.releases[failed] == nil)
        // A release that finished while the process ran, first seen final, counts.
        let recent = try Self.observation(
            3,
            Self.deployment(.failure, created: Self.start - 60, executed: Self.start + 1)
        )
        let recentCounted = analytics.observe(recent, now: Self.start + 5)
        #expect(recentCounted)
        #expect(analytics.releases[failed]?.value == 1)
    }

    @Test func presetSeriesStartAtZeroAndKeepTheirCreationTime() {
        var analytics = ReleaseAnalytics(processStart: Self.start)
        analytics.preset(
            Self.workspace,
            kind: .deployment,
            environments: ["development", "production"],
            statuses: ["success", "failure", "rejected"],
            now: Self.start
        )
        #expect(analytics.releases.count == 6 && analytics.durations.count == 6)
        #expect(analytics.releases.values.allSatisfy { $0.value == 0 && $0.created == Self.start })
        analytics.preset(
            Self.workspace,
            kind: .deployment,
            environments: ["production"],
            statuses: ["success"],
            now: Self.start + 60
        )
        #expect(analytics.releases[Self.production]?.created == Self.start)
    }

    @Test func theHandOverKeepsCountsAndTheReleasesAlreadyCounted() throws {
        var old = ReleaseAnalytics(processStart: Self.start)
        let done = try Self.observation(
            4,
            Self.deployment(.success, created: Self.start + 10, executed: Self.start + 70)
        )
        let oldCollectorCounted = old.observe(done, now: Self.start + 80)
        #expect(oldCollectorCounted)
        var new = ReleaseAnalytics(processStart: Self.start + 600)
        new.adopt(old)
        #expect(new.processStart == Self.start)
        let newCollectorCounted = new.observe(done, now: Self.start + 700)
        #expect(!newCollectorCounted)
        #expect(new.releases[Self.production]?.value == 1)
    }

    @Test func theCountersAndHistogramsAreWrittenWithCreatedInOpenMetricsOnly() throws {
        var analytics = ReleaseAnalytics(processStart: Self.start)
        analytics.leadTimeEnabled = true
        let done = try Self.observation(
            5,
            Self.deployment(.success, created: Self.start + 10, executed: Self.start + 70)
        )
        analytics.observe(done, now: Self.start + 80)
        analytics.observeLeadTime(Self.production, seconds: 900, now: Self.start + 80)
        let labels =
            #"{region_id="cn-zhangjiakou",project="10000",kind="deployment",to_environment="production",status="success"}"#
        for format in [ExpositionFormat.openMetrics, .text] {
            var writer = ExpositionWriter(format: format)
            try MetricsRenderer().writeReleases(analytics, into: &writer)
            let text = String(decoding: writer.bytes, as: UTF8.self)
            #expect(text.contains("dataworks_releases_total\(labels) 1\n"))
            #expect(text.contains("dataworks_release_duration_seconds_sum\(labels) 60\n"))
            #expect(text.contains("dataworks_release_lead_time_seconds_sum\(labels) 900\n"))
            let created = "dataworks_releases_created\(labels) 1.76722568e+09\n"
            #expect(text.contains(created) == (format == .openMetrics), "\(text)")
            #expect(text.contains("dataworks_release_duration_seconds_created\(labels)") == (format == .openMetrics))
        }
    }

    @Test func leadTimeFamilyIsLeftOutUnlessEnabled() throws {
        let analytics = ReleaseAnalytics(processStart: Self.start)
        var writer = ExpositionWriter(format: .text)
        try MetricsRenderer().writeReleases(analytics, into: &writer)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text.contains("# TYPE dataworks_releases_total counter"))
        #expect(!text.contains("dataworks_release_lead_time_seconds"))
    }

    @Test func commitTimesResolveTheEarliestCommitAndStayBounded() {
        var times = FileCommitTimes()
        let first = FileCommitTimes.Key(workspace: Self.workspace, fileId: 1, fileVersion: 1)
        let second = FileCommitTimes.Key(workspace: Self.workspace, fileId: 2, fileVersion: 3)
        times.pending = [.init(series: Self.production, files: [first, second], executedAt: Self.start)]
        #expect(times.missing == [first, second])
        times.insert(first, commitTime: Self.start - 600)
        #expect(times.resolve().isEmpty)
        #expect(times.missing == [second])
        times.insert(second, commitTime: Self.start - 1_800)
        let done = times.resolve()
        #expect(done.count == 1 && done.first?.seconds == 1_800)
        #expect(times.pending.isEmpty)
        for index in 0..<(FileCommitTimes.capacity + 10) {
            times.insert(.init(workspace: Self.workspace, fileId: 100 + Int64(index), fileVersion: 1), commitTime: 0)
        }
        #expect(times.count == FileCommitTimes.capacity)
        #expect(times[first] == nil)
    }

    @Test func aReleaseWhoseCommitTimesNeverComeIsGivenUp() {
        var times = FileCommitTimes()
        let file = FileCommitTimes.Key(workspace: Self.workspace, fileId: 1, fileVersion: 1)
        times.pending = [.init(series: Self.production, files: [file], executedAt: Self.start)]
        for _ in 0..<FileCommitTimes.maxAttempts {
            #expect(times.resolve().isEmpty)
        }
        #expect(times.pending.isEmpty)
    }

    /// The demo discovers a whole day of its release history: a failed package stays watched, and alerting, for
    /// the 24 hours `DataWorksDeploymentFailed` looks back (a fresh-user run saw alerts of the demo end early).
    @Test func theDemoDiscoversTheReleaseHistoryWithLeadTime() throws {
        let config = try ExporterConfig.demo(
            endpoint: "http://127.0.0.1:1",
            deploymentIds: [3_000_001],
            pipelineRunProjectId: 10000
        )
        #expect(config.collector.releaseLeadTime)
        #expect(config.targets.first?.deploymentIds == [3_000_001])
        let day: Int64 = 86_400_000
        let now: Int64 = 1_800_000_000_000
        let history = SimulatedReleaseHistory.demo(now: now)
        let packages = try #require(config.targets.first?.discovery)
        #expect(packages.maxAge >= .seconds(86_400))
        let packagesInADay = history.packages.filter { $0.createTime >= now && $0.createTime < now + day }.count
        #expect(packagesInADay > 0 && packagesInADay <= packages.limit, "\(packagesInADay) > \(packages.limit)")
        let runs = try #require(config.targets.last?.pipelineRuns?.discovery)
        #expect(runs.maxAge >= .seconds(86_400))
        let runsInADay = history.pipelineRuns.filter { $0.createTime >= now && $0.createTime < now + day }.count
        #expect(runsInADay > 0 && runsInADay <= runs.limit, "\(runsInADay) > \(runs.limit)")
    }
}
