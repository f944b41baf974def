import DataWorksAPI
import DataWorksExporter
import Foundation
import Testing

/// OpenMetrics 1.0.0 output beside the text format 0.0.4, from the same calls; `Accept` negotiation.
@Suite struct OpenMetricsTests {
    /// One family of each kind the exporter writes, with a HELP text that needs escaping in OpenMetrics.
    static func write(_ format: ExpositionFormat) throws -> String {
        var writer = ExpositionWriter(format: format)
        try writer.family("dataworks_up", type: .gauge, help: "1 if the last collection \"worked\".")
        try writer.sample("dataworks_up", value: 1)
        try writer.family(
            "dataworks_api_requests_total",
            type: .counter,
            help: "HTTP requests sent to the DataWorks API, retries included."
        )
        try writer.sample("dataworks_api_requests_total", labels: [("action", "GetDeployment")], value: 1_234_567)
        try writer.family("process_cpu_seconds_total", type: .counter, help: "CPU time in seconds.")
        try writer.sample("process_cpu_seconds_total", value: 0.25)
        try writer.family("process_resident_memory_bytes", type: .gauge, help: "Resident memory in bytes.")
        try writer.sample("process_resident_memory_bytes", value: 12_345_678)
        try writer.family("dataworks_deployment_info", type: .gauge, help: "Metadata\\with a backslash.")
        try writer.family(
            "dataworks_api_request_duration_seconds",
            type: .histogram,
            help: "Latency of DataWorks API requests, in seconds."
        )
        try writer.histogram(
            "dataworks_api_request_duration_seconds",
            labels: [("action", "GetDeployment")],
            buckets: [(0.005, 0), (0.25, 3), (1, 7), (10, 9), (100_000, 9), (1e6, 9)],
            sum: 6.25,
            count: 1_234_567
        )
        writer.finish()
        return writer.text
    }

    @Test func goldenText() throws {
        #expect(
            try Self.write(.text) == #"""
                # HELP dataworks_up 1 if the last collection "worked".
                # TYPE dataworks_up gauge
                dataworks_up 1
                # HELP dataworks_api_requests_total HTTP requests sent to the DataWorks API, retries included.
                # TYPE dataworks_api_requests_total counter
                dataworks_api_requests_total{action="GetDeployment"} 1.234567e+06
                # HELP process_cpu_seconds_total CPU time in seconds.
                # TYPE process_cpu_seconds_total counter
                process_cpu_seconds_total 0.25
                # HELP process_resident_memory_bytes Resident memory in bytes.
                # TYPE process_resident_memory_bytes gauge
                process_resident_memory_bytes 1.2345678e+07
                # HELP dataworks_deployment_info Metadata\\with a backslash.
                # TYPE dataworks_deployment_info gauge
                # HELP dataworks_api_request_duration_seconds Latency of DataWorks API requests, in seconds.
                # TYPE dataworks_api_request_duration_seconds histogram
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.005"} 0
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.25"} 3
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="1.0"} 7
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="10.0"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="100000.0"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="1e+06"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="+Inf"} 1.234567e+06
                dataworks_api_request_duration_seconds_sum{action="GetDeployment"} 6.25
                dataworks_api_request_duration_seconds_count{action="GetDeployment"} 1.234567e+06

                """#
        )
    }

    @Test func goldenOpenMetrics() throws {
        #expect(
            try Self.write(.openMetrics) == #"""
                # HELP dataworks_up 1 if the last collection \"worked\".
                # TYPE dataworks_up gauge
                dataworks_up 1
                # HELP dataworks_api_requests HTTP requests sent to the DataWorks API, retries included.
                # TYPE dataworks_api_requests counter
                dataworks_api_requests_total{action="GetDeployment"} 1.234567e+06
                # HELP process_cpu_seconds CPU time in seconds.
                # TYPE process_cpu_seconds counter
                # UNIT process_cpu_seconds seconds
                process_cpu_seconds_total 0.25
                # HELP process_resident_memory_bytes Resident memory in bytes.
                # TYPE process_resident_memory_bytes gauge
                # UNIT process_resident_memory_bytes bytes
                process_resident_memory_bytes 1.2345678e+07
                # HELP dataworks_deployment_info Metadata\\with a backslash.
                # TYPE dataworks_deployment_info gauge
                # HELP dataworks_api_request_duration_seconds Latency of DataWorks API requests, in seconds.
                # TYPE dataworks_api_request_duration_seconds histogram
                # UNIT dataworks_api_request_duration_seconds seconds
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.005"} 0
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.25"} 3
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="1.0"} 7
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="10.0"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="100000.0"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="1e+06"} 9
                dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="+Inf"} 1234567
                dataworks_api_request_duration_seconds_sum{action="GetDeployment"} 6.25
                dataworks_api_request_duration_seconds_count{action="GetDeployment"} 1234567
                # EOF

                """#
        )
        // OpenMetrics 0.0.1 is the same bytes.
        #expect(try Self.write(.openMetricsV001) == Self.write(.openMetrics))
    }

    @Test func leValuesAreTheSameSeriesInBothFormats() throws {
        func buckets(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { $0.contains("_bucket{") }.map {
                $0[..<($0.lastIndex(of: " ") ?? $0.endIndex)]
            }
        }
        let text = buckets(try Self.write(.text))
        #expect(text.count == 7)
        #expect(text == buckets(try Self.write(.openMetrics)))
    }

    @Test(arguments: [
        (0.0, "0.0"), (-0.0, "0.0"), (0.001, "0.001"), (0.005, "0.005"), (0.1, "0.1"), (0.95, "0.95"), (1, "1.0"),
        (1.7, "1.7"), (10, "10.0"), (1e-10, "1e-10"), (1e-05, "1e-05"), (0.0001, "0.0001"), (100_000, "100000.0"),
        (1e6, "1e+06"), (1e23, "1e+23"), (1.1e23, "1.1e+23"), (-1, "-1.0"), (Double.infinity, "+Inf"),
        (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func canonicalNumbers(value: Double, expected: String) {
        // The examples of OpenMetrics 1.0, "Considerations: Canonical Numbers" and the histogram example.
        #expect(PrometheusNumber.canonical(value) == expected)
    }

    @Test func unitsComeFromTheName() {
        #expect(ExpositionWriter.unit(of: "dataworks_scrape_duration_seconds") == "seconds")
        #expect(ExpositionWriter.unit(of: "process_virtual_memory_bytes") == "bytes")
        #expect(ExpositionWriter.unit(of: "dataworks_api_rate_limit_per_second") == nil)
        #expect(ExpositionWriter.unit(of: "seconds") == nil)
    }

    @Test func countersMustEndInTotal() throws {
        var writer = ExpositionWriter(format: .openMetrics)
        #expect(throws: ExpositionError.self) {
            try writer.family("dataworks_api_requests", type: .counter, help: "No suffix.")
        }
        #expect(writer.bytes.isEmpty)
    }

    @Test func nothingAfterTheEnd() throws {
        var writer = ExpositionWriter(format: .openMetrics)
        try writer.family("dataworks_up", type: .gauge, help: "Up.")
        writer.finish()
        writer.finish()
        let error = #expect(throws: ExpositionError.self) { try writer.sample("dataworks_up", value: 1) }
        #expect(error?.code == .finished)
        #expect(throws: ExpositionError.self) { try writer.family("other", type: .gauge, help: "Other.") }
        #expect(writer.text.hasSuffix("dataworks_up gauge\n# EOF\n"))
        writer.reset()
        try writer.family("dataworks_up", type: .gauge, help: "Up.")
        #expect(!writer.text.contains("EOF"))
    }

    @Test func contentTypes() {
        #expect(ExpositionFormat.text.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(
            ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
        #expect(
            ExpositionFormat.openMetricsV001.contentType == "application/openmetrics-text; version=0.0.1; charset=utf-8"
        )
    }

    @Test(arguments: [
        // Prometheus 2.x's scrape Accept header.
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ExpositionFormat.openMetrics
        ),
        // Prometheus with OpenMetrics turned off, and curl's default.
        ("text/plain;version=0.0.4;q=1,*/*;q=0.1", .text),
        ("*/*", .text),
        ("", .text),
        // Quality decides, whatever the order.
        ("text/plain;version=0.0.4;q=0.5, application/openmetrics-text;version=1.0.0;q=0.9", .openMetrics),
        ("application/openmetrics-text; version=1.0.0; q=0.4, text/plain; q=0.6", .text),
        ("application/openmetrics-text; version=\"1.0.0\"", .openMetrics),
        ("APPLICATION/OpenMetrics-Text;Version=1.0.0", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetricsV001),
        ("application/openmetrics-text", .openMetricsV001),
        // q=0 means not acceptable.
        ("application/openmetrics-text;version=1.0.0;q=0, text/plain;q=0.1", .text),
        ("application/openmetrics-text;version=1.0.0;q=0", .text),
        // Unknown versions and types are skipped.
        ("application/openmetrics-text;version=2.0.0, application/openmetrics-text;version=1.0.0;q=0.5", .openMetrics),
        ("text/plain;version=1.0.0, application/openmetrics-text;version=1.0.0;q=0.2", .openMetrics),
        ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", .text),
        ("application/json", .text),
        // Equal quality: the first given among equally specific ranges.
        ("application/openmetrics-text;version=1.0.0, text/plain;version=0.0.4", .openMetrics),
        ("text/plain;version=0.0.4, application/openmetrics-text;version=1.0.0", .text),
        // An invalid q is 0.
        ("application/openmetrics-text;version=1.0.0;q=high, text/plain;q=0.1", .text),
    ])
    func negotiation(accept: String, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func negotiationWithoutHeader() {
        #expect(ExpositionFormat.negotiate(accept: nil) == .text)
    }

    // MARK: - The exporter's whole exposition in both formats, through the validators

    static func fullExposition(_ format: ExpositionFormat) async throws -> [UInt8] {
        let metrics = APIMetrics(actions: ["GetDeployment", "ListDeployments"])
        metrics.requestFinished(action: "GetDeployment", duration: .milliseconds(30), error: nil)
        metrics.requestFinished(
            action: "GetDeployment",
            duration: .milliseconds(300),
            error: .service(ServiceError(code: "Throttling.User", message: "", httpStatus: 429, requestId: "R1"))
        )
        metrics.retryScheduled(action: "GetDeployment", reason: "throttled")
        var deployment = Deployment()
        deployment.name = "pkg \"quoted\" \\ back\nslash"
        deployment.status = 2
        deployment.createTime = 1_593_877_765_000
        deployment.executeTime = 1_593_877_825_500
        deployment.errorMessage = "The connection \"orders\" does not exist.\n连接不存在"
        let key = DeploymentKey(regionId: "cn-zhangjiakou", project: .id(10000), deploymentId: 3_000_002)
        let snapshot = Snapshot(
            deployments: [
                DeploymentSample(
                    key: key,
                    deployment: deployment,
                    lastSuccessTimestamp: 1_700_000_000,
                    fetchSucceeded: true
                )
            ],
            durationSeconds: 0.5,
            timeoutSeconds: 9.5,
            budget: QuotaBudget(
                requestsByAction: ["GetDeployment": 2],
                regions: [.init(regionId: "cn-zhangjiakou", effectiveRate: 5, paused: false)]
            )
        )
        return try MetricsRenderer().render(
            snapshot: snapshot,
            api: metrics.current,
            configReload: ConfigReloadStatus(successful: true, lastSuccessTimestamp: 1_700_000_000),
            format: format
        )
    }

    @Test func textExpositionPassesPromtool() async throws {
        let promtool = try #require(Promtool.path, "promtool is not installed: apt-get install -y prometheus")
        let result = try await Promtool.checkMetrics(try await Self.fullExposition(.text), promtool: promtool)
        #expect(result.status == 0, "promtool check metrics failed: \(result.output)")
    }

    /// promtool 2.42 reads only the text format: it takes `# UNIT` and `# EOF` for comments, and the OpenMetrics
    /// counter metadata (named without `_total`) for an empty family, so it reports the `_total` samples as having
    /// no HELP. Nothing else may be reported.
    @Test func openMetricsExpositionPassesPromtoolButForCounterMetadata() async throws {
        let promtool = try #require(Promtool.path, "promtool is not installed: apt-get install -y prometheus")
        let result = try await Promtool.checkMetrics(try await Self.fullExposition(.openMetrics), promtool: promtool)
        let problems = result.output.split(separator: "\n")
        let counters: Set<Substring> = [
            "dataworks_api_requests_total no help text", "dataworks_api_errors_total no help text",
            "dataworks_api_retries_total no help text", "process_cpu_seconds_total no help text",
            "dataworks_api_calls_skipped_total no help text",
        ]
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { counters.contains($0) }, "promtool check metrics: \(result.output)")
    }

    /// The Python client's OpenMetrics parser is strict: it requires `# EOF`, checks UNIT against the name, counter
    /// and histogram sample names, bucket order and `+Inf`, `_count` against `+Inf`, and the escaping.
    @Test func openMetricsExpositionPassesAStrictParser() async throws {
        let parsed = try await OpenMetricsParser.parse(try await Self.fullExposition(.openMetrics))
        #expect(parsed.status == 0, "the OpenMetrics parser rejected the exposition: \(parsed.output)")
        let families = parsed.output.split(separator: "\n")
        #expect(families.contains("dataworks_api_requests counter  2"))
        #expect(families.contains("dataworks_api_request_duration_seconds histogram seconds 24"))
        #expect(families.contains("dataworks_scrape_duration_seconds gauge seconds 1"))
        #expect(families.contains("dataworks_deployment_status gauge  5"))
        #expect(families.contains { $0.hasPrefix("process_cpu_seconds counter seconds") })
        // The text format is not OpenMetrics: the parser must notice (no # EOF).
        let textParsed = try await OpenMetricsParser.parse(try await Self.fullExposition(.text))
        #expect(textParsed.status != 0)
    }
}

/// Runs the Python client library's OpenMetrics parser (Debian `python3-prometheus-client`) on an exposition.
enum OpenMetricsParser {
    static let python = "/usr/bin/python3"

    /// Prints one line per family: name, type, unit and the number of samples.
    static let script = """
        import sys
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            print(family.name, family.type, family.unit, len(family.samples))
        """

    static func parse(_ exposition: [UInt8]) async throws -> (status: Int32, output: String) {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import prometheus_client"]
        try check.run()
        check.waitUntilExit()
        try #require(
            check.terminationStatus == 0,
            "python3-prometheus-client is not installed: apt-get install -y python3-prometheus-client"
        )
        let result = try await Promtool.run(python, ["-c", script], input: exposition)
        return (result.status, result.output)
    }
}
