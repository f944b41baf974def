import CurlClient
import DataWorksSimulator
import Foundation
import HTTPServer
import Testing

/// A real Prometheus (the Debian package) scraping the built exporter, which watches the simulator, with the shipped
/// alert rules loaded (their `for:` shortened) and the shipped dashboards queried through its HTTP API.
@Suite struct PrometheusEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var prometheus: String? {
        ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Deployments relative to `now` (epoch milliseconds): a recent failure into production, a release waiting in
    /// ready for two hours, a success, and a failure three days old that must not alert.
    static func deployments(now: Int64) -> [SimulatedDeployment] {
        let minute: Int64 = 60_000
        func deployment(
            _ id: Int64,
            _ name: String,
            status: Int,
            age: Int64,
            executed: Bool,
            error: String? = nil
        )
            -> SimulatedDeployment
        {
            SimulatedDeployment(
                deploymentId: id,
                projectId: Fixtures.projectId,
                projectIdentifier: Fixtures.projectIdentifier,
                name: name,
                status: status,
                creatorId: "200300000001",
                handlerId: executed ? "200300000001" : nil,
                createTime: now - age,
                executeTime: executed ? now - age + 42_000 : nil,
                errorMessage: error,
                fromEnvironment: 1,
                toEnvironment: 2
            )
        }
        return [
            deployment(3_000_001, "ods_user_info_d-release", status: 1, age: 180 * minute, executed: true),
            deployment(
                3_000_002,
                "dwd_orders_di-release",
                status: 2,
                age: 10 * minute,
                executed: true,
                error: #"The connection "orders" does not exist."#
            ),
            deployment(3_000_003, "ads_gmv_summary_d-release", status: 0, age: 120 * minute, executed: false),
            deployment(3_000_009, "old_failure-release", status: 2, age: 3 * 1_440 * minute, executed: true),
        ]
    }

    /// The shipped rules with every `for:` cut to 3 s, so an alert goes pending, then fires, within seconds.
    static func shortenedRules() throws -> String {
        let rules = try String(contentsOf: root.appendingPathComponent("alerts/dataworks.rules.yml"), encoding: .utf8)
        let shortened = rules.replacing(try Regex(#"for: \d+[smh]"#), with: "for: 3s")
        #expect(shortened != rules)
        return shortened
    }

    /// The shipped dashboards, by file name.
    static func dashboardNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("dashboards").path)
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    static func loadDashboard(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("dashboards/" + name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Every PromQL expression of every panel of the dashboard `name` (or of its Prometheus annotations), with
    /// Grafana's variables replaced by `values` as Grafana would.
    static func dashboardQueries(
        _ name: String,
        substituting values: [String: String],
        annotations: Bool = false
    ) throws -> [String] {
        let dashboard = try loadDashboard(name)
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        let panels = top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
        let targets =
            annotations
            ? ((dashboard["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? [])
            : panels.flatMap { $0["targets"] as? [[String: Any]] ?? [] }
        var result: [String] = []
        for target in targets {
            guard let expr = target["expr"] as? String else { continue }
            var substituted = expr.replacingOccurrences(of: "$__rate_interval", with: "20s")
            for (variable, value) in values {
                substituted = substituted.replacingOccurrences(of: "$" + variable, with: value)
            }
            // `$1` is a capture reference of label_replace, which Grafana leaves alone (no variable has that name).
            #expect(
                substituted.firstMatch(of: try Regex(#"\$(?![0-9])"#)) == nil,
                "\(name): unreplaced variable in \(expr)"
            )
            result.append(substituted)
        }
        return result
    }

    /// The sample names of an exposition (`name{labels} value` or `name value` lines).
    static func sampleNames(_ exposition: String) -> Set<String> {
        Set(
            exposition.split(separator: "\n").compactMap { line -> String? in
                guard !line.hasPrefix("#"), let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) else {
                    return nil
                }
                return String(line[..<end])
            }
        )
    }

    /// The expressions of the recording rules in `rules` (the shipped rules file), by recorded name.
    static func recordingRules(_ rules: String) -> [String: String] {
        var result: [String: String] = [:]
        var current: String?
        for line in rules.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- record: ") {
                current = String(trimmed.dropFirst("- record: ".count))
                result[current ?? ""] = ""
            } else if trimmed.hasPrefix("- alert: ") || trimmed.hasPrefix("- name: ") {
                current = nil
            } else if let name = current {
                result[name, default: ""] += trimmed + "\n"
            }
        }
        return result
    }

    /// The metric names `expr` selects that are neither in `exported` (sample names) nor produced by a recording
    /// rule whose own names are all exported. A name that ends in `_` is the literal prefix of a `__name__` regex:
    /// it is missing when no exported name starts with it.
    static func missingNames(of expr: String, exported: Set<String>, rules: [String: String]) throws -> Set<String> {
        var missing: Set<String> = []
        for match in expr.matches(of: try Regex(#"(?:[a-z_]+:)?dataworks_[a-z0-9_:]*"#)) {
            let name = String(expr[match.range])
            if let rule = rules[name] {
                missing.formUnion(try missingNames(of: rule, exported: exported, rules: rules))
            } else if name.hasSuffix("_") {
                if !exported.contains(where: { $0.hasPrefix(name) }) { missing.insert(name + "*") }
            } else if !exported.contains(name) {
                missing.insert(name)
            }
        }
        return missing
    }

    /// The names a dashboard query needs, through the shipped recording rules and `__name__` regexes: what decides
    /// whether the end-to-end test asks a query or lists it as not exported yet.
    @Test func missingNamesFollowRecordingRulesAndNameRegexes() throws {
        let rules = Self.recordingRules(
            try String(contentsOf: Self.root.appendingPathComponent("alerts/dataworks.rules.yml"), encoding: .utf8)
        )
        #expect(rules["workspace:dataworks_release_change_failure_rate:ratio1d"]?.contains("increase(") == true)
        let exported: Set<String> = ["dataworks_deployment_status", "dataworks_releases_total"]
        let rate = #"max by (project) (workspace:dataworks_release_change_failure_rate:ratio1d{job=~"a"})"#
        #expect(try Self.missingNames(of: rate, exported: exported, rules: rules).isEmpty)
        let lead = "workspace:dataworks_release_lead_time_seconds:p90_1d"
        #expect(
            try Self.missingNames(of: lead, exported: exported, rules: rules)
                == ["dataworks_release_lead_time_seconds_bucket", "dataworks_release_lead_time_seconds_count"]
        )
        let regex = #"{__name__=~"dataworks_pipeline_run_(create|modify)_timestamp_seconds"}"#
        #expect(try Self.missingNames(of: regex, exported: exported, rules: rules) == ["dataworks_pipeline_run_*"])
        let present = exported.union(["dataworks_pipeline_run_create_timestamp_seconds"])
        #expect(try Self.missingNames(of: regex, exported: present, rules: rules).isEmpty)
        #expect(
            try Self.missingNames(of: "dataworks_deployment_status == 1", exported: [], rules: rules) == [
                "dataworks_deployment_status"
            ]
        )
    }

    @Test(.timeLimit(.minutes(2)))
    func prometheusScrapesTheExporterFiresTheFailedDeploymentAlertAndAnswersEveryDashboardQuery() async throws {
        let prometheusPath = try #require(Self.prometheus, "prometheus missing: apt-get install -y prometheus")
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let simulator = try DataWorksSimulator(
            deployments: Self.deployments(now: now),
            pipelineRuns: SimulatedPipelineRun.demoSet(now: now),
            crossProjectPipelineRuns: SimulatedCrossProjectPipelineRun.demoSet(now: now),
            releaseHistory: Self.releaseHistory(now: now)
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let client = try CurlHTTPClient()
        var exporter: ExporterProcess?
        var server: PrometheusProcess?
        defer {
            client.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
        do {
            let config = directory.appendingPathComponent("dataworks.yml")
            try Data(
                (Harness.config(
                    endpoint: simulator.endpoint,
                    project: "project_id: \(Fixtures.projectId)",
                    ids: Self.deployments(now: now).map(\.deploymentId) + Self.releasePackageIds,
                    dataworks: "  retries: 0",
                    collector: "  release_lead_time: true"
                ) + Self.pipelineRunTarget).utf8
            ).write(to: config)
            exporter = try await ExporterProcess.start(
                ["--config.file", config.path],
                environment: [
                    "HOME": directory.path,
                    "ALIBABA_CLOUD_ACCESS_KEY_ID": DataWorksSimulator.accessKeyId,
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DataWorksSimulator.accessKeySecret,
                ]
            )
            let exporterPort = try #require(exporter?.port)
            let started = try await PrometheusProcess.start(
                executable: prometheusPath,
                directory: directory,
                rules: try Self.shortenedRules(),
                scrapeTarget: "127.0.0.1:\(exporterPort)",
                client: client
            )
            server = started
            try await Self.check(prometheus: started, exporterPort: exporterPort, client: client)
        } catch {
            let exporterLog = await exporter?.stop().log ?? ""
            Issue.record("\(error)\n--- prometheus log:\n\(server?.log ?? "")\n--- exporter:\n\(exporterLog)")
        }
        server?.stop()
        if let exporter, exporter.isRunning {
            #expect(await exporter.stop().status == 0)
        }
        await simulator.stop()
    }

    /// Packages that finish while Prometheus scrapes (two at 20 s, two at 40 s after `now`, epoch ms), each pair one
    /// success and one failure, so that the release counters rise after their first sample and every recording rule
    /// of the Releases dashboard (frequency, change failure rate, duration, lead time) has an answer.
    static func releaseHistory(now: Int64) -> SimulatedReleaseHistory {
        typealias History = ReleaseHistorySimulatorTests
        let minute: Int64 = 60_000
        return SimulatedReleaseHistory(
            files: [
                History.file(1_200_001, 1, "u1", now - 30 * minute), History.file(1_200_002, 1, "u2", now - minute),
            ],
            packages: zip(releasePackageIds, [20_000, 20_000, 40_000, 40_000] as [Int64]).enumerated().map {
                index,
                release in
                var package = History.package(
                    release.0,
                    [(1_200_001, 1), (1_200_002, 1)],
                    created: now - minute,
                    delay: minute + release.1,
                    index.isMultiple(of: 2) ? .success : .failure(message: "boom \(release.0)")
                )
                // A check that holds the first success (CheckingStatus 8): the Deployments dashboard's Check column
                // and Checking stat have a package to show.
                if index == 0 { package.check = .staysChecking }
                return package
            }
        )
    }

    static let releasePackageIds: [Int64] = [3_200_001, 3_200_002, 3_200_003, 3_200_004]

    /// A 2024-05-18 target beside the deployments: the simulator's demo pipeline runs of both kinds, so that the
    /// pipeline-run families are scraped (the pipeline-run dashboard and alerts query them).
    static let pipelineRunTarget = """
          - region_id: cn-shanghai
            api_version: 2024-05-18
            project_id: \(Fixtures.projectId)
            discover:
              max_age: 24h
            cross_project:

        """

    static func check(prometheus: PrometheusProcess, exporterPort: Int, client: CurlHTTPClient) async throws {
        // 1. The target is up.
        let target = try await prometheus.poll("the exporter target to be up", client: client) {
            let targets = try await prometheus.get("/api/v1/targets?state=active", client: client)
            let active = (targets["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
            return active.first {
                $0["health"] as? String == "up"
                    && ($0["labels"] as? [String: Any])?["job"] as? String == "dataworks-exporter"
            }
        }
        #expect((target["labels"] as? [String: Any])?["job"] as? String == "dataworks-exporter")
        // The other jobs are scraped too (the down one fails), before the dashboards are asked.
        _ = try await prometheus.poll("every other job to be scraped", client: client) { () async throws -> Bool? in
            let targets = try await prometheus.get("/api/v1/targets?state=active", client: client)
            let active = (targets["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
            let health = Dictionary(
                active.compactMap { target -> (String, String)? in
                    guard let job = (target["labels"] as? [String: Any])?["job"] as? String else { return nil }
                    return (job, target["health"] as? String ?? "")
                },
                uniquingKeysWith: { first, _ in first }
            )
            return health["prometheus"] == "up" && health["dataworks-probe"] == "up"
                && health["unrelated-down"] == "down" ? true : nil
        }
        #expect((target["scrapeUrl"] as? String) == "http://127.0.0.1:\(exporterPort)/metrics")

        // Pipeline runs of both kinds are scraped, a manual gate and a failure among them.
        for expr in [
            #"count(dataworks_pipeline_run_status{kind="workspace"} == 1) >= 5"#,
            #"count(dataworks_pipeline_run_status{kind="cross_project"} == 1) >= 1"#,
            #"dataworks_pipeline_run_awaiting_stage{stage_code="PROD"} == 1"#,
            #"dataworks_pipeline_run_error_info{kind="workspace"}"#,
            // The releases that finished while Prometheus scraped reach the Releases dashboard's recording rules.
            "workspace:dataworks_release_change_failure_rate:ratio1d > 0",
            "workspace:dataworks_release_duration_seconds:p50_1d",
            "workspace:dataworks_release_lead_time_seconds:p90_1d",
        ] {
            _ = try await prometheus.poll("\(expr) to answer", client: client) { () async throws -> Bool? in
                let answer = try await prometheus.get(
                    "/api/v1/query?query=" + PrometheusProcess.encode(expr),
                    client: client
                )
                let result = (answer["data"] as? [String: Any])?["result"] as? [Any] ?? []
                return result.isEmpty ? nil : true
            }
        }

        // 2. The failed-deployment alert fires, with its labels and the failure reason.
        var states: Set<String> = []
        let firing = try await prometheus.poll("DataWorksDeploymentFailed to fire", client: client) {
            let alerts = try await prometheus.alerts(named: "DataWorksDeploymentFailed", client: client)
            states.formUnion(alerts.compactMap { $0["state"] as? String })
            return alerts.first {
                $0["state"] as? String == "firing"
                    && ($0["labels"] as? [String: String])?["deployment_id"] == "3000002"
            }
        }
        let labels = firing["labels"] as? [String: String] ?? [:]
        #expect(
            labels == [
                "alertname": "DataWorksDeploymentFailed", "severity": "critical", "region_id": Fixtures.regionId,
                "project": String(Fixtures.projectId), "deployment_id": "3000002", "name": "dwd_orders_di-release",
                "to_environment": "production",
            ]
        )
        let annotations = firing["annotations"] as? [String: String] ?? [:]
        #expect(
            annotations["description"]
                == #"Deployment 3000002 "dwd_orders_di-release" to production in project 10000 (cn-zhangjiakou) failed: The connection "orders" does not exist."#
        )
        #expect(annotations["runbook_url"]?.hasSuffix("docs/runbook.md#dataworksdeploymentfailed") == true)
        // The old failure never alerts: one alert only, beside those of the release history's packages that fail
        // while the test runs.
        let releases = Set(releasePackageIds.map(String.init))
        let all = try await prometheus.alerts(named: "DataWorksDeploymentFailed", client: client).filter {
            !releases.contains(($0["labels"] as? [String: String])?["deployment_id"] ?? "")
        }
        #expect(all.count == 1, "\(all)")

        // It was pending before it fired: seen by polling, or recorded in ALERTS.
        if !states.contains("pending") {
            let pending = try await prometheus.get(
                "/api/v1/query?query="
                    + PrometheusProcess.encode(
                        #"max_over_time(ALERTS{alertname="DataWorksDeploymentFailed",alertstate="pending"}[5m])"#
                    ),
                client: client
            )
            let result = (pending["data"] as? [String: Any])?["result"] as? [Any] ?? []
            #expect(!result.isEmpty, "DataWorksDeploymentFailed was never pending")
        }

        // The walk-through's links to the Prometheus web UI (README, the demo's prometheus.yml) answer on this
        // Prometheus (Debian's has only the classic UI) and show the alert.
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let demo = try String(contentsOf: root.appendingPathComponent("examples/demo/prometheus.yml"), encoding: .utf8)
        let links = (readme + demo).matches(of: try Regex(#"http://127\.0\.0\.1:9090(/[A-Za-z0-9/_.-]*)"#))
            .compactMap { $0.output[1].substring.map(String.init) }
        #expect(links.contains("/classic/alerts"), "\(links)")
        for link in Set(links) {
            let response = try await client.send(HTTPRequest(method: "GET", url: prometheus.url + link))
            #expect(response.status == 200, "\(link) answers \(response.status) on this Prometheus")
            if link.hasSuffix("alerts") && !link.hasPrefix("/api/") {
                #expect(String(decoding: response.body, as: UTF8.self).contains("DataWorksDeploymentFailed"), "\(link)")
            }
        }

        // The release waiting in ready for two hours fires too.
        let stuck = try await prometheus.poll("DataWorksDeploymentStuck to fire", client: client) {
            try await prometheus.alerts(named: "DataWorksDeploymentStuck", client: client).first {
                $0["state"] as? String == "firing"
            }
        }
        #expect((stuck["labels"] as? [String: String])?["deployment_id"] == "3000003")

        // 3. Every query of every dashboard returns at least one series, and what "All" selects (each variable's
        // values as Prometheus answers its query, as Grafana expands them) answers exactly what the exporter's own
        // job and instance answer: the other jobs change nothing. Every family a query needs (through the recording
        // rules) is in the exporter's output.
        let exposition = try await client.send(
            HTTPRequest(method: "GET", url: "http://127.0.0.1:\(exporterPort)/metrics")
        )
        let exported = sampleNames(String(decoding: exposition.body, as: UTF8.self))
        #expect(exported.contains("dataworks_deployment_status"), "\(exported.sorted())")
        let rules = recordingRules(
            try String(contentsOf: root.appendingPathComponent("alerts/dataworks.rules.yml"), encoding: .utf8)
        )
        let single = ["job": "dataworks-exporter", "instance": "127.0.0.1:\(exporterPort)", "project": "10000"]
        let time = String(Date().timeIntervalSince1970)
        func answer(_ expr: String) async throws -> [String] {
            let answer = try await prometheus.get(
                "/api/v1/query?time=\(time)&query=" + PrometheusProcess.encode(expr),
                client: client
            )
            #expect(answer["status"] as? String == "success", "\(expr): \(answer)")
            let result = (answer["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
            return result.map { series in
                let labels = (series["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                return "\(labels) \(series["value"] as? [Any] ?? [])"
            }.sorted()
        }
        var asked = 0
        for name in try dashboardNames() {
            let dashboard = try loadDashboard(name)
            let everything = try await allValues(prometheus: prometheus, dashboard: dashboard, client: client)
            #expect(everything.count == 3, "\(name): \(everything)")
            for (allExpr, singleExpr) in zip(
                try dashboardQueries(name, substituting: everything),
                try dashboardQueries(name, substituting: single)
            ) {
                let missing = try missingNames(of: singleExpr, exported: exported, rules: rules)
                #expect(missing.isEmpty, "\(name): \(singleExpr) needs \(missing.sorted()), not exported")
                asked += 1
                let allAnswer = try await answer(allExpr)
                #expect(!allAnswer.isEmpty, "\(name): no series for \(allExpr)")
                let singleAnswer = try await answer(singleExpr)
                #expect(allAnswer == singleAnswer, "\(name): All differs from one job for \(allExpr)")
            }
            // The status-change annotations are valid PromQL (they have series only once a status changes).
            for expr in try dashboardQueries(name, substituting: everything, annotations: true) {
                _ = try await answer(expr)
            }
        }
        #expect(asked >= 40, "\(asked) queries asked")
    }

    /// What Grafana substitutes for each variable left at "All": its `allValue` if it has one, else the regex
    /// alternation of every value its `label_values(selector, label)` query returns, variables before it substituted.
    static func allValues(
        prometheus: PrometheusProcess,
        dashboard: [String: Any],
        client: CurlHTTPClient
    ) async throws -> [String: String] {
        let variables = ((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
        var result: [String: String] = [:]
        let labelValues = try Regex(#"^label_values\((.*), (\w+)\)$"#)
        for variable in variables where variable["type"] as? String == "query" {
            let name = try #require(variable["name"] as? String)
            if let allValue = variable["allValue"] as? String {
                result[name] = allValue
                continue
            }
            let query =
                (variable["query"] as? [String: Any])?["query"] as? String ?? variable["query"] as? String ?? ""
            let match = try #require(query.wholeMatch(of: labelValues), "\(name): \(query)")
            var selector = String(try #require(match.output[1].substring))
            for (variable, value) in result {
                selector = selector.replacingOccurrences(of: "$" + variable, with: value)
            }
            let label = String(try #require(match.output[2].substring))
            let answer = try await prometheus.get(
                "/api/v1/label/\(label)/values?match[]=" + PrometheusProcess.encode(selector),
                client: client
            )
            let values = try #require(answer["data"] as? [String], "\(name): \(answer)")
            #expect(!values.isEmpty, "variable \(name) has no value")
            // Regex-escaped, then escaped again for the PromQL string literal (as Grafana's Prometheus source does).
            let escaped = values.map {
                NSRegularExpression.escapedPattern(for: $0).replacingOccurrences(of: "\\", with: "\\\\")
            }
            result[name] = escaped.count == 1 ? escaped[0] : "(" + escaped.joined(separator: "|") + ")"
        }
        return result
    }
}

/// A Prometheus server in a child process on a free loopback port, with its storage in a temporary directory.
struct PrometheusProcess {
    let process: Process
    let port: Int
    let logFile: URL

    var url: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Writes the configuration and rules into `directory`, starts Prometheus and waits until it is ready.
    static func start(
        executable: String,
        directory: URL,
        rules: String,
        scrapeTarget: String,
        client: CurlHTTPClient
    ) async throws -> PrometheusProcess {
        try Data(rules.utf8).write(to: directory.appendingPathComponent("rules.yml"))
        // A port that was free a moment ago; another process may take it in between, so try a few.
        var lastError: (any Error)?
        for attempt in 1...3 {
            let port = try await freePort()
            // Beside the exporter, as in a real installation: Prometheus itself, a target that is down, and a
            // /probe job of the same exporter.
            try Data(
                """
                global:
                  scrape_interval: 2s
                  scrape_timeout: 2s
                  evaluation_interval: 1s
                rule_files:
                  - rules.yml
                scrape_configs:
                  - job_name: dataworks-exporter
                    static_configs:
                      - targets: ["\(scrapeTarget)"]
                  - job_name: prometheus
                    static_configs:
                      - targets: ["127.0.0.1:\(port)"]
                  - job_name: unrelated-down
                    static_configs:
                      - targets: ["127.0.0.1:1"]
                  - job_name: dataworks-probe
                    metrics_path: /probe
                    params:
                      region_id: ["\(Fixtures.regionId)"]
                      project: ["\(Fixtures.projectId)"]
                      deployment_id: ["3000002"]
                    static_configs:
                      - targets: ["\(scrapeTarget)"]

                """.utf8
            ).write(to: directory.appendingPathComponent("prometheus.yml"))
            let logFile = directory.appendingPathComponent("prometheus-\(attempt).log")
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [
                "--config.file=" + directory.appendingPathComponent("prometheus.yml").path,
                "--storage.tsdb.path=" + directory.appendingPathComponent("data-\(attempt)").path,
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=info",
            ]
            process.currentDirectoryURL = directory
            let output = try FileHandle(forWritingTo: logFile)
            defer { try? output.close() }
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let server = PrometheusProcess(process: process, port: port, logFile: logFile)
            do {
                _ = try await server.poll("Prometheus to be ready", client: client) { () async throws -> Bool? in
                    guard process.isRunning else { throw PrometheusProcessError(message: "exited: \(server.log)") }
                    let response = try? await client.send(HTTPRequest(method: "GET", url: server.url + "/-/ready"))
                    return response?.status == 200 ? true : nil
                }
                return server
            } catch {
                server.stop()
                lastError = error
            }
        }
        throw lastError ?? PrometheusProcessError(message: "not started")
    }

    /// A port that a listener could bind on 127.0.0.1 just now.
    static func freePort() async throws -> Int {
        let probe = try HTTPServer(configuration: .init(listenAddresses: ["127.0.0.1:0"])) { _ in .text("") }
        let port = probe.ports.first ?? 0
        await probe.stop()
        return port
    }

    /// Percent-encodes a query parameter value.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// Calls `body` every 200 ms until it returns a value, for at most 45 s.
    ///
    /// - Throws: ``PrometheusProcessError`` after the deadline, naming `what`; whatever `body` throws.
    func poll<T>(
        _ what: String,
        client: CurlHTTPClient,
        _ body: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(45)
        while ContinuousClock.now < deadline {
            if let value = try await body() { return value }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw PrometheusProcessError(message: "timed out waiting for \(what)")
    }

    /// GETs `path` from the HTTP API and decodes the JSON object.
    func get(_ path: String, client: CurlHTTPClient) async throws -> [String: Any] {
        let response = try await client.send(HTTPRequest(method: "GET", url: url + path, timeout: .seconds(20)))
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw PrometheusProcessError(message: "\(path): not a JSON object")
        }
        return object
    }

    /// The active alerts (pending or firing) named `name`.
    func alerts(named name: String, client: CurlHTTPClient) async throws -> [[String: Any]] {
        let answer = try await get("/api/v1/alerts", client: client)
        let alerts = (answer["data"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
        return alerts.filter { ($0["labels"] as? [String: Any])?["alertname"] as? String == name }
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
    }
}

struct PrometheusProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
