import DataWorksAPI
import Foundation
import Testing

@testable import DataWorksExporter

/// Issue 15, item 9 for the pipeline runs (API 2024-05-18): label values from the API are bounded on a character
/// (UTF-8) boundary with the visible cut marker, as the deployment families are, and a failure's message that differs
/// on every refresh keeps its first text until the status changes.
@Suite struct PipelineRunLabelTests {
    static let workspace = Workspace(regionId: "cn-shanghai", project: .id(10000))
    static let key = PipelineRunKey(workspace: workspace, kind: .workspace, pipelineRunId: "run-1")
    static let crossKey = PipelineRunKey(workspace: workspace, kind: .crossProject, pipelineRunId: "run-2")

    static func render(_ samples: [PipelineRunSample]) throws -> [Substring] {
        let snapshot = Snapshot(deployments: [], pipelineRuns: samples, durationSeconds: 0.1, timeoutSeconds: 9.5)
        let bytes = try MetricsRenderer().render(
            snapshot: snapshot,
            api: APIMetrics().current,
            includeProcessMetrics: false
        )
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    }

    /// The values of label `name` on the lines of `family`.
    static func values(of name: String, in family: String, _ lines: [Substring]) -> [String] {
        lines.filter { $0.hasPrefix(family + "{") }.compactMap { line in
            guard let range = line.range(of: "\(name)=\"") else { return nil }
            let rest = line[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
    }

    static func isBounded(_ value: String) -> Bool {
        value.hasSuffix("…") && value.utf8.count <= MetricsRenderer.maxLabelValueBytes
            && value.count <= MetricsRenderer.maxErrorMessageLength
    }

    @Test func everyLabelValueFromTheAPIIsCutOnACharacterBoundary() throws {
        let huge = String(repeating: "数", count: 3_334)  // 10,002 bytes
        let heavy = String(repeating: "e" + String(repeating: "\u{301}", count: 50), count: 100)
        var workspaceRun = PipelineRunSummary(
            PipelineRun(
                id: "run-1",
                creator: huge,
                status: .running,
                message: nil,
                createTime: 1_700_000_000_000,
                stages: [
                    PipelineRunStage(step: 1, code: huge, type: .unknown(heavy), status: .success),
                    PipelineRunStage(step: 2, code: heavy, type: .deploy, status: .initial),
                ]
            )
        )
        workspaceRun.status = .running
        let crossRun = PipelineRunSummary(
            CrossProjectPipelineRun(
                pipelineRunId: "run-2",
                objectName: huge,
                objectType: heavy,
                changeType: huge,
                status: .fail,
                creator: heavy,
                executor: huge,
                errorMessage: huge
            )
        )
        let lines = try Self.render([
            PipelineRunSample(
                key: Self.key,
                run: workspaceRun,
                items: [PipelineRunItemCount(itemType: huge, status: "success", count: 1)],
                lastSuccessTimestamp: 1,
                fetchSucceeded: true
            ),
            PipelineRunSample(key: Self.crossKey, run: crossRun, lastSuccessTimestamp: 1, fetchSucceeded: true),
        ])
        let checks: [(String, String, Int)] = [
            ("dataworks_pipeline_run_info", "creator", 2),
            ("dataworks_pipeline_run_info", "executor", 1),
            ("dataworks_pipeline_run_info", "object_name", 1),
            ("dataworks_pipeline_run_info", "object_type", 1),
            ("dataworks_pipeline_run_info", "change_type", 1),
            ("dataworks_pipeline_run_stage_info", "stage_code", 2),
            ("dataworks_pipeline_run_stage_info", "stage_type", 1),
            ("dataworks_pipeline_run_awaiting_stage", "stage_code", 1),
            ("dataworks_pipeline_run_error_info", "error_message", 1),
            ("dataworks_pipeline_run_items", "item_type", 1),
        ]
        for (family, label, count) in checks {
            let cut = Self.values(of: label, in: family, lines).filter(Self.isBounded)
            #expect(cut.count == count, "\(family){\(label)} not bounded")
        }
        #expect(lines.allSatisfy { $0.utf8.count < 4 * MetricsRenderer.maxLabelValueBytes + 500 })
    }

    @Test func aFailedRunsFirstMessageIsKeptUntilTheStatusChanges() throws {
        func failed(_ message: String) -> PipelineRunSummary {
            PipelineRunSummary(PipelineRun(id: "run-1", status: .fail, message: message, createTime: 1))
        }
        var records = PipelineRunRecords()
        records.update(Self.key, with: failed("PROD_CHECK failed, RequestId 1"), now: 100)
        records.update(Self.key, with: failed("PROD_CHECK failed, RequestId 2"), now: 200)
        let sample = records.age(Self.key, maxStale: 600, now: 200)
        #expect(sample.run?.errorMessage == "PROD_CHECK failed, RequestId 1")
        let lines = try Self.render([sample])
        #expect(
            Self.values(of: "error_message", in: "dataworks_pipeline_run_error_info", lines) == [
                "PROD_CHECK failed, RequestId 1"
            ]
        )
        records.update(
            Self.key,
            with: PipelineRunSummary(PipelineRun(id: "run-1", status: .running, createTime: 1)),
            now: 300
        )
        records.update(Self.key, with: failed("PROD_CHECK failed, RequestId 3"), now: 400)
        #expect(records[Self.key]?.run?.errorMessage == "PROD_CHECK failed, RequestId 3")
    }
}
