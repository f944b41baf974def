import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Testing

/// The exporter's answers in both formats and gzip, its log lines on API failures, and the secrets it must never show.
@Suite struct ExpositionAndLoggingTests {
    /// What Prometheus 2.x sends when scraping.
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    static func fetch(_ harness: Harness, _ path: String, headers: [HTTPHeader] = []) async throws -> HTTPResponse {
        try await harness.client.send(
            HTTPRequest(method: "GET", url: harness.baseURL + path, headers: headers, timeout: .seconds(30))
        )
    }

    /// Series → value, leaving out the process metrics, which change from one scrape to the next.
    static func samples(_ body: [UInt8]) -> [String: Double] {
        Harness.Scrape(status: 200, contentType: nil, text: String(decoding: body, as: UTF8.self)).samples
            .filter { !$0.key.hasPrefix("process_") }
    }

    @Test func prometheusGetsOpenMetricsWithTheSameSeriesAsTheTextFormat() async throws {
        // cache_ttl: both scrapes are served from one collection, so the values agree too.
        try await withHarness(collector: "  cache_ttl: 1m") { harness in
            let text = try await Self.fetch(harness, "/metrics")
            #expect(text.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let open = try await Self.fetch(
                harness,
                "/metrics",
                headers: [HTTPHeader(name: "Accept", value: Self.prometheusAccept)]
            )
            #expect(open.status == 200)
            #expect(open.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            #expect(open.header("Vary") == "Accept, Accept-Encoding")
            let body = String(decoding: open.body, as: UTF8.self)
            #expect(body.hasSuffix("\n# EOF\n"))
            #expect(body.contains("# TYPE dataworks_api_requests counter\n"))
            #expect(body.contains("# UNIT dataworks_api_request_duration_seconds seconds\n"))
            #expect(body.contains(#"dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="1.0"} "#))
            let textSamples = Self.samples(text.body)
            #expect(textSamples.count > 40)
            // OpenMetrics adds the `_created` sample of each release series; every other sample is the same.
            let openSamples = Self.samples(open.body)
            #expect(openSamples.keys.contains { $0.hasPrefix("dataworks_releases_created{") })
            #expect(openSamples.filter { !$0.key.contains("_created{") } == textSamples)
        }
    }

    @Test func gzipAnswersDecodeToTheSameExposition() async throws {
        try await withHarness(collector: "  cache_ttl: 1m") { harness in
            let plain = try await Self.fetch(harness, "/metrics")
            #expect(plain.header("Content-Encoding") == nil)
            let zipped = try await Self.fetch(
                harness,
                "/metrics",
                headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip, deflate")]
            )
            #expect(zipped.status == 200)
            #expect(zipped.header("Content-Encoding") == "gzip")
            #expect(zipped.header("Vary") == "Accept, Accept-Encoding")
            #expect(Self.samples(zipped.body) == Self.samples(plain.body))
            // The landing page is not compressed.
            let landing = try await Self.fetch(
                harness,
                "/",
                headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip")]
            )
            #expect(landing.header("Content-Encoding") == nil)
        }
    }

    @Test func anAPIFailureIsOneLineWithDeploymentRequestIdAndCode() async throws {
        try await withHarness(dataworks: "  retries: 0", collector: "  list_deployments: false") { harness in
            await harness.simulator.inject(.forbiddenAccess, deploymentId: 3_000_003, count: 1)
            _ = try await harness.scrape()
            let lines = harness.logs.text.split(separator: "\n").filter { $0.contains("GetDeployment failed") }
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line.contains("level=warn"))
            #expect(line.contains("deployment_id=3000003"))
            #expect(line.contains("region_id=cn-zhangjiakou"))
            #expect(line.contains("code=Forbidden.Access"))
            #expect(line.contains("http_status=403"))
            #expect(line.contains(/request_id=[0-9A-F-]{8,}/))
        }
    }

    /// Issue 15, item 17: one cause hitting every deployment is one line per scrape, with the count.
    @Test func oneCauseForManyDeploymentsIsOneLineWithTheCount() async throws {
        try await withHarness(dataworks: "  retries: 0", collector: "  list_deployments: false") { harness in
            for fixture in Fixtures.all {
                await harness.simulator.inject(.forbiddenAccess, deploymentId: fixture.deploymentId, count: 1)
            }
            _ = try await harness.scrape()
            let lines = harness.logs.text.split(separator: "\n").filter { $0.contains("GetDeployment failed") }
            #expect(lines.count == 1, "\(lines)")
            let line = try #require(lines.first)
            #expect(line.contains("count=\(Fixtures.all.count)"))
            #expect(line.contains("code=Forbidden.Access"))
            for fixture in Fixtures.all {
                #expect(line.contains("\(fixture.deploymentId)"))
            }
        }
    }

    /// A full run at debug level, good answers and every kind of failure, signed with V3 and V1 and an STS token;
    /// then every log line, the landing page and every `/metrics` answer are searched for the secret, the token, and
    /// each `Authorization` header, signature and token the simulator received.
    @Test(arguments: ["v3", "v1"])
    func noSecretInLogsPagesOrMetrics(signature: String) async throws {
        // `+`, `/` and `=` as in real STS tokens: percent-encoded forms must not leak either.
        let token = "CAIS+sts/token=for-tests-0f1e2d3c4b5a"
        let wrongSecret = "wrong-secret-for-tests-9a8b7c6d5e4f"
        var outputs: [(String, String)] = []
        var material: [String] = []

        try await withHarness(
            dataworks: "  retries: 1\n  signature: \(signature)",
            collector: "  terminal_refresh: 0s",
            securityToken: token
        ) { harness in
            outputs.append(("landing page", try await harness.get("/").text))
            outputs.append(("first scrape", try await harness.scrape().text))
            for fault in [SimulatedFault.throttlingUser, .forbiddenAccess, .internalError, .malformedBody] {
                await harness.simulator.inject(fault, deploymentId: 3_000_002, count: 3)
                await harness.simulator.injectListFault(fault, count: 1)
                let open = try await Self.fetch(
                    harness,
                    "/metrics",
                    headers: [
                        HTTPHeader(name: "Accept", value: Self.prometheusAccept),
                        HTTPHeader(name: "Accept-Encoding", value: "gzip"),
                    ]
                )
                outputs.append(("scrape after \(fault)", String(decoding: open.body, as: UTF8.self)))
            }
            outputs.append(("logs", harness.logs.text))
            material += await harness.simulator.receivedCredentialMaterial()
            // The run did produce failure lines at debug level, with request IDs.
            #expect(harness.logs.text.contains("retrying API request"))
            #expect(harness.logs.text.contains("request_id="))
        }
        try await withHarness(
            dataworks: "  retries: 0\n  signature: \(signature)",
            secret: wrongSecret,
            securityToken: token
        ) { harness in
            let scrape = try await harness.scrape()
            #expect(scrape.samples["dataworks_up"] == 0)
            outputs.append(("scrape with a wrong secret", scrape.text))
            outputs.append(("logs with a wrong secret", harness.logs.text))
            material += await harness.simulator.receivedCredentialMaterial()
            #expect(harness.logs.text.contains("SignatureDoesNotMatch"))
        }

        // The material was captured: signatures (and for V3 whole Authorization values) and the token.
        #expect(material.contains(token))
        if signature == "v3" {
            #expect(material.contains { $0.hasPrefix("ACS3-HMAC-SHA256 ") })
        }
        #expect(material.filter { $0 != token }.count >= 10)
        let plain = [DataWorksSimulator.accessKeySecret, wrongSecret, token] + material
        let secrets =
            plain + plain.map(PercentEncoding.pct) + plain.map { PercentEncoding.pct(PercentEncoding.pct($0)) }
        for (what, text) in outputs {
            #expect(!text.isEmpty, "\(what) is empty")
            for secret in Set(secrets) where text.contains(secret) {
                Issue.record("\(what) contains the secret \(secret.prefix(6))…")
            }
        }
    }
}
