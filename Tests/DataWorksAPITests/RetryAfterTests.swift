import CurlClient
import DataWorksAPI
import Foundation
import HTTPServer
import Testing

/// `Retry-After` as delay-seconds or HTTP-date, and `x-acs-retry-after`, decide when (and whether) a call retries.
struct RetryAfterTests {
    private static let now = Date(timeIntervalSince1970: 1_796_592_650)  // Sun, 06 Dec 2026 21:30:50 GMT

    /// `date` as an IMF-fixdate, e.g. `Sun, 06 Dec 2026 21:31:20 GMT`.
    private static func imfFixdate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    private func wait(_ headers: [(String, String)]) -> Duration? {
        let response = HTTPResponse(
            status: 503,
            headers: headers.map { HTTPHeader(name: $0.0, value: $0.1) },
            body: Array("<html>busy</html>".utf8)
        )
        return ResponseDecoder.retryAfter(response, now: Self.now)
    }

    @Test func httpDateFormsAreCountedFromNow() {
        #expect(wait([("Retry-After", "Sun, 06 Dec 2026 21:31:20 GMT")]) == .seconds(30))
        #expect(wait([("Retry-After", "Sunday, 06-Dec-26 21:31:20 GMT")]) == .seconds(30))
        #expect(wait([("Retry-After", "Sun Dec  6 21:31:20 2026")]) == .seconds(30))
        #expect(wait([("Retry-After", "Sun, 06 Dec 2026 21:00:00 GMT")]) == .zero)
        #expect(wait([("x-acs-retry-after", "Sun, 06 Dec 2026 21:30:52 GMT")]) == .seconds(2))
        #expect(wait([("Retry-After", "120")]) == .seconds(120))
        #expect(wait([("x-acs-retry-after", "1500"), ("Retry-After", "9")]) == .milliseconds(1500))
        #expect(wait([("Retry-After", "Sun, 06 Dec 2026 25:31:20 GMT")]) == nil)
        #expect(wait([("Retry-After", "tomorrow")]) == nil)
    }

    /// A 503 without an error code whose `Retry-After` (either form) is further off than the client would sleep:
    /// one attempt, no retries within the call.
    @Test(arguments: ["date", "seconds", "acs"])
    func distantRetryAfterIsNotRetriedEarly(form: String) async throws {
        let header =
            switch form {
            case "date": HTTPHeader(name: "Retry-After", value: Self.imfFixdate(Date().addingTimeInterval(30)))
            case "seconds": HTTPHeader(name: "Retry-After", value: "30")
            default: HTTPHeader(name: "x-acs-retry-after", value: "30000")
            }
        let busy: @Sendable (ServerRequest) async -> ServerResponse = { _ in
            ServerResponse(
                status: 503,
                headers: [HTTPHeader(name: "Content-Type", value: "text/html"), header],
                body: Array("busy".utf8)
            )
        }
        try await withFake(busy) { fake, transport in
            let client = DataWorksClient(
                configuration: .init(
                    endpointOverride: fake.url,
                    connectTimeout: .seconds(30),
                    requestTimeout: .seconds(30),
                    retries: 2
                ),
                credentialsProvider: StaticCredentialsProvider(accessKeyId: "AKID", accessKeySecret: Secret("s")),
                transport: transport
            )
            let error = await #expect(throws: APIError.self) {
                try await client.getDeployment(
                    regionId: "cn-shanghai",
                    project: .id(1),
                    deploymentId: 2,
                    deadline: .now.advanced(by: .seconds(30))
                )
            }
            #expect(error?.errorClass == "http_503")
            #expect(fake.requests.count == 1, "\(form): \(fake.requests.count) attempts")
        }
    }

    /// A near `Retry-After` date is slept through, not replaced by a shorter jittered backoff.
    @Test func nearRetryAfterDateIsWaitedFor() async throws {
        let busy: @Sendable (ServerRequest) async -> ServerResponse = { _ in
            // Whole seconds: at least one full second ahead once rounded down.
            let date = Self.imfFixdate(Date().addingTimeInterval(2))
            return ServerResponse(
                status: 503,
                headers: [HTTPHeader(name: "Retry-After", value: date)],
                body: Array("busy".utf8)
            )
        }
        try await withFake(busy) { fake, transport in
            let client = DataWorksClient(
                configuration: .init(
                    endpointOverride: fake.url,
                    connectTimeout: .seconds(30),
                    requestTimeout: .seconds(30),
                    retries: 1
                ),
                credentialsProvider: StaticCredentialsProvider(accessKeyId: "AKID", accessKeySecret: Secret("s")),
                transport: transport
            )
            let clock = ContinuousClock()
            let started = clock.now
            _ = try? await client.getDeployment(
                regionId: "cn-shanghai",
                project: .id(1),
                deploymentId: 2,
                deadline: .now.advanced(by: .seconds(60))
            )
            #expect(fake.requests.count == 2)
            // Jittered backoff for attempt 0 is at most 200 ms; the date asks for at least 1 s.
            #expect(started.duration(to: clock.now) >= .seconds(1))
        }
    }

    /// Counts skipped calls by reason.
    actor SkipRecorder: APIRequestObserver {
        var skipped: [CallSkipReason: Int] = [:]
        var requests = 0
        func requestFinished(action: String, duration: Duration, error: APIError?) { requests += 1 }
        func retryScheduled(action: String, reason: String) {}
        func callSkipped(action: String, reason: CallSkipReason) { skipped[reason, default: 0] += 1 }
    }

    /// Issue 15, item 3's leftover: a `Retry-After` date holds across calls (the next scrape's): no request to the
    /// region before it; the call is skipped for `retry_after`, not sent and not an error.
    @Test func aRetryAfterDateHoldsAcrossCalls() async throws {
        let busy: @Sendable (ServerRequest) async -> ServerResponse = { _ in
            ServerResponse(
                status: 503,
                headers: [HTTPHeader(name: "Retry-After", value: Self.imfFixdate(Date().addingTimeInterval(120)))],
                body: Array("busy".utf8)
            )
        }
        try await withFake(busy) { fake, transport in
            let recorder = SkipRecorder()
            let client = DataWorksClient(
                configuration: .init(
                    endpointOverride: fake.url,
                    connectTimeout: .seconds(30),
                    requestTimeout: .seconds(30),
                    retries: 2
                ),
                credentialsProvider: StaticCredentialsProvider(accessKeyId: "AKID", accessKeySecret: Secret("s")),
                transport: transport,
                observer: recorder,
                rateLimiter: RateLimiter(configuration: .init(rate: nil, burst: 1))
            )
            for _ in 0..<3 {
                _ = try? await client.getDeployment(
                    regionId: "cn-shanghai",
                    project: .id(1),
                    deploymentId: 2,
                    deadline: .now.advanced(by: .seconds(25))
                )
            }
            #expect(fake.requests.count == 1)
            #expect(await recorder.requests == 1)
            #expect(await recorder.skipped[.retryAfter] == 2)
            // Another region is not held.
            _ = try? await client.getDeployment(
                regionId: "cn-hangzhou",
                project: .id(1),
                deploymentId: 2,
                deadline: .now.advanced(by: .seconds(25))
            )
            #expect(fake.requests.count == 2)
        }
    }
}
