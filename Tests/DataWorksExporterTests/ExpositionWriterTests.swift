import DataWorksExporter
import Testing

struct ExpositionWriterTests {
    /// A label set built from another's names with other values equals the one built from the pairs, escaping
    /// included, and refuses another number of values.
    @Test func labelsWithValuesOfATemplateEqualThoseBuiltFromPairs() throws {
        let template = try Labels([("region_id", ""), ("project", ""), ("deployment_id", "")])
        let values = ["cn-zhangjiakou", "dw \"demo\"\nline", "3000001"]
        let built = try Labels(zip(["region_id", "project", "deployment_id"], values).map { ($0, $1) })
        #expect(try template.withValues(values) == built)
        #expect(try template.withValues(values).adding("status", "ready") == built.adding("status", "ready"))
        let error = #expect(throws: ExpositionError.self) { try template.withValues(["a", "b"]) }
        #expect(error?.code == .labelCountMismatch)
    }

    @Test func contentType() {
        #expect(ExpositionWriter.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func goldenGaugesAndCounters() throws {
        var writer = ExpositionWriter()
        try writer.family("dataworks_up", type: .gauge, help: "Whether the last collection succeeded.")
        try writer.sample("dataworks_up", value: 1)
        try writer.family(
            "dataworks_api_requests_total",
            type: .counter,
            help: "DataWorks OpenAPI HTTP requests sent, including retries."
        )
        try writer.sample("dataworks_api_requests_total", labels: [("action", "GetDeployment")], value: 1_234_567)
        try writer.sample("dataworks_api_requests_total", labels: [("action", "ListDeployments")], value: 0)
        try writer.family(
            "dataworks_deployment_create_timestamp_seconds",
            type: .gauge,
            help: "Unix time the deployment package was created."
        )
        let labels = try Labels([("region_id", "cn-zhangjiakou"), ("project", "10000")])
        try writer.sample(
            "dataworks_deployment_create_timestamp_seconds",
            labels: labels.adding("deployment_id", "3000001"),
            value: 1_735_787_045.123
        )
        try writer.sample(
            "dataworks_deployment_create_timestamp_seconds",
            labels: labels.adding("deployment_id", "3000002"),
            value: 0.00001
        )
        #expect(
            writer.text == """
                # HELP dataworks_up Whether the last collection succeeded.
                # TYPE dataworks_up gauge
                dataworks_up 1
                # HELP dataworks_api_requests_total DataWorks OpenAPI HTTP requests sent, including retries.
                # TYPE dataworks_api_requests_total counter
                dataworks_api_requests_total{action="GetDeployment"} 1.234567e+06
                dataworks_api_requests_total{action="ListDeployments"} 0
                # HELP dataworks_deployment_create_timestamp_seconds Unix time the deployment package was created.
                # TYPE dataworks_deployment_create_timestamp_seconds gauge
                dataworks_deployment_create_timestamp_seconds{region_id="cn-zhangjiakou",project="10000",deployment_id="3000001"} 1.735787045123e+09
                dataworks_deployment_create_timestamp_seconds{region_id="cn-zhangjiakou",project="10000",deployment_id="3000002"} 1e-05

                """
        )
    }

    @Test func escapingInLabelValuesAndHelp() throws {
        var writer = ExpositionWriter()
        try writer.family(
            "dataworks_deployment_error_info",
            type: .gauge,
            help: "Failure reason \\ with \"quotes\"\nand 部署失败."
        )
        try writer.sample(
            "dataworks_deployment_error_info",
            labels: [("error_message", "部署失败: \"bad\" path C:\\dw\nline 2")],
            value: 1
        )
        #expect(
            writer.text == #"""
                # HELP dataworks_deployment_error_info Failure reason \\ with "quotes"\nand 部署失败.
                # TYPE dataworks_deployment_error_info gauge
                dataworks_deployment_error_info{error_message="部署失败: \"bad\" path C:\\dw\nline 2"} 1

                """#
        )
    }

    @Test func specialValues() throws {
        var writer = ExpositionWriter()
        try writer.family("test_values", type: .gauge, help: "Values.")
        for (index, value) in [Double.infinity, -.infinity, .nan, -0.0, 0.5].enumerated() {
            try writer.sample("test_values", labels: [("i", String(index))], value: value)
        }
        #expect(
            writer.text == """
                # HELP test_values Values.
                # TYPE test_values gauge
                test_values{i="0"} +Inf
                test_values{i="1"} -Inf
                test_values{i="2"} NaN
                test_values{i="3"} 0
                test_values{i="4"} 0.5

                """
        )
    }

    @Test func goldenHistogram() throws {
        var writer = ExpositionWriter()
        try writer.family(
            "dataworks_api_request_duration_seconds",
            type: .histogram,
            help: "Latency of DataWorks OpenAPI HTTP requests."
        )
        try writer.histogram(
            "dataworks_api_request_duration_seconds",
            labels: [("action", "GetDeployment")],
            buckets: [(0.05, 1), (0.1, 3), (1, 7), (2.5, 9), (10, 9)],
            sum: 6.25,
            count: 10
        )
        try writer.histogram(
            "dataworks_api_request_duration_seconds",
            labels: [("action", "ListDeployments")],
            buckets: [(0.05, 0), (0.1, 0), (1, 0), (2.5, 0), (10, 0), (.infinity, 0)],
            sum: 0,
            count: 0
        )
        try writer.family("test_unlabelled_seconds", type: .histogram, help: "No labels.")
        try writer.histogram("test_unlabelled_seconds", buckets: [], sum: 1.5, count: 2)
        #expect(
            writer.text == """
                # HELP dataworks_api_request_duration_seconds Latency of DataWorks OpenAPI HTTP requests.
                # TYPE dataworks_api_request_duration_seconds histogram
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.05"} 1
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.1"} 3
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="1.0"} 7
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="2.5"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="10.0"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="+Inf"} 10
                dataworks_api_request_duration_seconds_sum{action="GetDeployment"} 6.25
                dataworks_api_request_duration_seconds_count{action="GetDeployment"} 10
                dataworks_api_request_duration_seconds_bucket{action="ListDeployments",le="0.05"} 0
                dataworks_api_request_duration_seconds_bucket{action="ListDeployments",le="0.1"} 0
                dataworks_api_request_duration_seconds_bucket{action="ListDeployments",le="1.0"} 0
                dataworks_api_request_duration_seconds_bucket{action="ListDeployments",le="2.5"} 0
                dataworks_api_request_duration_seconds_bucket{action="ListDeployments",le="10.0"} 0
                dataworks_api_request_duration_seconds_bucket{action="ListDeployments",le="+Inf"} 0
                dataworks_api_request_duration_seconds_sum{action="ListDeployments"} 0
                dataworks_api_request_duration_seconds_count{action="ListDeployments"} 0
                # HELP test_unlabelled_seconds No labels.
                # TYPE test_unlabelled_seconds histogram
                test_unlabelled_seconds_bucket{le="+Inf"} 2
                test_unlabelled_seconds_sum 1.5
                test_unlabelled_seconds_count 2

                """
        )
    }

    @Test func invalidBucketsAreRejectedWithoutWriting() throws {
        var writer = ExpositionWriter()
        try writer.family("test_seconds", type: .histogram, help: "Test.")
        let before = writer.bytes
        let cases: [[(upperBound: Double, cumulativeCount: UInt64)]] = [
            [(1, 1), (1, 2)],  // not strictly increasing
            [(2, 1), (1, 2)],  // decreasing
            [(1, 3), (2, 2)],  // counts not cumulative
            [(1, 6)],  // above count
            [(1, 1), (.infinity, 4)],  // +Inf disagrees with count
            [(.nan, 1)],
        ]
        for buckets in cases {
            let error = #expect(throws: ExpositionError.self) {
                try writer.histogram("test_seconds", buckets: buckets, sum: 1, count: 5)
            }
            #expect(error?.code == .invalidBuckets)
        }
        #expect(writer.bytes == before)
    }

    @Test func invalidNamesAreErrors() throws {
        var writer = ExpositionWriter()
        for name in ["", "1abc", "a-b", "dataworks up", "métrique"] {
            let error = #expect(throws: ExpositionError.self) {
                try writer.family(name, type: .gauge, help: "x")
            }
            #expect(error?.code == .invalidMetricName)
        }
        try writer.family("ns:sub_metric_1", type: .gauge, help: "Colons are legal.")

        for name in ["", "1a", "a-b", "a:b", "ünicode"] {
            let error = #expect(throws: ExpositionError.self) { try Labels([(name, "v")]) }
            #expect(error?.code == .invalidLabelName)
        }
        for name in ["__name__", "le", "quantile"] {
            let error = #expect(throws: ExpositionError.self) { try Labels([(name, "v")]) }
            #expect(error?.code == .reservedLabelName)
        }
        let duplicate = #expect(throws: ExpositionError.self) { try Labels([("a", "1"), ("b", "2"), ("a", "3")]) }
        #expect(duplicate?.code == .duplicateLabelName)
        #expect(duplicate?.subject == "a")
        #expect(try Labels([("_x", ""), ("A9", "v")]).names == ["_x", "A9"])
    }

    @Test func familyDisciplineIsChecked() throws {
        var writer = ExpositionWriter()
        let noFamily = #expect(throws: ExpositionError.self) { try writer.sample("a", value: 1) }
        #expect(noFamily?.code == .sampleOutsideFamily)

        let noHelp = #expect(throws: ExpositionError.self) { try writer.family("a", type: .gauge, help: "") }
        #expect(noHelp?.code == .missingHelp)

        try writer.family("a", type: .gauge, help: "A.")
        let wrongName = #expect(throws: ExpositionError.self) { try writer.sample("b", value: 1) }
        #expect(wrongName?.code == .sampleOutsideFamily)
        let notHistogram = #expect(throws: ExpositionError.self) {
            try writer.histogram("a", buckets: [], sum: 0, count: 0)
        }
        #expect(notHistogram?.code == .typeMismatch)

        try writer.family("h", type: .histogram, help: "H.")
        let notGauge = #expect(throws: ExpositionError.self) { try writer.sample("h", value: 1) }
        #expect(notGauge?.code == .typeMismatch)

        let duplicate = #expect(throws: ExpositionError.self) { try writer.family("a", type: .gauge, help: "A.") }
        #expect(duplicate?.code == .duplicateFamily)
        #expect(
            writer.text == """
                # HELP a A.
                # TYPE a gauge
                # HELP h H.
                # TYPE h histogram

                """
        )
    }

    @Test func resetReusesTheWriter() throws {
        var writer = ExpositionWriter(capacity: 1_024)
        try writer.family("a", type: .gauge, help: "A.")
        try writer.sample("a", value: 2)
        writer.reset()
        #expect(writer.bytes.isEmpty)
        #expect(writer.bytes.capacity >= 1_024)
        try writer.family("a", type: .gauge, help: "A.")
        try writer.sample("a", value: 3)
        #expect(writer.text == "# HELP a A.\n# TYPE a gauge\na 3\n")

        let reused = ExpositionWriter(reusing: writer.bytes)
        #expect(reused.bytes.isEmpty)
    }

    @Test func largeExpositionIsCompleteAndValid() async throws {
        var writer = ExpositionWriter(capacity: 1 << 20)
        try writer.family("dataworks_deployment_fetch_success", type: .gauge, help: "Fetch success.")
        let base = try Labels([("region_id", "cn-zhangjiakou"), ("project", "10000")])
        for id in 0..<10_000 {
            try writer.sample(
                "dataworks_deployment_fetch_success",
                labels: base.adding("deployment_id", String(3_000_000 + id)),
                value: Double(id % 2)
            )
        }
        let lines = writer.text.split(separator: "\n")
        #expect(lines.count == 10_002)
        #expect(
            lines.last
                == "dataworks_deployment_fetch_success{region_id=\"cn-zhangjiakou\",project=\"10000\",deployment_id=\"3009999\"} 1"
        )
        #expect(base.count == 2)
        let promtool = try #require(Promtool.path, "promtool is not installed: apt-get install -y prometheus")
        let result = try await Promtool.checkMetrics(writer.bytes, promtool: promtool)
        #expect(result.status == 0, "promtool check metrics failed: \(result.output)")
    }

    @Test func renderedSamplePassesPromtool() async throws {
        let promtool = try #require(Promtool.path, "promtool is not installed: apt-get install -y prometheus")
        let result = try await Promtool.checkMetrics(Self.sampleExposition(), promtool: promtool)
        #expect(result.status == 0, "promtool check metrics failed: \(result.output)")
    }

    @Test func promtoolHarnessDetectsLintProblems() async throws {
        let promtool = try #require(Promtool.path, "promtool is not installed: apt-get install -y prometheus")
        var writer = ExpositionWriter()
        try writer.family("dataworks_api_requests_total", type: .gauge, help: "A gauge with the _total suffix.")
        try writer.sample("dataworks_api_requests_total", value: 1)
        let result = try await Promtool.checkMetrics(writer.bytes, promtool: promtool)
        #expect(result.status != 0)
        #expect(result.output.contains("_total"))
    }

    /// A representative exposition with every feature of the writer.
    @Test(arguments: [1, 40, 300, 1 << 20])
    func piecesEndWithWholeLinesAndJoinToTheExposition(pieceSize: Int) throws {
        var writer = ExpositionWriter(pieceSize: pieceSize)
        try Self.writeSampleExposition(into: &writer)
        let pieces = writer.pieces
        #expect(Array(pieces.joined()) == (try Self.sampleExposition()))
        #expect(pieces.allSatisfy { $0.last == UInt8(ascii: "\n") })
        // Every piece but the last reached the size at which it was cut; a writer that reaches none cuts nothing.
        #expect(pieces.dropLast().allSatisfy { $0.count >= pieceSize })
        #expect(pieces.count > 1 || pieceSize == 1 << 20)
        writer.reset()
        #expect(writer.pieces == [[]])
    }

    static func sampleExposition() throws -> [UInt8] {
        var writer = ExpositionWriter()
        try writeSampleExposition(into: &writer)
        return writer.bytes
    }

    static func writeSampleExposition(into writer: inout ExpositionWriter) throws {
        try writer.family(
            "dataworks_deployment_status",
            type: .gauge,
            help: "Current status of the deployment package. One series per status; the active one is 1."
        )
        let identity = try Labels([
            ("region_id", "cn-zhangjiakou"), ("project", "dw_project"), ("deployment_id", "3000001"),
        ])
        for status in ["ready", "success", "failure", "rejected", "unknown"] {
            try writer.sample(
                "dataworks_deployment_status",
                labels: identity.adding("status", status),
                value: status == "failure" ? 1 : 0
            )
        }
        try writer.family(
            "dataworks_deployment_error_info",
            type: .gauge,
            help: "Failure reason of a failed deployment \\ \"escaped\"\nsecond line; value is always 1."
        )
        try writer.sample(
            "dataworks_deployment_error_info",
            labels: identity.adding("error_message", "部署失败: \"bad\" C:\\x\nnext"),
            value: 1
        )
        try writer.family(
            "dataworks_deployment_create_timestamp_seconds",
            type: .gauge,
            help: "Unix time the deployment package was created."
        )
        try writer.sample("dataworks_deployment_create_timestamp_seconds", labels: identity, value: 1_735_787_045.123)
        try writer.family("dataworks_test_special_values", type: .gauge, help: "Special values.")
        for (index, value) in [Double.infinity, -.infinity, .nan, 1e-05, 0].enumerated() {
            try writer.sample("dataworks_test_special_values", labels: [("case", String(index))], value: value)
        }
        try writer.family(
            "dataworks_api_requests_total",
            type: .counter,
            help: "DataWorks OpenAPI HTTP requests sent, including retries."
        )
        try writer.sample("dataworks_api_requests_total", labels: [("action", "GetDeployment")], value: 42)
        try writer.family(
            "dataworks_api_request_duration_seconds",
            type: .histogram,
            help: "Latency of DataWorks OpenAPI HTTP requests."
        )
        try writer.histogram(
            "dataworks_api_request_duration_seconds",
            labels: [("action", "GetDeployment")],
            buckets: [(0.05, 1), (0.1, 3), (1, 7), (10, 9)],
            sum: 6.25,
            count: 10
        )
    }
}
