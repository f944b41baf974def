import Foundation
import Testing

/// The Grafana dashboards in `dashboards/`: importable JSON with a datasource variable, chained job → instance →
/// project variables, `$__rate_interval` in every range, stable UIDs and a current schema.
@Suite struct DashboardTests {
    static let files = Repository.files(under: ["dashboards"], extensions: ["json"])
    static let uids = [
        "dashboards/dataworks-deployments.json": "dataworks-deployments",
        "dashboards/dataworks-exporter-health.json": "dataworks-exporter-health",
        "dashboards/dataworks-pipeline-runs.json": "dataworks-pipeline-runs",
        "dashboards/dataworks-releases.json": "dataworks-releases",
    ]

    static func load(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Repository.url(path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path)")
    }

    /// Every panel, rows' nested panels included.
    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        return top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
    }

    /// The query of a query variable: a string, or the Prometheus variable editor's `{query: …}`.
    static func definition(_ variable: [String: Any]) -> String {
        if let query = variable["query"] as? String { return query }
        return (variable["query"] as? [String: Any])?["query"] as? String ?? variable["definition"] as? String ?? ""
    }

    /// The PromQL of every target of every panel.
    static func expressions(_ dashboard: [String: Any]) -> [String] {
        panels(dashboard).flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    @Test func theDashboardsHaveStableUIDsAndACurrentSchema() throws {
        #expect(Set(Self.files) == Set(Self.uids.keys))
        for path in Self.files {
            let dashboard = try Self.load(path)
            #expect(dashboard["uid"] as? String == Self.uids[path], "\(path)")
            #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 39, "\(path)")
            #expect(dashboard["id"] == nil, "\(path): an id ties the file to one Grafana database")
            #expect((dashboard["title"] as? String)?.isEmpty == false)
            #expect((dashboard["tags"] as? [String])?.contains("dataworks") == true)
        }
    }

    @Test func variablesChainDatasourceJobInstanceProject() throws {
        for path in Self.files {
            let templating = try #require(try Self.load(path)["templating"] as? [String: Any])
            let variables = try #require(templating["list"] as? [[String: Any]])
            let names = variables.compactMap { $0["name"] as? String }
            #expect(names == ["datasource", "job", "instance", "project"], "\(path)")
            let byName = Dictionary(uniqueKeysWithValues: zip(names, variables))
            #expect(byName["datasource"]?["type"] as? String == "datasource")
            #expect(byName["datasource"]?["query"] as? String == "prometheus")
            func definition(_ name: String) -> String { Self.definition(byName[name] ?? [:]) }
            #expect(definition("job").hasPrefix("label_values(") && !definition("job").contains("$"))
            // "All" means the exporter's own jobs: those exposing its build info (not a /probe job, not Prometheus
            // itself, not another down target), with no catch-all allValue.
            #expect(definition("job") == "label_values(dataworks_exporter_build_info, job)", "\(path)")
            for name in ["job", "instance", "project"] {
                #expect(byName[name]?["allValue"] == nil, "\(path): \(name) has an allValue")
                #expect(byName[name]?["includeAll"] as? Bool == true, "\(path): \(name)")
            }
            #expect(definition("instance").contains(#"job=~"$job""#), "\(path)")
            #expect(definition("project").contains(#"job=~"$job""#), "\(path)")
            #expect(definition("project").contains(#"instance=~"$instance""#), "\(path)")
            for name in ["job", "instance", "project"] {
                let datasource = byName[name]?["datasource"] as? [String: Any]
                #expect(datasource?["uid"] as? String == "${datasource}", "\(path): \(name)")
            }
        }
    }

    @Test func everyPanelUsesTheDatasourceVariableAndHasAUniqueIdInsideTheGrid() throws {
        for path in Self.files {
            let dashboard = try Self.load(path)
            var ids: Set<Int> = []
            for panel in Self.panels(dashboard) {
                let id = try #require(panel["id"] as? Int, "\(path)")
                #expect(ids.insert(id).inserted, "\(path): panel id \(id) twice")
                let grid = try #require(panel["gridPos"] as? [String: Int], "\(path)")
                #expect((grid["x"] ?? 0) + (grid["w"] ?? 0) <= 24, "\(path): panel \(id)")
                guard panel["type"] as? String != "row" else { continue }
                #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(path)")
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}")
                }
                #expect((panel["description"] as? String)?.isEmpty == false, "\(path): panel \(id)")
            }
        }
    }

    @Test func everyQuerySelectsJobAndInstanceAndEveryRangeIsTheRateInterval() throws {
        let range = try Regex(#"\[([^\]]*)\]"#)
        var total = 0
        for path in Self.files {
            let expressions = Self.expressions(try Self.load(path))
            #expect(expressions.count >= 15, "\(path)")
            total += expressions.count
            for expr in expressions {
                #expect(expr.contains(#"job=~"$job""#) && expr.contains(#"instance=~"$instance""#), "\(expr)")
                for match in expr.matches(of: range) {
                    #expect(expr[match.range] == "[$__rate_interval]", "\(path): \(expr)")
                }
                if expr.contains("rate(") || expr.contains("increase(") {
                    #expect(expr.contains("[$__rate_interval]"), "\(expr)")
                }
            }
        }
        #expect(total >= 35)
    }

    @Test func theDeploymentsDashboardShowsWhatTheIssueAsksFor() throws {
        let dashboard = try Self.load("dashboards/dataworks-deployments.json")
        let titles = Set(Self.panels(dashboard).compactMap { $0["title"] as? String })
        for title in [
            "Failed", "Stuck in ready > 1h", "Deployments", "API requests and errors by code", "API latency",
            "Collection duration against its budget", "Data freshness", "Throttling",
        ] {
            #expect(titles.contains(title), "missing panel \(title)")
        }
        let all = Self.expressions(dashboard).joined(separator: "\n")
        for metric in [
            "dataworks_deployment_info", "dataworks_deployment_execution_latency_seconds",
            "dataworks_deployment_create_timestamp_seconds", "dataworks_api_request_duration_seconds_bucket",
            "dataworks_scrape_timeout_seconds", "dataworks_deployment_last_fetch_success_timestamp_seconds",
            "dataworks_deployment_error_info", "dataworks_api_region_paused", "dataworks_api_rate_limit_per_second",
            "dataworks_cycle_api_requests", "dataworks_deployment_items", "dataworks_deployment_checking_status",
        ] {
            #expect(all.contains(metric), "no panel shows \(metric)")
        }
        // The failure reason is a column of the deployments table.
        let table = try #require(
            Self.panels(dashboard).first { $0["title"] as? String == "Deployments" && $0["type"] as? String == "table" }
        )
        let tableExpressions = (table["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        #expect(tableExpressions.contains { $0.contains("dataworks_deployment_error_info") })
        #expect(String(describing: table["transformations"] ?? "").contains("Failure reason"))
        // What shipped and who (issue 14, item 4): the creator, executor, check and files are columns too.
        let organized = String(describing: table["transformations"] ?? "")
        for column in ["Creator", "Executor", "Check", "Files", "Files failed"] {
            #expect(organized.contains("\"\(column)\""), "no column \(column) in the deployments table")
        }
        #expect(tableExpressions.contains { $0.contains("creator, executor") })
        #expect(titles.contains("By creator") && titles.contains("Deployed files by status"))
        // Status changes are annotations.
        let annotations = (dashboard["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        #expect(annotations.contains { ($0["expr"] as? String)?.contains("dataworks_deployment_status") == true })
        // The stale stat means what the stale alert means: a failed refresh, not merely old data.
        let stale = try #require(Self.panels(dashboard).first { $0["title"] as? String == "Stale > 15m" })
        let staleExpr = (stale["targets"] as? [[String: Any]])?.first?["expr"] as? String ?? ""
        #expect(staleExpr.contains("dataworks_deployment_fetch_success"), "\(staleExpr)")
    }

    /// Deployment, pipeline-run and release families are deduplicated (per deployment, per run, per workspace)
    /// before they are counted or summed, so two replicas (or a /metrics and a /probe job) count each once; error
    /// codes preset to 0 are left out of the legend.
    @Test func countsDeduplicateAndErrorLegendsShowOnlyWhatHappened() throws {
        // Aggregations over exporters; `by (instance…)` ones stay per exporter and need none.
        let aggregation = try Regex(#"\b(count|sum|avg)( by \((?![^)]*instance)[^)]*\))? ?\("#)
        let deduplicated = ["dataworks_deployment_", "dataworks_pipeline_run_", "workspace:dataworks_release"]
        var checked = 0
        for path in Self.files {
            for expr in Self.expressions(try Self.load(path))
            where deduplicated.contains(where: { expr.contains($0) }) {
                for match in expr.matches(of: aggregation) {
                    let inner = expr[match.range.upperBound...]
                    #expect(
                        inner.drop(while: { $0 == "(" }).hasPrefix("max by ("),
                        "\(path): \(expr[match.range]) without max by: \(expr)"
                    )
                    checked += 1
                }
            }
            for expr in Self.expressions(try Self.load(path)) where expr.contains("sum by (code)") {
                #expect(expr.contains("> 0 or label_replace("), "\(path): every code, zeros included: \(expr)")
            }
        }
        #expect(checked >= 20, "\(checked) aggregations checked")
    }

    /// Issue 12 item 6: status over time, the stage that failed with its message, runs waiting at a gate and for
    /// how long; each run identified by region, project, kind and run ID.
    @Test func thePipelineRunsDashboardShowsStatusFailedStageAndGates() throws {
        let dashboard = try Self.load("dashboards/dataworks-pipeline-runs.json")
        let panels = Self.panels(dashboard)
        let titles = Set(panels.compactMap { $0["title"] as? String })
        for title in ["Failed in 24h", "Waiting at a gate > 1h", "Pipeline runs", "Pipeline runs by status"] {
            #expect(titles.contains(title), "missing panel \(title)")
        }
        #expect(titles.contains("Waiting at a manual stage"))
        let all = Self.expressions(dashboard).joined(separator: "\n")
        for metric in [
            "dataworks_pipeline_run_status", "dataworks_pipeline_run_info", "dataworks_pipeline_run_stage_info",
            "dataworks_pipeline_run_error_info", "dataworks_pipeline_run_awaiting_stage",
            "dataworks_pipeline_run_awaiting_since_timestamp_seconds", "dataworks_pipeline_run_items",
            "dataworks_pipeline_run_create_timestamp_seconds", "dataworks_pipeline_run_fetch_success",
            "dataworks_pipeline_run_last_fetch_success_timestamp_seconds",
        ] {
            #expect(all.contains(metric), "no panel shows \(metric)")
        }
        // The table has the failing stage, the message and the gate as columns.
        let table = try #require(
            panels.first { $0["title"] as? String == "Pipeline runs" && $0["type"] as? String == "table" }
        )
        let tableExpressions = (table["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        #expect(tableExpressions.contains { $0.contains("dataworks_pipeline_run_stage_info") && $0.contains("fail") })
        #expect(tableExpressions.contains { $0.contains("dataworks_pipeline_run_error_info") })
        let columns = String(describing: table["transformations"] ?? "")
        for column in ["Failed stage", "Failure message", "Waiting at", "Waiting for"] {
            #expect(columns.contains(column), "no column \(column)")
        }
        for expr in Self.expressions(dashboard) where expr.contains("max by (") {
            #expect(expr.contains("max by (region_id, project, kind, pipeline_run_id"), "\(expr)")
        }
        let annotations = (dashboard["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        #expect(annotations.contains { ($0["expr"] as? String)?.contains("dataworks_pipeline_run_status") == true })
    }

    /// Issue 14 item 5: the Releases dashboard is built on the recording rules (every one of them is shown, no
    /// panel recomputes them from the raw counters), per workspace, kind and environment.
    @Test func theReleasesDashboardIsBuiltOnTheRecordingRules() throws {
        let dashboard = try Self.load("dashboards/dataworks-releases.json")
        let expressions = Self.expressions(dashboard)
        let all = expressions.joined(separator: "\n")
        for rule in AlertRuleTests.recorded {
            #expect(all.contains(rule), "no panel shows \(rule)")
        }
        for expr in expressions {
            #expect(expr.contains("workspace:dataworks_release"), "not on a recording rule: \(expr)")
            #expect(!expr.contains("dataworks_releases_total") && !expr.contains("_bucket"), "\(expr)")
            #expect(expr.contains("max by (region_id, project, kind, to_environment"), "\(expr)")
        }
        let titles = Set(Self.panels(dashboard).compactMap { $0["title"] as? String })
        for title in [
            "Deployment frequency", "Change failure rate", "Release duration", "Lead time from commit",
            "By workspace and environment",
        ] {
            #expect(titles.contains(title), "missing panel \(title)")
        }
        // A ratio is no value, not NaN (0 / 0), on a day without releases; counts show whole numbers (increase()
        // extrapolates: 16.07 releases are 16).
        for panel in Self.panels(dashboard) where panel["type"] as? String == "stat" {
            let expr = (panel["targets"] as? [[String: Any]])?.first?["expr"] as? String ?? ""
            let defaults = (panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any] ?? [:]
            if expr.contains(" / ") {
                #expect(expr.hasSuffix("> 0)"), "a ratio without a guarded denominator: \(expr)")
                #expect(defaults["noValue"] as? String != nil, "\(panel["title"] ?? "")")
            } else {
                #expect(defaults["decimals"] as? Int == 0, "\(panel["title"] ?? "")")
            }
        }
    }
}
