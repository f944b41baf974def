import DataWorksAPI
import DataWorksExporter
import Foundation
import HTTPServer
import Testing
import Yams

/// The files in `examples/` and `alerts/`: every YAML document parses, every Prometheus file passes promtool, the
/// exporter configurations load.
@Suite struct ExampleTests {
    static let yamlFiles = Repository.files(under: ["examples", "alerts"], extensions: ["yml", "yaml"])

    @Test func everyYAMLDocumentParses() throws {
        #expect(Self.yamlFiles.count >= 15, "\(Self.yamlFiles)")
        for path in Self.yamlFiles {
            let documents = Array(try Yams.load_all(yaml: Repository.text(path)))
            #expect(!documents.isEmpty, "\(path) has no document")
            for document in documents {
                #expect(document is [String: Any] || document is [Any], "\(path): not a mapping or a list")
            }
        }
    }

    @Test(arguments: ["examples/prometheus.yml", "examples/demo/prometheus.yml"])
    func prometheusConfigurationPassesPromtool(path: String) async throws {
        let promtool = try #require(Repository.promtool, "promtool missing: apt-get install -y prometheus")
        let check = try await Repository.run(promtool, ["check", "config", path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 1 rule files found"), "\(check.output)")
    }

    @Test func theProbeJobTurnsFileTargetsIntoProbeParameters() throws {
        let config = try #require(try Yams.load(yaml: Repository.text("examples/prometheus.yml")) as? [String: Any])
        let jobs = try #require(config["scrape_configs"] as? [[String: Any]])
        let probe = try #require(jobs.first { $0["job_name"] as? String == "dataworks-probe" })
        #expect(probe["metrics_path"] as? String == "/probe")
        let relabel = try #require(probe["relabel_configs"] as? [[String: Any]])
        #expect(relabel.contains { $0["target_label"] as? String == "__param_deployment_id" })
        #expect(relabel.contains { $0["target_label"] as? String == "__address__" })
        let groups = try #require(
            try Yams.load(yaml: Repository.text("examples/file_sd/dataworks-deployments.yml")) as? [[String: Any]]
        )
        for group in groups {
            let labels = try #require(group["labels"] as? [String: Any])
            #expect(labels["__param_region_id"] is String && labels["__param_project"] is String)
        }
        let sharded = try #require(jobs.first { $0["job_name"] as? String == "dataworks-exporter-sharded" })
        let actions = (sharded["relabel_configs"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions == ["hashmod", "keep"])
        #expect(jobs.allSatisfy { $0["scrape_timeout"] != nil })
    }

    @Test func webConfigPassesPromtool() async throws {
        let promtool = try #require(Repository.promtool, "promtool missing: apt-get install -y prometheus")
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // promtool loads the certificate and key: make a throwaway pair where the example expects them.
        let openssl = try await Repository.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-keyout", directory.appendingPathComponent("tls.key").path,
                "-out", directory.appendingPathComponent("tls.crt").path,
            ]
        )
        try #require(openssl.status == 0, "\(openssl.output)")
        let example = try Repository.text("examples/web-config.yml")
        #expect(example.contains("/etc/dataworks-exporter/tls.crt"))
        let config = directory.appendingPathComponent("web-config.yml")
        try Data(example.replacingOccurrences(of: "/etc/dataworks-exporter/", with: directory.path + "/").utf8)
            .write(to: config)
        let check = try await Repository.run(promtool, ["check", "web-config", config.path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS"), "\(check.output)")
        // dataworks-exporter's own loader (--web.config.file) takes it too.
        let loaded = try WebConfig.load(path: config.path)
        #expect(loaded.tls?.minVersion == .tls12 && loaded.users.count == 1 && loaded.headers.count == 2)

        // The commented mutual-TLS lines, switched on (the throwaway certificate serves as the client CA).
        let mutual = directory.appendingPathComponent("web-config-mtls.yml")
        try Data(
            example.replacingOccurrences(of: "/etc/dataworks-exporter/client-ca.crt", with: "tls.crt")
                .replacingOccurrences(of: "/etc/dataworks-exporter/", with: directory.path + "/")
                .replacingOccurrences(of: "# client_auth_type:", with: "client_auth_type:")
                .replacingOccurrences(of: "# client_ca_file:", with: "client_ca_file:").utf8
        ).write(to: mutual)
        let mutualCheck = try await Repository.run(promtool, ["check", "web-config", mutual.path])
        #expect(mutualCheck.status == 0 && mutualCheck.output.contains("SUCCESS"), "\(mutualCheck.output)")
        let mutualLoaded = try WebConfig.load(path: mutual.path)
        #expect(mutualLoaded.tls?.clientCertificates == .requireAndVerify && mutualLoaded.tls?.clientCAPEM != nil)
    }

    @Test func exporterConfigurationsLoad() throws {
        let scrape = try ExporterConfig.load(path: Repository.url("examples/dataworks.yml").path)
        #expect(!scrape.targets.isEmpty)

        let manifests = Array(try Yams.load_all(yaml: Repository.text("examples/kubernetes/20-deployment.yaml")))
        let configMap = try #require(
            manifests.compactMap { $0 as? [String: Any] }.first { $0["kind"] as? String == "ConfigMap" }
        )
        let embedded = try #require((configMap["data"] as? [String: Any])?["dataworks.yml"] as? String)
        let kubernetes = try ExporterConfig.parse(yaml: embedded, file: "configmap/dataworks.yml")
        #expect(kubernetes.dataworks.network == .vpc)

        let interval = try ExporterConfig.load(path: Repository.url("examples/dataworks-interval.yml").path)
        #expect(interval.collector.mode == .interval)
        #expect(interval.collector.interval == .seconds(120))
    }

    @Test func kubernetesManifestsHaveTheExpectedKindsAndRunAsNonRoot() throws {
        var kinds: [String] = []
        var documents: [[String: Any]] = []
        for path in Repository.files(under: ["examples/kubernetes"], extensions: ["yaml"]) {
            for document in try Yams.load_all(yaml: Repository.text(path)) {
                let manifest = try #require(document as? [String: Any], "\(path)")
                kinds.append(try #require(manifest["kind"] as? String, "\(path)"))
                documents.append(manifest)
            }
        }
        #expect(
            Set(kinds).isSuperset(of: [
                "Namespace", "Deployment", "Service", "ServiceMonitor", "ServiceAccount", "ConfigMap", "PrometheusRule",
            ])
        )
        let account = try #require(documents.first { $0["kind"] as? String == "ServiceAccount" })
        let annotations = (account["metadata"] as? [String: Any])?["annotations"] as? [String: Any]
        #expect(annotations?["pod-identity.alibabacloud.com/role-name"] is String)
        let deployment = try #require(documents.first { $0["kind"] as? String == "Deployment" })
        let pod = ((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        #expect((pod?["securityContext"] as? [String: Any])?["runAsNonRoot"] as? Bool == true)
        #expect(pod?["serviceAccountName"] as? String == "dataworks-exporter")
    }

    @Test func dockerfileRunsAsANonRootUser() throws {
        let dockerfile = try Repository.text("examples/Dockerfile")
        let user = try #require(dockerfile.split(separator: "\n").last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && !user.hasSuffix(" 0") && !user.contains(" 0:"))
        #expect(dockerfile.contains("EXPOSE 19520"))
    }

    /// The build stage copies every folder that `Package.swift` names (a target's `path:`, or its default
    /// `Sources/NAME` / `Tests/NAME`): a target whose folder is not copied fails `swift build` in the image.
    @Test func dockerfileBuildStageCopiesEveryTargetFolder() throws {
        let dockerfile = try Repository.text("examples/Dockerfile")
        let buildStage = dockerfile.components(separatedBy: "\nFROM ").dropFirst().first ?? ""
        let copied = buildStage.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.first == "COPY", words.count == 3, !line.contains("--from") else { return nil }
            return String(words[1])
        }
        let manifest = try Repository.text("Package.swift")
        // Fuzz targets are added only under DATAWORKS_FUZZ=1, which the image does not set.
        let declared = manifest.components(separatedBy: "if Context.environment")[0]
        let target = try Regex(
            #"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name: "([^"]+)"(?:[^()]*?path: "([^"]+)")?"#
        )
        var folders: [String] = []
        for match in declared.matches(of: target) {
            let kind = match.output[1].substring.map(String.init) ?? ""
            let name = match.output[2].substring.map(String.init) ?? ""
            if let path = match.output[3].substring {
                folders.append(String(path))
            } else {
                folders.append((kind == "testTarget" ? "Tests/" : "Sources/") + name)
            }
        }
        #expect(folders.count > 10, "targets found in Package.swift: \(folders)")
        for folder in folders {
            #expect(
                copied.contains { source in folder == source || folder.hasPrefix(source + "/") },
                "\(folder) is not copied into the build stage (COPY lines: \(copied))"
            )
        }
    }

    @Test func systemdUnitRunsTheConfigCheckFirstAndDropsPrivileges() throws {
        let unit = try Repository.text("examples/systemd/dataworks-exporter.service")
        #expect(unit.contains("ExecStartPre=/usr/local/bin/dataworks-exporter --config.check"))
        #expect(unit.contains("DynamicUser=yes"))
        #expect(unit.contains("NoNewPrivileges=yes"))
    }

    /// `kubectl apply -f examples/kubernetes/` applies the files in name order, each file's documents in order:
    /// every namespaced object comes after the Namespace that holds it.
    @Test func kubectlApplyOfTheFolderCreatesTheNamespaceFirst() throws {
        var created: Set<String> = ["default"]
        let paths = Repository.files(under: ["examples/kubernetes"], extensions: ["yaml", "yml", "json"])
        for path in paths {
            for document in try Yams.load_all(yaml: Repository.text(path)) {
                let manifest = try #require(document as? [String: Any], "\(path)")
                let metadata = manifest["metadata"] as? [String: Any] ?? [:]
                if manifest["kind"] as? String == "Namespace" {
                    created.insert(try #require(metadata["name"] as? String))
                } else if let namespace = metadata["namespace"] as? String {
                    #expect(created.contains(namespace), "\(path): namespace \(namespace) is created later")
                }
            }
        }
    }

    /// The PrometheusRule holds exactly the groups of `alerts/dataworks.rules.yml` (`scripts/prometheusrule` writes
    /// it), and it and the ServiceMonitor carry the label kube-prometheus-stack's Prometheus selects them by.
    @Test func thePrometheusRuleHasTheSameRulesAndBothOperatorObjectsSayWhichPrometheusSelectsThem() async throws {
        let rules = try #require(try Yams.load(yaml: Repository.text("alerts/dataworks.rules.yml")) as? [String: Any])
        let rule = try #require(
            try Yams.load(yaml: Repository.text("examples/kubernetes/50-prometheusrule.yaml")) as? [String: Any]
        )
        #expect(rule["kind"] as? String == "PrometheusRule")
        let groups = try #require((rule["spec"] as? [String: Any])?["groups"])
        let expected = try JSONSerialization.data(withJSONObject: try #require(rules["groups"]), options: .sortedKeys)
        let actual = try JSONSerialization.data(withJSONObject: groups, options: .sortedKeys)
        #expect(actual == expected, "run scripts/prometheusrule")
        let check = try await Repository.run("/bin/bash", ["scripts/prometheusrule", "--check"])
        #expect(check.status == 0, "\(check.output)")

        let monitor = try #require(
            try Yams.load(yaml: Repository.text("examples/kubernetes/40-servicemonitor.yaml")) as? [String: Any]
        )
        for manifest in [rule, monitor] {
            let labels = (manifest["metadata"] as? [String: Any])?["labels"] as? [String: Any]
            #expect(labels?["release"] as? String == "kube-prometheus-stack", "\(manifest["kind"] ?? "")")
        }
        #expect(try Repository.text("examples/kubernetes/40-servicemonitor.yaml").contains("serviceMonitorSelector"))
    }
}
