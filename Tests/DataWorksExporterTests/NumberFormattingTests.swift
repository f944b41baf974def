import DataWorksExporter
import Testing

struct NumberFormattingTests {
    /// Known outputs of Go's `strconv.FormatFloat(v, 'g', -1, 64)`.
    static let goCases: [(Double, String)] = [
        (0, "0"),
        (-0.0, "-0"),
        (1, "1"),
        (-1, "-1"),
        (0.5, "0.5"),
        (1.5, "1.5"),
        (2.5e-3, "0.0025"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (0.00001234, "1.234e-05"),
        (0.1, "0.1"),
        (0.005, "0.005"),
        (0.25, "0.25"),
        (2.5, "2.5"),
        (10, "10"),
        (30, "30"),
        (100, "100"),
        (123_456, "123456"),
        (999_999, "999999"),
        (1e6, "1e+06"),
        (1_234_567, "1.234567e+06"),
        (1_500_000, "1.5e+06"),
        (1_735_787_045, "1.735787045e+09"),
        (1_735_787_045.123, "1.735787045123e+09"),
        (1e21, "1e+21"),
        (1e100, "1e+100"),
        (123_456.7, "123456.7"),
        (-123_456.7, "-123456.7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (9_007_199_254_740_992, "9.007199254740992e+15"),
        (9_007_199_254_740_994, "9.007199254740994e+15"),
        (9_007_199_254_740_991, "9.007199254740991e+15"),
        (1.8446744073709552e19, "1.8446744073709552e+19"),
        (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (Double.leastNonzeroMagnitude, "5e-324"),
        (Double.leastNormalMagnitude, "2.2250738585072014e-308"),
        (-2.5e-7, "-2.5e-07"),
        // A shorter form exactly halfway between two doubles that rounds back under ties-to-even: Go
        // prints 16 digits here (a Ryu that excludes the boundary prints 17).
        (4.468743327960138e+16, "4.468743327960138e+16"),
        (5e-5, "5e-05"),
        (0.000099, "9.9e-05"),
        (123_456.789e3, "1.23456789e+08"),
        (.infinity, "+Inf"),
        (-.infinity, "-Inf"),
        (.nan, "NaN"),
    ]

    @Test(arguments: goCases)
    func goFormat(value: Double, expected: String) {
        #expect(PrometheusNumber.goFormat(value) == expected)
    }

    @Test func expositionSpellsZeroAndSpecialsLikeExpfmt() {
        #expect(PrometheusNumber.exposition(0) == "0")
        #expect(PrometheusNumber.exposition(-0.0) == "0")
        #expect(PrometheusNumber.exposition(1) == "1")
        #expect(PrometheusNumber.exposition(-1) == "-1")
        #expect(PrometheusNumber.exposition(.infinity) == "+Inf")
        #expect(PrometheusNumber.exposition(-.infinity) == "-Inf")
        #expect(PrometheusNumber.exposition(.nan) == "NaN")
        #expect(PrometheusNumber.exposition(1e-05) == "1e-05")
    }

    @Test func formattedValuesRoundTrip() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF)
            let text = PrometheusNumber.goFormat(value)
            #expect(Double(text) == value, "\(text) does not parse back to \(value)")
        }
    }
}
