import DataWorksExporter
import LockedValue
import Logging
import Testing

/// Captures the lines a ``LineLogHandler`` writes, with a clock the test moves.
final class LogLines: Sendable {
    private let lines = Locked<[String]>([])
    let time = Locked(0.0)

    func logger(format: LineLogHandler.Format = .logfmt, limiter: LogRateLimiter? = nil) -> Logger {
        Logger(label: "test") { label in
            LineLogHandler(label: label, format: format, level: .debug, rateLimiter: limiter) { [self] line in
                lines.withLock { $0.append(line) }
            }
        }
    }

    func limiter(burst: Int, interval: Duration) -> LogRateLimiter {
        LogRateLimiter(configuration: .init(burst: burst, interval: interval)) { [self] in time.withLock { $0 } }
    }

    func advance(_ seconds: Double) {
        time.withLock { $0 += seconds }
    }

    var all: [String] { lines.withLock { $0 } }

    func take() -> [String] {
        lines.withLock { lines in
            defer { lines.removeAll() }
            return lines
        }
    }
}

@Suite struct LoggingTests {
    @Test func oneLinePerEventWhateverTheValues() {
        let lines = LogLines()
        for format in LineLogHandler.Format.allCases {
            lines.logger(format: format).warning(
                "GetDeployment failed\nsecond line",
                metadata: [
                    "error": "DataWorks error\r\nwith \"lines\"\u{2028}and\u{85}more", "deployment_id": "3000002",
                ]
            )
        }
        let written = lines.all
        #expect(written.count == 2)
        for line in written {
            #expect(line.hasSuffix("\n"))
            #expect(line.dropLast().allSatisfy { !$0.isNewline }, "\(line)")
        }
        #expect(written[0].contains(#"msg="GetDeployment failed\nsecond line""#))
        #expect(written[0].contains("deployment_id=3000002"))
        #expect(written[1].contains(#""msg":"GetDeployment failed\nsecond line""#))
    }

    @Test func aStormIsSummarisedNotRepeated() {
        let lines = LogLines()
        let logger = lines.logger(limiter: lines.limiter(burst: 3, interval: .seconds(10)))
        // 1,000 deployments throttled in one collection, then one other message.
        for id in 0..<1_000 {
            logger.warning(
                "GetDeployment failed",
                metadata: ["code": "Throttling.User", "deployment_id": "\(3_000_000 + id)", "request_id": "R\(id)"]
            )
        }
        logger.warning("GetDeployment failed", metadata: ["code": "Forbidden.Access", "deployment_id": "1"])
        logger.info("listening")
        var written = lines.take()
        #expect(written.count == 5)
        #expect(written.prefix(3).allSatisfy { $0.contains("code=Throttling.User") })
        #expect(written[0].contains("deployment_id=3000000"))
        #expect(written[0].contains("request_id=R0"))
        #expect(written[3].contains("code=Forbidden.Access"))
        #expect(written[4].contains("msg=listening"))

        // Nothing for the throttled kind until it earns a line again: then the summary comes first.
        lines.advance(5)
        logger.info("still here")
        #expect(lines.take().count == 1)
        lines.advance(5)
        logger.warning("GetDeployment failed", metadata: ["code": "Throttling.User", "deployment_id": "3000001"])
        written = lines.take()
        #expect(written.count == 2)
        #expect(written[0].contains(#"msg="suppressed 997 similar messages""#))
        #expect(written[0].contains("level=warn"))
        #expect(written[0].contains(#"similar_to="GetDeployment failed""#))
        #expect(written[0].contains("code=Throttling.User"))
        #expect(written[0].contains("suppressed=997"))
        #expect(written[1].contains("deployment_id=3000001"))
    }

    @Test func aSummaryIsWrittenBeforeTheNextLineOfAnyKind() {
        let lines = LogLines()
        let logger = lines.logger(limiter: lines.limiter(burst: 1, interval: .seconds(10)))
        for _ in 0..<4 {
            logger.error("ListDeployments failed", metadata: ["code": "InternalError.System"])
        }
        #expect(lines.take().count == 1)
        // The storm is over; the next unrelated line carries the summary of what was held back.
        lines.advance(10)
        logger.info("shutting down")
        let written = lines.take()
        #expect(written.count == 2)
        #expect(written[0].contains(#"msg="suppressed 3 similar messages""#))
        #expect(written[0].contains("level=error"))
        #expect(written[1].contains(#"msg="shutting down""#))
        // Said once.
        lines.advance(100)
        logger.info("again")
        #expect(lines.take().count == 1)
    }

    @Test func kindsAreLevelMessageAndCode() {
        let limiter = LogRateLimiter(configuration: .init(burst: 1, interval: .seconds(60))) { 0 }
        #expect(limiter.admit(.init(level: .warning, message: "a", code: "X")).allowed)
        #expect(!limiter.admit(.init(level: .warning, message: "a", code: "X")).allowed)
        #expect(limiter.admit(.init(level: .warning, message: "a", code: "Y")).allowed)
        #expect(limiter.admit(.init(level: .warning, message: "a")).allowed)
        #expect(limiter.admit(.init(level: .error, message: "a", code: "X")).allowed)
        #expect(limiter.admit(.init(level: .warning, message: "b", code: "X")).allowed)
    }

    @Test func withoutALimiterEveryLineIsWritten() {
        let lines = LogLines()
        let logger = lines.logger()
        for _ in 0..<100 {
            logger.warning("GetDeployment failed", metadata: ["code": "Throttling.User"])
        }
        #expect(lines.all.count == 100)
    }
}
