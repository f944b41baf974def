import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import LockedValue
import Testing

struct RefreshingCredentialsTests {
    /// A fetch function that hands out numbered credentials expiring `lifetime` seconds after the clock, or fails
    /// while `failing` is set; it counts its calls.
    final class Source: Sendable {
        let clock: ManualClock
        let lifetime: Int64
        let calls = Locked(0)
        let failing = Locked(false)

        init(clock: ManualClock, lifetime: Int64 = 3600) {
            self.clock = clock
            self.lifetime = lifetime
        }

        func fetch() async throws -> ExpiringCredentials {
            let number = calls.withLock {
                $0 += 1
                return $0
            }
            if failing.withLock({ $0 }) {
                throw CredentialsError.requestRejected(
                    provider: "test",
                    endpoint: "http://127.0.0.1:1/",
                    status: 503,
                    code: "ServiceUnavailable",
                    requestId: nil
                )
            }
            return ExpiringCredentials(
                credentials: Credentials(
                    accessKeyId: "STS.\(number)",
                    accessKeySecret: Secret(TestSecrets.stsSecret),
                    securityToken: Secret(TestSecrets.stsToken),
                    providerName: "test"
                ),
                expiration: clock.now + lifetime
            )
        }
    }

    func provider(_ source: Source, log: CapturedLog = CapturedLog()) -> RefreshingCredentialsProvider {
        RefreshingCredentialsProvider(name: "test", policy: source.clock.policy, logger: log.logger) {
            try await source.fetch()
        }
    }

    @Test func refreshesFifteenMinutesBeforeExpiry() async throws {
        let source = Source(clock: ManualClock())
        let provider = provider(source)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        source.clock.advance(3600 - 900 - 1)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(source.calls.withLock { $0 } == 1)
        source.clock.advance(1)
        #expect(try await provider.credentials().accessKeyId == "STS.2")
        #expect(try await provider.credentials().accessKeyId == "STS.2")
        #expect(source.calls.withLock { $0 } == 2)
    }

    @Test func shortLivedCredentialsAreRefreshedAtHalfTheirLifetime() async throws {
        let source = Source(clock: ManualClock(), lifetime: 900)
        let provider = provider(source)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        source.clock.advance(449)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        source.clock.advance(1)
        #expect(try await provider.credentials().accessKeyId == "STS.2")
    }

    @Test func keepsServingTheOldCredentialsWhenARefreshFails() async throws {
        let source = Source(clock: ManualClock())
        let log = CapturedLog()
        let provider = provider(source, log: log)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        source.failing.withLock { $0 = true }
        source.clock.advance(3600 - 900)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(source.calls.withLock { $0 } == 2)
        #expect(log.text.contains("credentials refresh failed"))
        #expect(log.text.contains("ServiceUnavailable"))
        #expect(log.text.contains("serving_cached=true"))
        // No new attempt within the retry delay (10 s) ...
        source.clock.advance(9)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(source.calls.withLock { $0 } == 2)
        // ... then one more.
        source.clock.advance(1)
        #expect(try await provider.credentials().accessKeyId == "STS.1")
        #expect(source.calls.withLock { $0 } == 3)
        // Once expired, the failure is thrown.
        source.clock.advance(900)
        await #expect(throws: CredentialsError.self) { try await provider.credentials() }
        // Recovery.
        source.failing.withLock { $0 = false }
        source.clock.advance(10)
        #expect(try await provider.credentials().accessKeyId == "STS.5")
        TestSecrets.expectAbsent(log.text, "log")
    }

    @Test func firstFailureIsThrown() async {
        let source = Source(clock: ManualClock())
        source.failing.withLock { $0 = true }
        await expectFailure(provider(source), contains: ["HTTP 503", "ServiceUnavailable"])
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        let clock = ManualClock()
        let calls = Locked(0)
        // The fake STS holds its answer until every caller is waiting, so all of them overlap one fetch.
        let handler: @Sendable (ServerRequest) async -> ServerResponse = { _ in
            calls.withLock { $0 += 1 }
            try? await Task.sleep(for: .milliseconds(200))
            return FakeBodies.sts(id: "STS.shared", expiration: clock.now + 3600)
        }
        try await withFake(handler) { fake, client async throws in
            let sts = RAMRoleARNCredentialsProvider(
                source: StaticCredentialsProvider(
                    accessKeyId: "id",
                    accessKeySecret: Secret(TestSecrets.accessKeySecret)
                ),
                parameters: try AssumeRoleParameters(roleArn: "acs:ram::1:role/r"),
                stsEndpoint: fake.url,
                httpClient: client,
                policy: clock.policy,
                logger: CapturedLog().logger
            )
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<16 { group.addTask { try await sts.credentials().accessKeyId } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(ids == Array(repeating: "STS.shared", count: 16))
            #expect(calls.withLock { $0 } == 1)
        }
    }
}
