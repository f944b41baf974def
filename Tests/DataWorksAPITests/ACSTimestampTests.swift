import Testing

@testable import DataWorksAPI

struct ACSTimestampTests {
    @Test func formatsAndParses() {
        #expect(ACSTimestamp.format(epochSeconds: 1_735_787_045) == "2025-01-02T03:04:05Z")
        #expect(ACSTimestamp.format(epochSeconds: 0) == "1970-01-01T00:00:00Z")
        #expect(ACSTimestamp.format(epochSeconds: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(ACSTimestamp.format(epochSeconds: -1) == "1969-12-31T23:59:59Z")
        #expect(ACSTimestamp.parse("2025-01-02T03:04:05Z") == 1_735_787_045)
        for seconds: Int64 in [0, 59, 86_399, 1_593_877_765, 4_102_444_800, 1_709_164_800] {
            #expect(ACSTimestamp.parse(ACSTimestamp.format(epochSeconds: seconds)) == seconds)
        }
    }

    @Test(arguments: [
        "", "2025-01-02 03:04:05Z", "2025-13-02T03:04:05Z", "2025-02-30T03:04:05Z", "2025-01-02T24:00:00Z",
        "2025-01-02T03:04:05",
    ])
    func rejectsMalformed(text: String) {
        #expect(ACSTimestamp.parse(text) == nil)
    }

    @Test func timestampCheck() {
        let now: Int64 = 1_735_787_045
        #expect(SignatureVerifier.checkTimestamp("2025-01-02T03:04:05Z", nowEpochSeconds: now) == nil)
        #expect(SignatureVerifier.checkTimestamp("2025-01-02T03:19:05Z", nowEpochSeconds: now) == nil)
        #expect(
            SignatureVerifier.checkTimestamp("2025-01-02T03:19:06Z", nowEpochSeconds: now)
                == .timestampInvalid("2025-01-02T03:19:06Z")
        )
        #expect(SignatureVerifier.checkTimestamp("yesterday", nowEpochSeconds: now)?.code == "InvalidTimeStamp.Expired")
    }
}
