import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import Logging
import Testing

@testable import DataWorksExporter

/// The release analytics through the real collector, client, libcurl and the simulator's release history over
/// loopback: packages found by discovery, counted once at their first final sight, their lead time from
/// `GetFileVersion`, what shipped and who.
@Suite struct ReleaseAnalyticsEndToEndTests {
    typealias History = ReleaseHistorySimulatorTests
    static let minute: Int64 = 60_000

    /// Files and packages around `now` (epoch ms): one package finished long before, two that finish `delay` ms
    /// after `now` (one succeeds, one fails), one rejected long before.
    static func history(now: Int64, delay: Int64) -> SimulatedReleaseHistory {
        SimulatedReleaseHistory(
            files: [
                History.file(1_100_001, 1, "u1", now - 120 * minute),
                History.file(1_100_002, 1, "u2", now - 30 * minute),
                History.file(1_100_003, 1, "u3", now - 10 * minute),
            ],
            packages: [
                History.package(3_100_001, [(1_100_001, 1)], created: now - 90 * minute),
                History.package(
                    3_100_002,
                    [(1_100_002, 1), (1_100_003, 1)],
                    created: now - minute,
                    delay: minute + delay
                ),
                History.package(
                    3_100_003,
                    [(1_100_003, 1)],
                    created: now - minute,
                    delay: minute + delay,
                    .failure(message: "boom")
                ),
                History.package(3_100_004, [(1_100_001, 1)], created: now - 50 * minute, .rejected),
            ]
        )
    }

    static let labels = #"region_id="cn-zhangjiakou",project="10000",kind="deployment",to_environment="production""#

    @Test func releasesAreCountedOnceWithDurationLeadTimeAndWhatShipped() async throws {
        let now = History.nowMilliseconds
        // 3100002 and 3100003 finish `delay` ms after `now`: time enough, on a loaded CI machine, for the simulator
        // to start and the first collection to see them before they are final.
        let delay: Int64 = 6_000
        try await SimulatorTests.withSimulator(
            { try DataWorksSimulator(deployments: [], releaseHistory: Self.history(now: now, delay: delay)) },
            { simulator, transport in
                let metrics = APIMetrics(actions: ["GetDeployment", "ListDeployments", "GetFileVersion"])
                let client = PipelineRunSimulatorTests.client(simulator, transport, observer: metrics)
                // The collector of the discovered workspace; a second one stands for the collector after a reload.
                func makeCollector() -> Collector {
                    Collector(
                        client: client,
                        targets: [
                            Target(
                                regionId: History.regionId,
                                project: .id(History.projectId),
                                deploymentIds: [],
                                discovery: Discovery(maxAge: .seconds(86_400))
                            )
                        ],
                        settings: CollectorSettings(terminalRefresh: .zero, releaseLeadTime: true),
                        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                        apiMetrics: metrics
                    )
                }
                let collector = makeCollector()
                let first = await collector.collect(budget: .seconds(10))
                #expect(first.deployments.count == 4)
                let before = try #require(first.releases)
                // Final before the process started: remembered, not counted; the zero series are there.
                #expect(before.releases.values.allSatisfy { $0.value == 0 })
                #expect(before.releases.count == 6)

                let finishing = now + delay
                #expect(History.nowMilliseconds < finishing, "the first collection ended after the releases finished")
                try await Task.sleep(for: .milliseconds(max(0, finishing + 700 - History.nowMilliseconds)))
                var last = await collector.collect(budget: .seconds(10))
                // Listed again and refreshed again (terminal_refresh 0): still counted once.
                for _ in 0..<2 {
                    last = await collector.collect(budget: .seconds(10))
                }
                let analytics = try #require(last.releases)
                let series = { (status: String) in
                    ReleaseSeries(
                        regionId: History.regionId,
                        project: String(History.projectId),
                        kind: .deployment,
                        toEnvironment: "production",
                        status: status
                    )
                }
                #expect(analytics.releases[series("success")]?.value == 1)
                #expect(analytics.releases[series("failure")]?.value == 1)
                #expect(analytics.releases[series("rejected")]?.value == 0)
                let duration = try #require(analytics.durations[series("success")])
                #expect(duration.count == 1)
                #expect(abs(duration.sum - Double(Self.minute + delay) / 1_000) < 0.01)
                // Earliest commit of 3100002's files: 30 minutes before now; executed at now + delay.
                let lead = try #require(analytics.leadTimes[series("success")])
                #expect(lead.count == 1)
                #expect(abs(lead.sum - Double(30 * Self.minute + delay) / 1_000) < 0.01)
                // Two file versions, each fetched once, for the one successful release.
                #expect(await simulator.requestCounts()["GetFileVersion"] == 2)
                #expect(metrics.current.requests["GetFileVersion"] == 2)

                // A reload: the next collector takes over the counts and the releases already counted.
                let reloaded = makeCollector()
                await reloaded.adopt(await collector.memory())
                let afterReload = try #require(await reloaded.collect(budget: .seconds(10)).releases)
                #expect(afterReload.releases[series("success")]?.value == 1)
                #expect(afterReload.releases[series("failure")]?.value == 1)
                #expect(afterReload.leadTimes[series("success")]?.count == 1)
                #expect(await simulator.requestCounts()["GetFileVersion"] == 2)

                let body = try MetricsRenderer().render(
                    snapshot: last,
                    api: metrics.current,
                    includeProcessMetrics: false,
                    format: .openMetrics
                )
                let text = String(decoding: body, as: UTF8.self)
                #expect(text.contains("dataworks_releases_total{\(Self.labels),status=\"success\"} 1\n"))
                #expect(text.contains("dataworks_releases_created{\(Self.labels),status=\"success\"} "))
                #expect(
                    text.contains("dataworks_release_lead_time_seconds_count{\(Self.labels),status=\"success\"} 1\n")
                )
                let package = #"region_id="cn-zhangjiakou",project="10000",deployment_id="3100002""#
                #expect(text.contains("dataworks_deployment_items{\(package),status=\"success\"} 2\n"), "\(text)")
                #expect(text.contains("dataworks_deployment_items{\(package),status=\"error\"} 0\n"))
                #expect(text.contains(#"creator="u1",executor="m1"} 1"#))
            }
        )
    }
}
