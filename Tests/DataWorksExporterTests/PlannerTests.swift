import DataWorksAPI
import DataWorksExporter
import LockedValue
import Testing

@Suite struct PlannerTests {
    static let workspace = Workspace(regionId: "cn-zhangjiakou", project: .id(10000))

    static func key(_ id: Int64) -> DeploymentKey {
        workspace.key(id)
    }

    static func group(_ ids: [Int64], total: Int64? = nil, ready: Int64? = nil) -> Planner.Group {
        Planner.Group(workspace: workspace, deploymentIds: ids, totalCount: total, readyCount: ready)
    }

    static func known(
        _ statuses: [Int64: DeploymentStatus],
        checkedAt: Double = 1_000
    ) -> [DeploymentKey: Planner.Known] {
        Dictionary(
            uniqueKeysWithValues: statuses.map {
                (key($0.key), Planner.Known(status: $0.value, checkedAt: checkedAt, hasDetails: true))
            }
        )
    }

    @Test func everyDeploymentIsFetchedWithGetDeploymentTheFirstTime() {
        let calls = Planner().plan(groups: [Self.group([1, 2, 3])], known: [:], now: 1_000)
        #expect(calls == [.get(Self.key(1)), .get(Self.key(2)), .get(Self.key(3))])
    }

    @Test func terminalStatusesWaitForTerminalRefreshReadyAndUnknownDoNot() {
        let planner = Planner(settings: .init(terminalRefresh: .seconds(3_600)))
        let known = Self.known([1: 1, 2: 2, 3: 6, 4: 0, 5: 9])
        let soon = planner.plan(groups: [Self.group([1, 2, 3, 4, 5])], known: known, now: 1_000 + 3_599)
        #expect(soon == [.get(Self.key(5)), .get(Self.key(4))])
        // All due: one unfiltered page (5 tracked, no TotalCount yet) is cheaper than four GetDeployment calls.
        let later = planner.plan(groups: [Self.group([1, 2, 3, 4, 5])], known: known, now: 1_000 + 3_600)
        #expect(later.last == .get(Self.key(5)))
        guard case .list(let listing)? = later.first, listing.status == nil, listing.pages == 1, later.count == 2 else {
            Issue.record("expected GetDeployment of 5 and one unfiltered page, got \(later)")
            return
        }
        #expect(Set(listing.covers) == [1, 2, 3, 4])
        let onlyGet = Planner(settings: .init(terminalRefresh: .seconds(3_600), listDeployments: false))
        let gets = onlyGet.plan(groups: [Self.group([1, 2, 3, 4, 5])], known: known, now: 1_000 + 3_600)
        #expect(Set(gets) == Set([1, 2, 3, 4, 5].map { Planner.Call.get(Self.key($0)) }))
    }

    @Test func aDeploymentWithoutDetailsIsFetchedEvenWhenTerminal() {
        let known = [Self.key(1): Planner.Known(status: 1, checkedAt: 1_000, hasDetails: false)]
        #expect(Planner().plan(groups: [Self.group([1])], known: known, now: 1_001) == [.get(Self.key(1))])
    }

    @Test func manyReadyDeploymentsAreRefreshedByOneFilteredPage() {
        let ids = Array(Int64(1)...5)
        let known = Self.known(Dictionary(uniqueKeysWithValues: ids.map { ($0, 0) }))
        let calls = Planner().plan(groups: [Self.group(ids, ready: 40)], known: known, now: 1_010)
        #expect(calls == [.list(.init(workspace: Self.workspace, status: .ready, covers: ids, pages: 1))])
    }

    @Test func readyPagesAreCountedFromTheLastTotalAndGetDeploymentWinsWhenCheaper() {
        let ids = Array(Int64(1)...3)
        let known = Self.known(Dictionary(uniqueKeysWithValues: ids.map { ($0, 0) }))
        // 3 ready tracked, but the workspace has 450 ready deployments: 5 pages cost more than 3 calls.
        let calls = Planner().plan(groups: [Self.group(ids, total: 10_000, ready: 450)], known: known, now: 1_010)
        #expect(calls == ids.map { .get(Self.key($0)) })
    }

    @Test func aTieGoesToGetDeployment() {
        let known = Self.known([1: 0])
        #expect(Planner().plan(groups: [Self.group([1])], known: known, now: 1_010) == [.get(Self.key(1))])
    }

    @Test func dueTerminalDeploymentsOfALargeTargetAreRefreshedByUnfilteredPages() {
        let ids = Array(Int64(1)...250)
        let known = Self.known(Dictionary(uniqueKeysWithValues: ids.map { ($0, $0 <= 5 ? 0 : 1) }))
        let calls = Planner().plan(groups: [Self.group(ids, total: 260, ready: 5)], known: known, now: 1_000 + 3_600)
        #expect(calls.count == 1)
        guard case .list(let listing)? = calls.first else {
            Issue.record("expected a listing, got \(calls)")
            return
        }
        #expect(listing.status == nil)
        #expect(listing.pages == 3)
        #expect(Set(listing.covers) == Set(ids))
        #expect(calls.map(\.expectedCost).reduce(0, +) == 3)
    }

    @Test func followUpsFetchWhatAListingDidNotCarry() {
        let call = Planner.Call.list(.init(workspace: Self.workspace, status: .ready, covers: [1, 2, 3], pages: 1))
        #expect(Planner().followUps(after: call, found: [1, 3]) == [.get(Self.key(2))])
        #expect(Planner().followUps(after: .get(Self.key(1)), found: []) == [])
    }

    @Test func duplicateIdsArePlannedOnce() {
        #expect(Planner().plan(groups: [Self.group([7, 7])], known: [:], now: 0) == [.get(Self.key(7))])
    }
}

@Suite struct TokenBucketTests {
    @Test func burstThenOneTokenPerRateInterval() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 10, burst: 2, now: start)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) == .milliseconds(100))
        #expect(bucket.reserve(now: start) == .milliseconds(200))
        // After a second the bucket is full again (2), not 10.
        let later = start.advanced(by: .seconds(2))
        #expect(bucket.reserve(now: later) == .zero)
        #expect(bucket.reserve(now: later) == .zero)
        #expect(bucket.reserve(now: later) > .zero)
    }

    @Test func throttlingHalvesTheRateAndSuccessesRecoverItGradually() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 8, burst: 8, now: start)
        bucket.throttled(now: start)
        #expect(bucket.effectiveRate == 4)
        #expect(bucket.tokens <= 0)
        // A second throttled answer within the same second is the same congestion: no second halving.
        bucket.throttled(now: start.advanced(by: .milliseconds(500)))
        #expect(bucket.effectiveRate == 4)
        var now = start
        for _ in 0..<10 {
            now = now.advanced(by: .seconds(1))
            bucket.throttled(now: now)
        }
        #expect(bucket.effectiveRate == bucket.minimumRate)
        #expect(bucket.minimumRate == 1)
        bucket.succeeded(now: now)
        #expect(bucket.effectiveRate == bucket.minimumRate + 8 * TokenBucket.recoveryStep)
        for _ in 0..<100 { bucket.succeeded(now: now) }
        #expect(bucket.effectiveRate == 8)
    }

    @Test func cancelGivesTheTokenBack() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 1, burst: 1, now: start)
        _ = bucket.reserve(now: start)
        bucket.cancel(now: start)
        #expect(bucket.reserve(now: start) == .zero)
    }

    @Test func nextUTCDayStartsAtMidnight() {
        #expect(RateLimiter.nextUTCDay(after: 86_400 * 3 + 5) == 86_400 * 4)
        #expect(RateLimiter.nextUTCDay(after: 86_400 * 4) == 86_400 * 5)
    }

    @Test func quotaAnswerPausesTheRegionForTheCoolDownAndThrottlingSlowsDown() async throws {
        let now = Locked(1_000.0)
        let limiter = RateLimiter(configuration: .init(rate: 10, burst: 10, quotaPause: .seconds(60))) {
            now.withLock { $0 }
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        try await limiter.acquire(regionId: "cn-hangzhou", deadline: deadline)
        limiter.record(
            regionId: "cn-hangzhou",
            error: .service(.init(code: "Throttling.User", message: "", httpStatus: 429, requestId: nil))
        )
        #expect(limiter.region("cn-hangzhou").effectiveRate == 5)
        limiter.record(
            regionId: "cn-hangzhou",
            error: .service(.init(code: "Throttling.Resource", message: "", httpStatus: 429, requestId: nil))
        )
        #expect(limiter.region("cn-hangzhou").pausedUntil == 1_060)
        await #expect(throws: RegionPausedError(regionId: "cn-hangzhou", until: 1_060)) {
            try await limiter.acquire(regionId: "cn-hangzhou", deadline: deadline)
        }
        // Another region is not paused.
        try await limiter.acquire(regionId: "cn-shanghai", deadline: deadline)
        now.withLock { $0 = 1_060 }
        #expect(limiter.region("cn-hangzhou").pausedUntil == nil)
    }

    @Test func aWaitPastTheDeadlineFailsAtOnceAndReturnsTheToken() async throws {
        let limiter = RateLimiter(configuration: .init(rate: 0.01, burst: 1))
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        try await limiter.acquire(regionId: "cn-hangzhou", deadline: deadline)
        await #expect(throws: CallNotSentError(reason: .rateLimit, regionId: "cn-hangzhou")) {
            try await limiter.acquire(regionId: "cn-hangzhou", deadline: deadline)
        }
    }
}
