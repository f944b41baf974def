import DataWorksAPI
import DataWorksExporter
import Testing

@Suite struct DeploymentRecordsTests {
    static let workspace = Workspace(regionId: "cn-zhangjiakou", project: .id(10000))
    static let key = workspace.key(3_000_001)

    static func detailed(status: DeploymentStatus) -> Deployment {
        Deployment(name: "ods", creatorId: "1", status: status, fromEnvironment: 1, toEnvironment: 2, checkingStatus: 8)
    }

    @Test func aSuccessKeepsEveryFieldAndClearsTheFailureStreak() {
        var records = DeploymentRecords()
        records.fail(Self.key, now: 100)
        #expect(records[Self.key]?.failingSince == 100)
        records.succeed(Self.key, with: Self.detailed(status: .ready), now: 200)
        let record = records[Self.key]
        #expect(record?.deployment == Self.detailed(status: .ready))
        #expect(record?.hasDetails == true && record?.fetchSucceeded == true)
        #expect(record?.lastSuccess == 200 && record?.checkedAt == 200 && record?.failingSince == nil)
    }

    @Test func aListingItemKeepsWhatItemsDoNotCarry() {
        var records = DeploymentRecords()
        records.succeed(Self.key, with: Self.detailed(status: .ready), now: 100)
        records.merge(Deployment(id: 3_000_001, status: .failure, errorMessage: "boom"), into: Self.key, now: 200)
        let deployment = records[Self.key]?.deployment
        #expect(deployment?.status == .failure && deployment?.errorMessage == "boom")
        #expect(deployment?.name == "ods" && deployment?.toEnvironment == 2 && deployment?.checkingStatus == 8)
        #expect(records[Self.key]?.checkedAt == 200)
    }

    @Test func failuresKeepTheLastGoodValuesUntilMaxStale() {
        var records = DeploymentRecords()
        records.succeed(Self.key, with: Self.detailed(status: .success), now: 100)
        records.fail(Self.key, now: 200)
        records.fail(Self.key, now: 300)
        #expect(records[Self.key]?.failingSince == 200)
        let fresh = records.age(Self.key, maxStale: 600, now: 799)
        #expect(fresh.deployment != nil && !fresh.fetchSucceeded && fresh.lastSuccessTimestamp == 100)
        let stale = records.age(Self.key, maxStale: 600, now: 800)
        #expect(stale.deployment == nil && stale.lastSuccessTimestamp == 100)
    }

    @Test func adoptionTakesOnlyConfiguredWorkspacesAndKeepsOwnRecords() {
        let other = Workspace(regionId: "cn-shanghai", project: .identifier("dw_other"))
        var old = DeploymentRecords()
        old.succeed(Self.key, with: Self.detailed(status: .success), now: 100)
        old.succeed(other.key(1), with: Self.detailed(status: .success), now: 100)
        old.succeed(Self.workspace.key(2), with: Self.detailed(status: .failure), now: 100)
        var new = DeploymentRecords()
        new.succeed(Self.workspace.key(2), with: Self.detailed(status: .ready), now: 200)
        new.adopt(old, in: [Self.workspace])
        #expect(new.count == 2)
        #expect(new[Self.key]?.lastSuccess == 100)
        #expect(new[other.key(1)] == nil)
        #expect(new[Self.workspace.key(2)]?.deployment?.status == .ready)
        new.keep(only: [Self.key])
        #expect(new.count == 1 && new.known[Self.key]?.status == .success)
    }

    /// Records live in an array behind an index: forgetting some must leave every other key on its own record.
    @Test func forgettingSomeKeepsEveryOtherKeyOnItsOwnRecord() {
        var records = DeploymentRecords()
        let keys = (1...100).map { Self.workspace.key(Int64($0)) }
        for (offset, key) in keys.enumerated() {
            records.succeed(key, with: Self.detailed(status: offset % 3 == 0 ? .failure : .ready), now: Double(offset))
        }
        let kept = Set(keys.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        records.keep(only: kept.union([Self.workspace.key(999)]))
        #expect(records.count == 50 && records[keys[0]] == nil)
        for (offset, key) in keys.enumerated() where kept.contains(key) {
            #expect(records[key]?.lastSuccess == Double(offset))
            #expect(records.known[key]?.status == (offset % 3 == 0 ? .failure : .ready))
        }
        records.fail(keys[1], now: 500)
        records.merge(Deployment(id: 4, status: .success), into: keys[3], now: 600)
        #expect(records[keys[1]]?.failingSince == 500 && records[keys[3]]?.failingSince == nil)
        #expect(records[keys[3]]?.deployment?.status == .success && records[keys[5]]?.deployment?.status == .ready)
        records.keep(only: kept)
        #expect(records.count == 50 && records[keys[99]]?.lastSuccess == 99)
    }
}

@Suite struct DeploymentStatusTests {
    @Test(arguments: [
        (0, DeploymentStatus.ready, "ready", false), (1, .success, "success", true), (2, .failure, "failure", true),
        (6, .rejected, "rejected", true), (9, .unknown(9), "unknown", false),
    ])
    func codesNamesAndTerminality(code: Int, status: DeploymentStatus, name: String, terminal: Bool) {
        #expect(DeploymentStatus(code: code) == status)
        #expect(status.code == code && status.name == name && status.isTerminal == terminal)
        #expect(DeploymentStatus(name: name) == (code == 9 ? nil : status))
    }
}

@Suite struct DiscoverySelectionTests {
    @Test func newestOfTheWantedStatusesWithinMaxAgeUpToTheLimit() {
        let now = 10_000.0
        func item(_ id: Int64?, created: Int64?, _ status: DeploymentStatus?) -> Deployment {
            Deployment(id: id, createTime: created, status: status)
        }
        let items = [
            item(1, created: 9_000_000, .ready), item(2, created: 9_500_000, .failure),
            item(3, created: 9_500_000, .success), item(4, created: 1_000_000, .ready),
            item(nil, created: 9_900_000, .ready), item(5, created: nil, .ready), item(6, created: 9_800_000, nil),
            item(7, created: 9_700_000, .rejected), item(8, created: 8_000_000, .ready),
        ]
        let discovery = Discovery(maxAge: .seconds(3_600), statuses: [.ready, .failure, .success], limit: 3)
        #expect(Planner.select(items, by: discovery, now: now).map(\.id) == [3, 2, 1])
        #expect(Planner.listingStatus(of: discovery) == nil)
        #expect(Planner.listingStatus(of: Discovery(statuses: [.failure])) == .failure)
    }
}

extension DeploymentRecordsTests {
    /// Issue 15, item 9: a failure's message that differs on every answer keeps its first text until the status
    /// changes, so `error_message` does not churn.
    @Test func aFailuresFirstMessageIsKeptUntilTheStatusChanges() {
        var records = DeploymentRecords()
        var failed = Self.detailed(status: .failure)
        failed.errorMessage = "failed, RequestId 1"
        records.succeed(Self.key, with: failed, now: 100)
        failed.errorMessage = "failed, RequestId 2"
        records.succeed(Self.key, with: failed, now: 200)
        #expect(records[Self.key]?.deployment?.errorMessage == "failed, RequestId 1")
        records.merge(
            Deployment(id: 3_000_001, status: .failure, errorMessage: "failed, RequestId 3"),
            into: Self.key,
            now: 300
        )
        #expect(records[Self.key]?.deployment?.errorMessage == "failed, RequestId 1")
        records.succeed(Self.key, with: Self.detailed(status: .ready), now: 400)
        failed.errorMessage = "failed, RequestId 4"
        records.succeed(Self.key, with: failed, now: 500)
        #expect(records[Self.key]?.deployment?.errorMessage == "failed, RequestId 4")
    }
}
