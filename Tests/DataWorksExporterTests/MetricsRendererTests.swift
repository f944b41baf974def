import DataWorksAPI
import HTTPServer
import Testing

@testable import DataWorksExporter

@Suite struct MetricsRendererTests {
    static let key = DeploymentKey(regionId: "cn-zhangjiakou", project: .id(10000), deploymentId: 3_000_002)

    static func deployment(status: DeploymentStatus?, executed: Bool = true, errorMessage: String? = nil) -> Deployment
    {
        var deployment = Deployment()
        deployment.name = "dwd_orders"
        deployment.status = status
        deployment.createTime = 1_593_877_765_000
        deployment.executeTime = executed ? 1_593_881_400_000 : nil
        deployment.errorMessage = errorMessage
        deployment.fromEnvironment = 1
        deployment.toEnvironment = 2
        return deployment
    }

    static func render(_ samples: [DeploymentSample], api: APIMetrics.Values? = nil) async throws -> String {
        let snapshot = Snapshot(deployments: samples, durationSeconds: 0.25, timeoutSeconds: 9.5)
        let values: APIMetrics.Values
        if let api {
            values = api
        } else {
            values = APIMetrics().current
        }
        let bytes = try MetricsRenderer().render(snapshot: snapshot, api: values, includeProcessMetrics: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [(0, "ready"), (1, "success"), (2, "failure"), (6, "rejected"), (3, "unknown"), (nil, "unknown")])
    func exactlyOneOfTheFiveStatusesIsOne(code: Int?, label: String) async throws {
        let sample = DeploymentSample(
            key: Self.key,
            deployment: Self.deployment(status: code.map(DeploymentStatus.init(code:))),
            lastSuccessTimestamp: 1_700_000_000,
            fetchSucceeded: true
        )
        let text = try await Self.render([sample])
        let prefix = #"dataworks_deployment_status{region_id="cn-zhangjiakou",project="10000",deployment_id="3000002","#
        for status in ["ready", "success", "failure", "rejected", "unknown"] {
            let expected = status == label ? 1 : 0
            #expect(text.contains(prefix + "status=\"\(status)\"} \(expected)\n"))
        }
    }

    @Test func errorInfoIsEscapedAndOnlyPresentWhileFailed() async throws {
        let message = "bad \"quote\" \\ back\nnew line 部署失败"
        let failed = DeploymentSample(
            key: Self.key,
            deployment: Self.deployment(status: 2, errorMessage: message),
            lastSuccessTimestamp: 1_700_000_000,
            fetchSucceeded: true
        )
        let text = try await Self.render([failed])
        #expect(
            text.contains(
                #"dataworks_deployment_error_info{region_id="cn-zhangjiakou",project="10000",deployment_id="3000002",error_message="bad \"quote\" \\ back\nnew line 部署失败"} 1"#
                    + "\n"
            )
        )
        var succeeded = failed
        succeeded.deployment?.status = 1
        let rendered = try await Self.render([succeeded])
        #expect(!rendered.contains("dataworks_deployment_error_info{"))
    }

    @Test func longErrorMessagesAreCut() {
        let long = String(repeating: "x", count: 1_000)
        let cut = MetricsRenderer.truncated(long)
        #expect(cut.count == MetricsRenderer.maxErrorMessageLength)
        #expect(cut.hasSuffix("…"))
        #expect(MetricsRenderer.truncated("short") == "short")
    }

    /// Issue 15, item 9: a 10,000-byte `Name` is bounded in `dataworks_deployment_info{name}`, cut on a character
    /// (UTF-8) boundary with a visible marker; characters of many bytes are bounded by bytes too.
    @Test func longNamesAreCutOnACharacterBoundary() async throws {
        var deployment = Self.deployment(status: .success)
        deployment.name = String(repeating: "数", count: 3_334)  // 10,002 bytes
        let sample = DeploymentSample(
            key: Self.key,
            deployment: deployment,
            lastSuccessTimestamp: 1,
            fetchSucceeded: true
        )
        let rendered = try await Self.render([sample])
        let line = try #require(rendered.split(separator: "\n").first { $0.hasPrefix("dataworks_deployment_info{") })
        let name = try #require(line.firstMatch(of: /name="([^"]*)"/)).1
        #expect(name.hasSuffix("…"))
        #expect(name.utf8.count <= MetricsRenderer.maxLabelValueBytes)
        #expect(name.count == MetricsRenderer.maxErrorMessageLength)
        // Zalgo text: few characters, many bytes.
        let heavy = String(repeating: "e" + String(repeating: "\u{301}", count: 50), count: 100)
        let cut = MetricsRenderer.truncated(heavy)
        #expect(cut.utf8.count <= MetricsRenderer.maxLabelValueBytes && cut.hasSuffix("…"))
    }

    @Test func notExecutedHasNoExecuteTimestampOrLatency() async throws {
        let ready = DeploymentSample(
            key: Self.key,
            deployment: Self.deployment(status: 0, executed: false),
            lastSuccessTimestamp: 1_700_000_000,
            fetchSucceeded: true
        )
        let text = try await Self.render([ready])
        #expect(text.contains("dataworks_deployment_create_timestamp_seconds{"))
        #expect(!text.contains("dataworks_deployment_execute_timestamp_seconds{"))
        #expect(!text.contains("dataworks_deployment_execution_latency_seconds{"))
    }

    @Test func neverFetchedDeploymentHasOnlyFetchSuccessZero() async throws {
        let missing = DeploymentSample(key: Self.key, deployment: nil, lastSuccessTimestamp: nil, fetchSucceeded: false)
        let text = try await Self.render([missing])
        #expect(
            text.contains(
                #"dataworks_deployment_fetch_success{region_id="cn-zhangjiakou",project="10000",deployment_id="3000002"} 0"#
            )
        )
        #expect(!text.contains("dataworks_deployment_status{"))
        #expect(!text.contains("dataworks_deployment_last_fetch_success_timestamp_seconds{"))
        #expect(text.contains("dataworks_up 0\n"))
    }

    @Test func knownErrorCodesArePresetToZeroAndHistogramIsCumulative() async throws {
        let metrics = APIMetrics()
        metrics.requestFinished(action: "GetDeployment", duration: .milliseconds(30), error: nil)
        metrics.requestFinished(action: "GetDeployment", duration: .seconds(20), error: nil)
        let text = try await Self.render([], api: metrics.current)
        #expect(text.contains(#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.User"} 0"#))
        #expect(text.contains(#"dataworks_api_errors_total{action="GetDeployment",code="Throttling.Api.Risk"} 0"#))
        #expect(text.contains(#"dataworks_api_retries_total{action="GetDeployment",reason="throttled"} 0"#))
        #expect(text.contains(#"dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.025"} 0"#))
        #expect(text.contains(#"dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="0.05"} 1"#))
        #expect(text.contains(#"dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="10.0"} 1"#))
        #expect(text.contains(#"dataworks_api_request_duration_seconds_bucket{action="GetDeployment",le="+Inf"} 2"#))
        #expect(text.contains(#"dataworks_api_request_duration_seconds_count{action="GetDeployment"} 2"#))
        #expect(text.contains(#"dataworks_api_requests_total{action="GetDeployment"} 2"#))
    }

    @Test func configReloadPairFollowsTheStatusAndIsLeftOutWithoutOne() async throws {
        let snapshot = Snapshot(deployments: [], durationSeconds: 0, timeoutSeconds: 9.5)
        let api = APIMetrics().current
        let renderer = MetricsRenderer()
        let loaded = try renderer.render(
            snapshot: snapshot,
            api: api,
            configReload: ConfigReloadStatus(successful: true, lastSuccessTimestamp: 1_700_000_000.5),
            includeProcessMetrics: false
        )
        let text = String(decoding: loaded, as: UTF8.self)
        #expect(text.contains("# TYPE dataworks_exporter_config_last_reload_successful gauge\n"))
        #expect(text.contains("\ndataworks_exporter_config_last_reload_successful 1\n"))
        #expect(text.contains("\ndataworks_exporter_config_last_reload_success_timestamp_seconds 1.7000000005e+09\n"))

        let failed = try renderer.render(
            snapshot: snapshot,
            api: api,
            configReload: ConfigReloadStatus(successful: false, lastSuccessTimestamp: 1_700_000_000),
            includeProcessMetrics: false
        )
        #expect(
            String(decoding: failed, as: UTF8.self).contains("\ndataworks_exporter_config_last_reload_successful 0\n")
        )

        let without = try renderer.render(snapshot: snapshot, api: api, includeProcessMetrics: false)
        #expect(!String(decoding: without, as: UTF8.self).contains("dataworks_exporter_config_last_reload"))
        if let promtool = Promtool.path {
            let check = try await Promtool.checkMetrics(loaded, promtool: promtool)
            #expect(check.status == 0, "\(check.output)")
        }
    }
}

@Suite struct APIMetricsTests {
    @Test func unknownCodesBeyondTheCapAreCountedAsOther() async throws {
        let metrics = APIMetrics()
        let preset = metrics.current.errors["GetDeployment"]?.count ?? 0
        for index in 0..<(APIMetrics.maxDistinctCodes + 10) {
            let error = APIError.service(
                ServiceError(code: "Made.Up.\(index)", message: "", httpStatus: 400, requestId: nil)
            )
            metrics.requestFinished(action: "GetDeployment", duration: .milliseconds(1), error: error)
        }
        let codes = metrics.current.errors["GetDeployment"] ?? [:]
        #expect(codes.count == APIMetrics.maxDistinctCodes + 1)
        #expect(codes["other"] == UInt64(APIMetrics.maxDistinctCodes + 10 - (APIMetrics.maxDistinctCodes - preset)))
    }
}

@Suite struct RoutesTests {
    static let routes = Routes(telemetryPath: "/metrics", summary: "1 deployment(s) in 1 target(s)") { request in
        [
            SharedBytes(
                "timeout=\(request.scrapeTimeoutSeconds.map { String($0) } ?? "none") format=\(request.format)".utf8
            )
        ]
    }

    @Test func metricsAnswerTextFormatAndPassTheScrapeTimeout() async throws {
        let response = await Self.routes.handle(
            .init(
                method: "GET",
                path: "/metrics",
                headers: [HTTPHeader(name: "x-prometheus-scrape-timeout-seconds", value: "14.5")]
            )
        )
        #expect(response.status == 200)
        #expect(
            response.headers.first { $0.name == "Content-Type" }?.value == "text/plain; version=0.0.4; charset=utf-8"
        )
        #expect(String(decoding: response.body, as: UTF8.self) == "timeout=14.5 format=text")
        #expect(response.isCompressible)
        #expect(response.headers.contains { $0.name == "Vary" && $0.value == "Accept" })
    }

    @Test func metricsAnswerOpenMetricsWhenPrometheusAsksForIt() async throws {
        // What Prometheus 2.x sends.
        let accept =
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        let response = await Self.routes.handle(
            .init(method: "GET", path: "/metrics", headers: [HTTPHeader(name: "accept", value: accept)])
        )
        #expect(
            response.headers.first { $0.name == "Content-Type" }?.value
                == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
        #expect(String(decoding: response.body, as: UTF8.self) == "timeout=none format=openMetrics")
    }

    @Test func unknownPathsAndMethods() async throws {
        #expect(await Self.routes.handle(.init(method: "GET", path: "/other")).status == 404)
        let post = await Self.routes.handle(.init(method: "POST", path: "/metrics"))
        #expect(post.status == 405)
        #expect(post.headers.contains { $0.name == "Allow" })
    }

    @Test func landingPageEscapesAndLinks() async throws {
        let routes = Routes(telemetryPath: "/m<x>", summary: "<script>") { _ in [] }
        let page = String(decoding: await routes.handle(.init(method: "GET", path: "/")).body, as: UTF8.self)
        #expect(page.contains("&lt;script&gt;"))
        #expect(!page.contains("<script>"))
        // Relative links (they work under --web.route-prefix), a /probe form and a version line.
        #expect(page.contains("href=\"m&lt;x&gt;\""))
        #expect(page.contains("href=\"-/healthy\"") && page.contains("href=\"-/ready\""))
        #expect(!page.contains("href=\"/") && !page.contains("action=\"/"))
        #expect(page.contains("<form action=\"probe\" method=\"get\">"))
        for field in ["region_id", "project", "deployment_id", "debug"] {
            #expect(page.contains("name=\"\(field)\""), "no \(field) in the probe form")
        }
        #expect(page.contains("Version: (version=\(BuildInfo.version), revision=\(BuildInfo.revision), swiftversion="))
    }
}

@Suite struct CollectorBudgetTests {
    @Test func budgetIsHeaderMinusOffsetCappedByConfig() {
        let settings = CollectorSettings(scrapeTimeout: .seconds(30), timeoutOffset: .milliseconds(500))
        #expect(settings.budget(scrapeTimeout: 10) == .milliseconds(9_500))
        #expect(settings.budget(scrapeTimeout: 120) == .seconds(30))
        #expect(settings.budget(scrapeTimeout: nil) == .seconds(30))
        #expect(settings.budget(scrapeTimeout: .nan) == .seconds(30))
        #expect(settings.budget(scrapeTimeout: 0.2) == .milliseconds(100))
    }
}

/// A snapshot's deployment families are rendered once per format and then served from the same bytes.
@Suite struct RenderedDeploymentsTests {
    static func snapshot() -> Snapshot {
        let samples = (0..<3).map { index in
            DeploymentSample(
                key: DeploymentKey(regionId: "cn-zhangjiakou", project: .id(10000), deploymentId: 3_000_000 + index),
                deployment: MetricsRendererTests.deployment(status: DeploymentStatus(code: Int(index))),
                lastSuccessTimestamp: 1_700_000_000,
                fetchSucceeded: true
            )
        }
        return Snapshot(deployments: samples, durationSeconds: 0.25, timeoutSeconds: 9.5)
    }

    @Test(arguments: [ExpositionFormat.text, .openMetrics])
    func segmentsJoinToTheFullExposition(format: ExpositionFormat) async throws {
        let snapshot = Self.snapshot()
        let api = APIMetrics().current
        let renderer = MetricsRenderer()
        let segments = try renderer.segments(
            snapshot: snapshot,
            deployments: RenderedDeployments(keeping: true),
            api: api,
            includeProcessMetrics: false,
            format: format
        )
        let full = try renderer.render(snapshot: snapshot, api: api, includeProcessMetrics: false, format: format)
        #expect(segments.flatMap(\.array) == full)
        #expect(segments.dropLast().flatMap(\.array) == (try renderer.renderDeployments(snapshot, format: format)))
    }

    /// A rendering is kept in segments of about `pieceSize` bytes, so a large one is never held twice while copied.
    @Test(arguments: [ExpositionFormat.text, .openMetrics])
    func deploymentFamiliesAreKeptInSegmentsOfThePieceSize(format: ExpositionFormat) async throws {
        let snapshot = Self.snapshot()
        let renderer = MetricsRenderer()
        let cache = RenderedDeployments(keeping: true, pieceSize: 512)
        let segments = try cache.segments(of: snapshot, format: format)
        let whole = try renderer.renderDeployments(snapshot, format: format)
        #expect(segments.count >= whole.count / 1_024 && segments.count > 2)
        #expect(segments.flatMap(\.array) == whole)
        #expect(segments.allSatisfy { $0.array.last == UInt8(ascii: "\n") })
        #expect(segments.dropLast().allSatisfy { $0.count >= 512 })
        let again = try cache.segments(of: snapshot, format: format)
        #expect(again.count == segments.count && zip(again, segments).allSatisfy { $0 === $1 })
    }

    @Test func everyAnswerFromOneSnapshotSharesItsDeploymentBytes() async throws {
        let snapshot = Self.snapshot()
        let copy = snapshot
        let api = APIMetrics().current
        let renderer = MetricsRenderer()
        let cache = RenderedDeployments(keeping: true)
        let first = try renderer.segments(
            snapshot: snapshot,
            deployments: cache,
            api: api,
            includeProcessMetrics: false
        )
        let second = try renderer.segments(snapshot: copy, deployments: cache, api: api, includeProcessMetrics: false)
        #expect(copy.id == snapshot.id)
        #expect(first[0] === second[0])
        #expect(first[1] !== second[1])
        let open = try renderer.segments(
            snapshot: snapshot,
            deployments: cache,
            api: api,
            includeProcessMetrics: false,
            format: .openMetrics
        )
        #expect(open[0] !== first[0])
        #expect(cache.keptCount == 2 && cache.keptSnapshot == snapshot.id)
        // Another snapshot with the same deployments renders its own, and replaces the kept renderings.
        let newer = Self.snapshot()
        #expect(newer.id > snapshot.id)
        let next = try renderer.segments(snapshot: newer, deployments: cache, api: api, includeProcessMetrics: false)
        #expect(next[0] !== first[0] && next[0].array == first[0].array)
        #expect(cache.keptCount == 1 && cache.keptSnapshot == newer.id)
        // A late answer from the older snapshot is rendered without displacing the newer one.
        let late = try renderer.segments(snapshot: snapshot, deployments: cache, api: api, includeProcessMetrics: false)
        #expect(late[0] !== first[0] && late[0] !== next[0])
        #expect(cache.keptSnapshot == newer.id)
    }

    @Test func aCacheThatKeepsNothingRendersEveryTime() async throws {
        let snapshot = Self.snapshot()
        let api = APIMetrics().current
        let renderer = MetricsRenderer()
        let cache = RenderedDeployments(keeping: false)
        let first = try renderer.segments(
            snapshot: snapshot,
            deployments: cache,
            api: api,
            includeProcessMetrics: false
        )
        let second = try renderer.segments(
            snapshot: snapshot,
            deployments: cache,
            api: api,
            includeProcessMetrics: false
        )
        #expect(first[0] !== second[0] && first[0].array == second[0].array)
        #expect(cache.keptCount == 0 && cache.keptSnapshot == nil)
    }
}
