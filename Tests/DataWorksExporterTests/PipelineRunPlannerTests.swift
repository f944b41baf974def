import DataWorksAPI
import Testing

@testable import DataWorksExporter

/// The pure rules of ``PipelineRunPlanner``: what is due, when a listing walk stops, what discovery selects.
@Suite struct PipelineRunPlannerTests {
    static let workspace = Workspace(regionId: "cn-shanghai", project: .id(20000))
    static let now = 1_800_000_000.0
    let planner = PipelineRunPlanner(settings: CollectorSettings(terminalRefresh: .seconds(3_600)))

    func key(_ id: String) -> PipelineRunKey {
        PipelineRunKey(workspace: Self.workspace, kind: .workspace, pipelineRunId: id)
    }

    func listed(_ id: String, _ status: PipelineRunStatus, ageSeconds: Double) -> PipelineRunPlanner.Listed {
        .init(pipelineRunId: id, status: status, createTime: Int64((Self.now - ageSeconds) * 1_000))
    }

    @Test func finalRunsAreDueOnlyEveryTerminalRefresh() {
        let fresh = PipelineRunPlanner.Known(
            status: .success,
            createTime: nil,
            checkedAt: Self.now - 60,
            hasItems: true
        )
        let old = PipelineRunPlanner.Known(status: .fail, createTime: nil, checkedAt: Self.now - 3_600, hasItems: true)
        let moving = PipelineRunPlanner.Known(status: .running, createTime: nil, checkedAt: Self.now, hasItems: false)
        #expect(!planner.isDue(fresh, now: Self.now))
        #expect(planner.isDue(old, now: Self.now))
        #expect(planner.isDue(moving, now: Self.now))
        #expect(planner.isDue(nil, now: Self.now))
        for status in [PipelineRunStatus.termination, .cancel] {
            let known = PipelineRunPlanner.Known(status: status, createTime: nil, checkedAt: Self.now, hasItems: true)
            #expect(!planner.isDue(known, now: Self.now + 10))
        }
    }

    @Test func theWalkStopsAfterAPageOfOldOrFinalAndKnownRuns() {
        let discovery = PipelineRunDiscovery(maxAge: .seconds(86_400))
        let knownFinal = PipelineRunPlanner.Known(
            status: .success,
            createTime: nil,
            checkedAt: Self.now,
            hasItems: true
        )
        let known = [key("a"): knownFinal]
        // Old runs and a final run already known as final: stop.
        let settled = [listed("old", .running, ageSeconds: 90_000), listed("a", .success, ageSeconds: 60)]
        #expect(
            !planner.continuesPaging(
                after: settled,
                kind: .workspace,
                workspace: Self.workspace,
                known: known,
                discovery: discovery,
                now: Self.now
            )
        )
        // A moving run, or a final run not known yet, on the page: go on.
        for page in [settled + [listed("m", .running, ageSeconds: 60)], settled + [listed("n", .fail, ageSeconds: 60)]]
        {
            #expect(
                planner.continuesPaging(
                    after: page,
                    kind: .workspace,
                    workspace: Self.workspace,
                    known: known,
                    discovery: discovery,
                    now: Self.now
                )
            )
        }
        // A changed TotalCount: something was added somewhere, go on.
        #expect(
            planner.continuesPaging(
                after: settled,
                kind: .workspace,
                workspace: Self.workspace,
                known: known,
                discovery: discovery,
                totalCountChanged: true,
                now: Self.now
            )
        )
        #expect(
            !planner.continuesPaging(
                after: [],
                kind: .workspace,
                workspace: Self.workspace,
                known: known,
                discovery: discovery,
                totalCountChanged: true,
                now: Self.now
            )
        )
    }

    @Test func discoverySelectsTheNewestWithinAgeAndStatus() {
        let candidates = [
            listed("a", .running, ageSeconds: 10), listed("b", .fail, ageSeconds: 20),
            listed("c", .success, ageSeconds: 30), listed("d", .fail, ageSeconds: 100_000),
        ]
        let all = PipelineRunDiscovery(maxAge: .seconds(86_400), limit: 2)
        #expect(PipelineRunPlanner.select(candidates, by: all, now: Self.now) == ["a", "b"])
        let failed = PipelineRunDiscovery(maxAge: .seconds(86_400), statuses: [.fail, .success])
        #expect(PipelineRunPlanner.select(candidates, by: failed, now: Self.now) == ["b", "c"])
        #expect(failed.listingStatus == nil && PipelineRunDiscovery(statuses: [.fail]).listingStatus == .fail)
    }

    @Test func listingIsPlannedWithDiscoveryOrTwoDueRuns() {
        let final = PipelineRunPlanner.Known(status: .success, createTime: nil, checkedAt: Self.now, hasItems: true)
        let one = PipelineRunWatch(pipelineRunIds: ["a", "b"])
        #expect(!planner.listsWorkspace(watch: one, workspace: Self.workspace, known: [key("a"): final], now: Self.now))
        #expect(planner.listsWorkspace(watch: one, workspace: Self.workspace, known: [:], now: Self.now))
        let discovering = PipelineRunWatch(discovery: PipelineRunDiscovery())
        #expect(planner.listsWorkspace(watch: discovering, workspace: Self.workspace, known: [:], now: Self.now))
    }

    @Test func singleFetchesAndItemsFollowTheRules() {
        let final = PipelineRunPlanner.Known(
            status: .success,
            createTime: nil,
            checkedAt: Self.now - 10,
            hasItems: false
        )
        let withItems = PipelineRunPlanner.Known(
            status: .fail,
            createTime: nil,
            checkedAt: Self.now - 10,
            hasItems: true
        )
        let listedNow = PipelineRunPlanner.Known(
            status: .running,
            createTime: nil,
            checkedAt: Self.now,
            hasItems: false
        )
        let moving = PipelineRunPlanner.Known(
            status: .running,
            createTime: nil,
            checkedAt: Self.now - 30,
            hasItems: false
        )
        let known = [key("f"): final, key("i"): withItems, key("l"): listedNow, key("m"): moving]
        let tracked = ["f", "i", "l", "m", "new"].map(key)
        #expect(planner.singleFetches(tracked: tracked, known: known, now: Self.now) == ["m", "new"].map(key))
        #expect(planner.itemFetches(tracked: tracked, known: known) == [key("f")])
    }

    @Test func recordsObserveTheFirstFinalStatusOnce() {
        var records = PipelineRunRecords()
        var run = PipelineRunSummary(PipelineRun(id: "r", status: .running, createTime: 1))
        let running = records.update(key("r"), with: run, now: Self.now)
        run.status = .success
        let ended = records.update(key("r"), with: run, now: Self.now + 30)
        let again = records.update(key("r"), with: run, now: Self.now + 60)
        #expect(!running && ended && !again)
        let taken = records.takeNewlyFinal()
        #expect(taken == [key("r")])
        #expect(records.newlyFinal.isEmpty)
    }

    /// What a scrape joining a collection in flight shows of a run: the sample after a failed refresh, without
    /// changing (or copying) the records; the last good values go after `max_stale` of failures.
    @Test func theFailedSampleLeavesTheRecordsAsTheyAre() {
        var records = PipelineRunRecords()
        records.update(
            key("r"),
            with: PipelineRunSummary(PipelineRun(id: "r", status: .running, createTime: 1)),
            now: 0
        )
        let fresh = records.failedSample(key("r"), maxStale: 600, now: 10)
        #expect(!fresh.fetchSucceeded && fresh.run?.status == .running)
        #expect(records.age(key("r"), maxStale: 600, now: 10).fetchSucceeded, "the records were changed")
        var failing = records
        failing.fail(key("r"), now: 10)
        #expect(records.failedSample(key("r"), maxStale: 600, now: 610).run?.status == .running)
        #expect(failing.failedSample(key("r"), maxStale: 600, now: 610).run == nil)
        let failed = failing.failedSample(key("r"), maxStale: 600, now: 610)
        let aged = failing.age(key("r"), maxStale: 600, now: 610)
        #expect(
            failed.fetchSucceeded == aged.fetchSucceeded && failed.lastSuccessTimestamp == aged.lastSuccessTimestamp
        )
    }

    @Test func itemCountsAreGroupedByTypeAndStatus() {
        let counts = PipelineRunItemCount.counts(of: [
            ("Node", .success), ("Node", .success), ("Resource", .fail), (nil, nil),
        ])
        #expect(
            counts == [
                .init(itemType: "Node", status: "success", count: 2),
                .init(itemType: "Resource", status: "fail", count: 1),
                .init(itemType: "unknown", status: "unknown", count: 1),
            ]
        )
    }
}
