import CurlClient
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Testing

@Suite struct ProbeTests {
    static func probe(_ query: String) -> String { "/probe?" + query }
    static let allowed = "region_id=cn-zhangjiakou&project=10000"

    @Test func probeAnswersOneDeploymentWithProbeSuccessAndDuration() async throws {
        try await withFileHarness(ids: [Fixtures.success.deploymentId]) { harness in
            // 3000002 is not in the configuration, but its workspace is: it can be probed.
            let answer = try await harness.send("GET", Self.probe("\(Self.allowed)&deployment_id=3000002"))
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.contentType == Routes.textContentType)
            let samples = answer.samples
            #expect(samples["probe_success"] == 1)
            #expect(samples["probe_duration_seconds"] != nil)
            #expect(samples[series("dataworks_deployment_status", 3_000_002, #",status="failure""#)] == 1)
            #expect(samples[series("dataworks_deployment_fetch_success", 3_000_002)] == 1)
            // Only that deployment, and none of the exporter's own families.
            #expect(!answer.text.contains("3000001"))
            #expect(!answer.text.contains("dataworks_api_requests_total"))
            // The probe's API call counts in the exporter's own metrics.
            let metrics = try await harness.send("GET", "/metrics")
            #expect((metrics.samples[#"dataworks_api_requests_total{action="GetDeployment"}"#] ?? 0) >= 2)
        }
    }

    @Test func probeOfAMissingDeploymentFailsWithProbeSuccessZero() async throws {
        try await withFileHarness { harness in
            let answer = try await harness.send("GET", Self.probe("\(Self.allowed)&deployment_id=3999999"))
            #expect(answer.status == 200)
            #expect(answer.samples["probe_success"] == 0)
            #expect(!answer.text.contains("dataworks_deployment_status{"))
            #expect(harness.logs.text.contains("probe failed"))
        }
    }

    @Test func projectsOutsideTheConfigurationGet403() async throws {
        try await withFileHarness { harness in
            for query in [
                "region_id=cn-zhangjiakou&project=20000&deployment_id=3000001",
                "region_id=cn-shanghai&project=10000&deployment_id=3000001",
                // Written differently from the configuration (ProjectIdentifier instead of ProjectId).
                "region_id=cn-zhangjiakou&project=dw_demo_project&deployment_id=3000001",
            ] {
                let answer = try await harness.send("GET", Self.probe(query))
                #expect(answer.status == 403, "\(query): \(answer.text)")
                #expect(answer.text.contains("not in the exporter's configuration"))
            }
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == nil)
        }
    }

    @Test func missingOrBadParametersGet400WithTheReason() async throws {
        try await withFileHarness { harness in
            let cases: [(query: String, reason: String)] = [
                ("project=10000&deployment_id=3000001", "missing query parameter 'region_id'"),
                ("region_id=cn-zhangjiakou&deployment_id=3000001", "missing query parameter 'project'"),
                (Self.allowed, "missing query parameter 'deployment_id'"),
                ("\(Self.allowed)&deployment_id=", "missing query parameter 'deployment_id'"),
                ("\(Self.allowed)&deployment_id=abc", "deployment_id must be a positive integer"),
                ("\(Self.allowed)&deployment_id=-5", "deployment_id must be a positive integer"),
                ("\(Self.allowed)&deployment_id=1&deployment_id=2", "'deployment_id' given 2 times"),
                ("region_id=CN_X&project=10000&deployment_id=1", "region_id must be a RegionId"),
                ("region_id=cn-zhangjiakou&project=a%20b&deployment_id=1", "project must be"),
            ]
            for (query, reason) in cases {
                let answer = try await harness.send("GET", Self.probe(query))
                #expect(answer.status == 400, "\(query)")
                #expect(answer.text.contains(reason), "\(query): \(answer.text)")
            }
            let post = try await harness.send("POST", Self.probe("\(Self.allowed)&deployment_id=3000001"))
            #expect(post.status == 405)
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == nil)
        }
    }

    @Test func credentialsInTheQueryStringAreRefusedWithoutEchoingThem() async throws {
        try await withFileHarness { harness in
            let value = "LTAI5tLEAKED0000000000"
            for name in [
                "AccessKeyId", "access_key_secret", "accessKeySecret", "SecurityToken", "x-acs-security-token",
                "Signature", "password", "ALIBABA_CLOUD_ACCESS_KEY_ID",
            ] {
                let answer = try await harness.send(
                    "GET",
                    Self.probe("\(Self.allowed)&deployment_id=3000001&\(name)=\(value)")
                )
                #expect(answer.status == 400, "\(name)")
                #expect(answer.text.contains("looks like a credential"), "\(name): \(answer.text)")
                #expect(!answer.text.contains(value))
            }
            #expect(await harness.simulator.requestCounts()["GetDeployment"] == nil)
        }
    }

    /// The targets of `examples/file_sd/dataworks-deployments.yml`, turned into `/probe` URLs as the example job's
    /// relabelling does: the configured workspace (cn-zhangjiakou, 10000) answers, the other one gets 403.
    @Test func theExampleFileTargetsMakeValidProbeRequests() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(
            contentsOf: root.appendingPathComponent("examples/file_sd/dataworks-deployments.yml"),
            encoding: .utf8
        )
        var queries: [(query: String, configured: Bool)] = []
        var ids: [String] = []
        var region = ""
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- targets:") {
                ids = trimmed.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map {
                    String($0.element)
                }
            } else if trimmed.hasPrefix("__param_region_id:") {
                region = trimmed.dropFirst("__param_region_id:".count).trimmingCharacters(in: .whitespaces)
            } else if trimmed.hasPrefix("__param_project:") {
                let project = trimmed.dropFirst("__param_project:".count).trimmingCharacters(in: .whitespaces)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                for id in ids {
                    queries.append(
                        ("region_id=\(region)&project=\(project)&deployment_id=\(id)", region == Fixtures.regionId)
                    )
                }
            }
        }
        #expect(queries.count == 3)
        try await withFileHarness { harness in
            for (query, configured) in queries {
                let answer = try await harness.send("GET", Self.probe(query))
                #expect(answer.status == (configured ? 200 : 403), "\(query): \(answer.text)")
                if configured {
                    #expect(answer.samples["probe_success"] == 1, "\(query)")
                }
            }
        }
    }
}
