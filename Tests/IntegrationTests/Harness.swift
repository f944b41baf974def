import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import LockedValue
import Logging
import Testing

/// Fixed deployments with known values, so tests can assert exact samples.
enum Fixtures {
    static let regionId = "cn-zhangjiakou"
    static let projectId: Int64 = 10000
    static let projectIdentifier = "dw_demo_project"

    static let success = SimulatedDeployment(
        deploymentId: 3_000_001,
        projectId: projectId,
        projectIdentifier: projectIdentifier,
        name: "ods_user_info_d-2020-07-04_200300000001",
        status: 1,
        creatorId: "200300000001",
        handlerId: "200300000001",
        createTime: 1_593_877_765_000,
        executeTime: 1_593_877_825_500,
        fromEnvironment: 0,
        toEnvironment: 1
    )
    static let failure = SimulatedDeployment(
        deploymentId: 3_000_002,
        projectId: projectId,
        projectIdentifier: projectIdentifier,
        name: "dwd_orders_di-2020-07-04_200300000002",
        status: 2,
        creatorId: "200300000002",
        handlerId: "200300000002",
        createTime: 1_593_877_765_000,
        executeTime: 1_593_881_400_000,
        errorMessage: "The connection \"orders\" does not exist.\nCheck C:\\conf: 连接不存在",
        fromEnvironment: 1,
        toEnvironment: 2
    )
    static let ready = SimulatedDeployment(
        deploymentId: 3_000_003,
        projectId: projectId,
        projectIdentifier: projectIdentifier,
        name: "ads_gmv_summary_d",
        status: 0,
        creatorId: "200300000003",
        createTime: 1_593_880_000_000,
        fromEnvironment: 1,
        toEnvironment: 2
    )
    static let all = [success, failure, ready]
}

/// A simulator and an exporter pointed at it, both on loopback with free ports, plus a libcurl client to scrape.
struct Harness {
    let simulator: DataWorksSimulator
    let exporter: Exporter
    let client: CurlHTTPClient
    let logs: LogCapture

    /// A scrape answer.
    struct Scrape {
        var status: Int
        var contentType: String?
        var text: String

        /// Sample values keyed by the series as written, e.g. `dataworks_up` or `x{a="b"}`.
        var samples: [String: Double] {
            var result: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " ") else { continue }
                result[String(line[..<space])] = Double(line[line.index(after: space)...])
            }
            return result
        }
    }

    static func config(
        endpoint: String,
        project: String,
        ids: [Int64],
        dataworks: String = "",
        collector: String = ""
    )
        -> String
    {
        """
        dataworks:
          endpoint: \(endpoint)
        \(dataworks)
        collector:
          scrape_timeout: 10s
        \(collector)
        targets:
          - region_id: \(Fixtures.regionId)
            \(project)
            deployment_ids: [\(ids.map(String.init).joined(separator: ", "))]

        """
    }

    static func start(
        deployments: [SimulatedDeployment] = Fixtures.all,
        project: String = "project_id: \(Fixtures.projectId)",
        dataworks: String = "",
        collector: String = "",
        secret: String = DataWorksSimulator.accessKeySecret,
        securityToken: String? = nil
    ) async throws -> Harness {
        let simulator = try DataWorksSimulator(deployments: deployments)
        let yaml = config(
            endpoint: simulator.endpoint,
            project: project,
            ids: deployments.map(\.deploymentId),
            dataworks: dataworks,
            collector: collector
        )
        let config = try ExporterConfig.parse(yaml: yaml, file: "test.yml")
        let logs = LogCapture()
        let exporter = try Exporter(
            config: config,
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(secret),
                securityToken: securityToken.map { Secret($0) }
            ),
            options: .init(listenAddresses: ["127.0.0.1:0"]),
            logger: logs.logger
        )
        return Harness(simulator: simulator, exporter: exporter, client: try CurlHTTPClient(), logs: logs)
    }

    var baseURL: String { "http://127.0.0.1:\(exporter.ports[0])" }

    func get(_ path: String, headers: [HTTPHeader] = []) async throws -> Scrape {
        let response = try await client.send(
            HTTPRequest(method: "GET", url: baseURL + path, headers: headers, timeout: .seconds(30))
        )
        return Scrape(
            status: response.status,
            contentType: response.header("Content-Type"),
            text: String(decoding: response.body, as: UTF8.self)
        )
    }

    func scrape(timeout: Double? = nil) async throws -> Scrape {
        let headers = timeout.map { [HTTPHeader(name: "X-Prometheus-Scrape-Timeout-Seconds", value: "\($0)")] } ?? []
        return try await get("/metrics", headers: headers)
    }

    func stop() async {
        await exporter.stop()
        await simulator.stop()
        client.shutdown()
    }
}

/// Runs `body` with a started harness and always stops it.
func withHarness(
    deployments: [SimulatedDeployment] = Fixtures.all,
    project: String = "project_id: \(Fixtures.projectId)",
    dataworks: String = "",
    collector: String = "",
    secret: String = DataWorksSimulator.accessKeySecret,
    securityToken: String? = nil,
    _ body: (Harness) async throws -> Void
) async throws {
    let harness = try await Harness.start(
        deployments: deployments,
        project: project,
        dataworks: dataworks,
        collector: collector,
        secret: secret,
        securityToken: securityToken
    )
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

/// Collects log lines in memory.
final class LogCapture: Sendable {
    private let lines = Locked<[String]>([])

    var logger: Logger {
        Logger(label: "test") { label in
            LineLogHandler(label: label, format: .logfmt, level: .debug) { [self] line in
                append(line)
            }
        }
    }

    private func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var text: String { lines.withLock { $0.joined() } }
}

/// The labels of a per-deployment series in the harness's default target.
func series(_ name: String, _ deploymentId: Int64, project: String = "10000", _ extra: String = "") -> String {
    "\(name){region_id=\"cn-zhangjiakou\",project=\"\(project)\",deployment_id=\"\(deploymentId)\"\(extra)}"
}
