import Foundation
import Testing
import Yams

/// `alerts/dataworks.rules.yml`: promtool accepts it and its unit tests pass; every alert has the agreed
/// annotations, a runbook section, and unit tests before, at and without firing.
@Suite struct AlertRuleTests {
    static let rulesPath = "alerts/dataworks.rules.yml"
    static let testsPath = "alerts/tests/dataworks.rules.test.yml"
    static let expected: Set<String> = [
        "DataWorksDeploymentFailed", "DataWorksDeploymentStuck", "DataWorksDeploymentDataStale",
        "DataWorksApiUnavailable", "DataWorksApiErrorsHigh", "DataWorksApiThrottled",
        "DataWorksApiDailyQuotaExhausted", "DataWorksExporterDown", "DataWorksExporterAbsent",
        "DataWorksExporterConfigReloadFailed", "DataWorksPipelineRunFailed", "DataWorksPipelineRunAwaitingStage",
        "DataWorksPipelineRunStuck", "DataWorksReleaseChangeFailureRateHigh",
    ]
    /// The release-analytics recording rules (issue 14): deployment frequency, change failure rate, duration and
    /// lead time quantiles per exporter, workspace, kind and environment.
    static let recorded: Set<String> = [
        "workspace:dataworks_releases:increase1d", "workspace:dataworks_release_deployment_frequency:increase1d",
        "workspace:dataworks_release_change_failure_rate:ratio1d",
        "workspace:dataworks_release_duration_seconds:p50_1d", "workspace:dataworks_release_duration_seconds:p90_1d",
        "workspace:dataworks_release_lead_time_seconds:p50_1d", "workspace:dataworks_release_lead_time_seconds:p90_1d",
    ]

    /// Every alerting rule of the file.
    static func alerts() throws -> [[String: Any]] {
        try rules().filter { $0["alert"] != nil }
    }

    /// Every rule of the file, alerting and recording.
    static func rules() throws -> [[String: Any]] {
        let file = try #require(try Yams.load(yaml: Repository.text(rulesPath)) as? [String: Any])
        let groups = try #require(file["groups"] as? [[String: Any]])
        return groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
    }

    @Test func promtoolChecksTheRulesAndRunsTheirUnitTests() async throws {
        let promtool = try #require(Repository.promtool, "promtool missing: apt-get install -y prometheus")
        let check = try await Repository.run(promtool, ["check", "rules", Self.rulesPath])
        #expect(check.status == 0, "\(check.output)")
        let count = Self.expected.count + Self.recorded.count
        #expect(check.output.contains("SUCCESS: \(count) rules found"), "\(check.output)")
        let test = try await Repository.run(promtool, ["test", "rules", Self.testsPath])
        #expect(test.status == 0, "\(test.output)")
        #expect(test.output.contains("SUCCESS"), "\(test.output)")
    }

    @Test func everyAlertHasSeveritySummaryDescriptionAndItsRunbookSection() throws {
        let runbook = try Repository.text("docs/runbook.md")
        let alerts = try Self.alerts()
        #expect(Set(alerts.compactMap { $0["alert"] as? String }) == Self.expected)
        for rule in alerts {
            let name = try #require(rule["alert"] as? String)
            let labels = rule["labels"] as? [String: Any] ?? [:]
            let severity = try #require(labels["severity"] as? String, "\(name)")
            #expect(["critical", "warning", "info"].contains(severity) || severity.contains("critical"), "\(name)")
            let annotations = try #require(rule["annotations"] as? [String: Any], "\(name)")
            let summary = try #require(annotations["summary"] as? String, "\(name)")
            #expect(summary.hasSuffix(".") && !summary.contains("{{"), "\(name): summary \(summary)")
            let description = try #require(annotations["description"] as? String, "\(name)")
            #expect(description.contains("{{"), "\(name): the description should be templated")
            let runbookURL = try #require(annotations["runbook_url"] as? String, "\(name)")
            #expect(runbookURL.hasSuffix("docs/runbook.md#" + name.lowercased()), "\(name): \(runbookURL)")
            #expect(runbook.contains("\n## \(name)\n"), "docs/runbook.md has no section for \(name)")
            #expect(rule["for"] is String, "\(name) has no for:")
        }
    }

    /// Every alert is unit-tested at a time where it must not fire (before `for`, or only negative series) and
    /// at a time where it fires with exact labels and every annotation.
    @Test func everyAlertIsUnitTestedSilentAndFiring() throws {
        let file = try #require(try Yams.load(yaml: Repository.text(Self.testsPath)) as? [String: Any])
        let tests = try #require(file["tests"] as? [[String: Any]])
        var silent: Set<String> = []
        var firing: Set<String> = []
        for test in tests {
            for case let check as [String: Any] in test["alert_rule_test"] as? [Any] ?? [] {
                let name = try #require(check["alertname"] as? String)
                let expected = check["exp_alerts"] as? [[String: Any]] ?? []
                if expected.isEmpty {
                    silent.insert(name)
                } else {
                    firing.insert(name)
                    for alert in expected {
                        let annotations = alert["exp_annotations"] as? [String: Any] ?? [:]
                        #expect(Set(annotations.keys) == ["summary", "description", "runbook_url"], "\(name)")
                        #expect((alert["exp_labels"] as? [String: Any])?["severity"] != nil, "\(name)")
                    }
                }
            }
        }
        #expect(silent == Self.expected, "not tested silent: \(Self.expected.subtracting(silent))")
        #expect(firing == Self.expected, "not tested firing: \(Self.expected.subtracting(firing))")
    }

    /// Every recording rule is checked by a `promql_expr_test` of its output at a hand-computed value.
    @Test func everyRecordingRuleIsUnitTestedWithItsValues() throws {
        let recorded = try Self.rules().compactMap { $0["record"] as? String }
        #expect(Set(recorded) == Self.recorded)
        let file = try #require(try Yams.load(yaml: Repository.text(Self.testsPath)) as? [String: Any])
        let tests = try #require(file["tests"] as? [[String: Any]])
        var tested: Set<String> = []
        for test in tests {
            for case let check as [String: Any] in test["promql_expr_test"] as? [Any] ?? [] {
                let expr = try #require(check["expr"] as? String)
                let samples = check["exp_samples"] as? [[String: Any]] ?? []
                #expect(!samples.isEmpty, "\(expr): no expected sample")
                tested.insert(expr)
            }
        }
        #expect(Self.recorded.isSubset(of: tested), "not tested: \(Self.recorded.subtracting(tested))")
    }

    /// The pipeline-run alerts are evaluated per exporter and deduplicated: every one aggregates with `max by` over
    /// the run's identity, and the failed-run text names the failing stage and the message.
    @Test func pipelineRunAlertsDeduplicateAndNameTheFailingStage() throws {
        let alerts = try Self.alerts().filter { ($0["alert"] as? String)?.hasPrefix("DataWorksPipelineRun") == true }
        #expect(alerts.count == 3)
        for rule in alerts {
            let expr = try #require(rule["expr"] as? String)
            #expect(expr.contains("max by (region_id, project, kind, pipeline_run_id"), "\(expr)")
        }
        let failed = try #require(alerts.first { $0["alert"] as? String == "DataWorksPipelineRunFailed" })
        let description = (failed["annotations"] as? [String: Any])?["description"] as? String ?? ""
        #expect(description.contains("dataworks_pipeline_run_stage_info") && description.contains("stage_code"))
        #expect(description.contains("dataworks_pipeline_run_error_info") && description.contains("error_message"))
    }

    /// The look-back of a failed deployment is bounded, and the info join sits outside the `and` (the precedence
    /// trap: `and` binds more loosely than `*`).
    @Test func failedDeploymentLooksBackABoundedWindowAndJoinsTheInfoOutsideTheAnd() throws {
        let failed = try #require(try Self.alerts().first { $0["alert"] as? String == "DataWorksDeploymentFailed" })
        let expr = try #require(failed["expr"] as? String)
        #expect(expr.contains("dataworks_deployment_create_timestamp_seconds"))
        #expect(expr.contains("< 86400"))
        // Everything before `* on … group_left` is one parenthesized group, so the join applies to the `and`.
        let join = try #require(
            expr.range(of: "* on (region_id, project, deployment_id) group_left (name, to_environment)")
        )
        let left = expr[..<join.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(left.contains(" and on "))
        var depth = 0
        var firstGroupEnd: Int?
        for (offset, character) in left.enumerated() {
            if character == "(" { depth += 1 }
            if character == ")" {
                depth -= 1
                if depth == 0 && firstGroupEnd == nil { firstGroupEnd = offset }
            }
        }
        #expect(left.hasPrefix("(") && firstGroupEnd == left.count - 1, "\(expr)")
        let labels = failed["labels"] as? [String: Any]
        #expect((labels?["severity"] as? String)?.contains(#"eq $labels.to_environment "production""#) == true)
    }
}
