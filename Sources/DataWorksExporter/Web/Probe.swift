public import DataWorksAPI
import Foundation
public import HTTPServer
public import Logging

/// `/probe?region_id=…&project=…&deployment_id=…`: one deployment fetched on demand, blackbox_exporter's multi-target
/// pattern.
///
/// Answers `200` with the deployment's families plus `probe_success` and `probe_duration_seconds` (`probe_success 0`
/// when the API call fails); `400` with the reason for a missing, repeated or malformed parameter, and for any query
/// parameter whose name looks like a credential (AccessKey, secret, token, signature, password): credentials never
/// travel in a URL; `403` for a region and project pair that no target of the configuration names; `405` for
/// methods other than GET and HEAD.
///
/// The answer is in the format `Accept` negotiates (text 0.0.4 or OpenMetrics 1.0.0), as `/metrics`. With
/// `debug=true` it is blackbox_exporter's debug page instead (`text/plain`): the probe's log lines, the metrics that
/// would have been returned, and the target's configuration.
public struct Probe: Sendable {
    /// The path, `/probe`.
    public static let path = "/probe"
    /// Fragments that mark a query parameter name as a credential, compared in lower case without `_`, `-` and `.`.
    static let credentialMarkers = ["accesskey", "secret", "token", "signature", "password", "credential"]

    /// The `(region_id, project)` pairs of the configuration's targets.
    let allowed: Set<Workspace>
    let client: DataWorksClient
    let settings: CollectorSettings
    let logger: Logger

    /// Creates the probe route for a configuration.
    ///
    /// - Parameters:
    ///   - targets: The configured targets; only their region and project pairs may be probed.
    ///   - client: The API client (its calls count in the API metrics and obey the rate limiter).
    ///   - settings: The collector settings, for the time budget derived from `X-Prometheus-Scrape-Timeout-Seconds`.
    ///   - logger: Receives failed probes.
    public init(targets: [Target], client: DataWorksClient, settings: CollectorSettings, logger: Logger) {
        self.allowed = Set(targets.map(\.workspace))
        self.client = client
        self.settings = settings
        self.logger = logger
    }

    /// A rejected probe request: the status and the reason sent as the body.
    struct Rejection: Error, Equatable {
        var status: Int
        var reason: String
    }

    /// Checks the method and query of a probe request.
    ///
    /// - Returns: The deployment to probe.
    /// - Throws: ``Rejection`` with status 400, 403 or 405 and the reason.
    func target(of request: ServerRequest) throws(Rejection) -> DeploymentKey {
        guard request.method == "GET" || request.method == "HEAD" else {
            throw Rejection(status: 405, reason: "405 method not allowed: use GET")
        }
        for (name, _) in request.query {
            let folded = name.lowercased().filter { $0 != "_" && $0 != "-" && $0 != "." }
            if Self.credentialMarkers.contains(where: folded.contains) {
                throw Rejection(
                    status: 400,
                    reason:
                        "query parameter '\(name)' looks like a credential: credentials are never accepted in a URL; "
                        + "the exporter signs with its own AccessKey"
                )
            }
        }
        func single(_ name: String) throws(Rejection) -> String {
            let values = request.query.filter { $0.name == name }.map(\.value)
            guard let value = values.first, !value.isEmpty else {
                throw Rejection(status: 400, reason: "missing query parameter '\(name)'")
            }
            guard values.count == 1 else {
                throw Rejection(status: 400, reason: "query parameter '\(name)' given \(values.count) times")
            }
            return value
        }
        let regionId = try single("region_id")
        guard regionId.utf8.count <= 64,
            regionId.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else {
            throw Rejection(status: 400, reason: "region_id must be a RegionId such as cn-zhangjiakou")
        }
        let rawProject = try single("project")
        let project: ProjectReference
        if rawProject.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let id = Int64(rawProject), id > 0 else {
                throw Rejection(status: 400, reason: "project must be a positive ProjectId or a ProjectIdentifier")
            }
            project = .id(id)
        } else {
            guard rawProject.utf8.count <= 128,
                rawProject.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                throw Rejection(
                    status: 400,
                    reason: "project must be a ProjectId or a ProjectIdentifier ([A-Za-z0-9_])"
                )
            }
            project = .identifier(rawProject)
        }
        let rawId = try single("deployment_id")
        guard let deploymentId = Int64(rawId), deploymentId > 0 else {
            throw Rejection(status: 400, reason: "deployment_id must be a positive integer")
        }
        guard allowed.contains(Workspace(regionId: regionId, project: project)) else {
            throw Rejection(
                status: 403,
                reason:
                    "project \(project) in region \(regionId) is not in the exporter's configuration "
                    + "(the project must be written as in the configuration: ProjectId or ProjectIdentifier)"
            )
        }
        return DeploymentKey(regionId: regionId, project: project, deploymentId: deploymentId)
    }

    /// Answers one request to `/probe`.
    public func handle(_ request: ServerRequest) async -> ServerResponse {
        let key: DeploymentKey
        do {
            key = try target(of: request)
        } catch {
            var response = ServerResponse.text(error.reason + "\n", status: error.status)
            if error.status == 405 {
                response.headers.append(HTTPHeader(name: "Allow", value: "GET, HEAD"))
            }
            return response
        }
        let debug = request.query.contains { $0.name == "debug" && $0.value.lowercased() == "true" }
        let format = debug ? ExpositionFormat.text : ExpositionFormat.negotiate(accept: request.header("accept"))
        var log = ProbeLog()
        let clock = ContinuousClock()
        let started = clock.now
        let budget = settings.budget(
            scrapeTimeout: request.header("x-prometheus-scrape-timeout-seconds").flatMap(Double.init)
        )
        log.append(
            "info",
            "Beginning probe",
            [
                ("region_id", key.regionId), ("project", "\(key.project)"), ("deployment_id", "\(key.deploymentId)"),
                ("timeout_seconds", "\(budget.seconds)"),
            ]
        )
        let sample: DeploymentSample
        do {
            let deployment = try await client.getDeployment(
                regionId: key.regionId,
                project: key.project,
                deploymentId: key.deploymentId,
                deadline: started.advanced(by: budget)
            )
            sample = DeploymentSample(
                key: key,
                deployment: deployment,
                lastSuccessTimestamp: Date().timeIntervalSince1970,
                fetchSucceeded: true
            )
            log.append(
                "info",
                "GetDeployment succeeded",
                [
                    ("status", deployment.status.map(String.init) ?? "unknown"),
                    ("duration_seconds", "\(started.duration(to: clock.now).seconds)"),
                ]
            )
        } catch {
            var metadata: Logger.Metadata = [
                "region_id": "\(key.regionId)", "project": "\(key.project)",
                "deployment_id": "\(key.deploymentId)", "error": "\(error)",
            ]
            var fields = [("error", "\(error)")]
            if let apiError = error as? APIError {
                metadata["code"] = "\(apiError.errorClass)"
                fields.append(("code", apiError.errorClass))
            }
            logger.warning("probe failed", metadata: metadata)
            log.append("error", "Probe failed", fields)
            sample = DeploymentSample(key: key, deployment: nil, lastSuccessTimestamp: nil, fetchSucceeded: false)
        }
        let duration = started.duration(to: clock.now).seconds
        let body: [UInt8]
        do {
            body = try MetricsRenderer().renderProbe(sample: sample, durationSeconds: duration, format: format)
        } catch {
            return .text("500 internal error: \(error)\n", status: 500)
        }
        guard debug else {
            return ServerResponse(
                status: 200,
                headers: [
                    HTTPHeader(name: "Content-Type", value: format.contentType),
                    HTTPHeader(name: "Vary", value: "Accept"),
                ],
                body: body
            )
        }
        log.append(
            sample.fetchSucceeded ? "info" : "error",
            sample.fetchSucceeded ? "Probe succeeded" : "Probe failed",
            [("duration_seconds", "\(duration)")]
        )
        let page =
            "Logs for the probe:\n\(log.text)\n\n\nMetrics that would have been returned:\n"
            + String(decoding: body, as: UTF8.self)
            + "\n\n\nTarget configuration:\nregion_id: \(key.regionId)\nproject: \(key.project)\n"
            + "deployment_id: \(key.deploymentId)\ntimeout_seconds: \(budget.seconds)\n"
        return .text(page)
    }
}

/// The log lines of one probe, for `/probe?debug=true`, in logfmt as blackbox_exporter prints them.
struct ProbeLog {
    private(set) var text = ""

    /// Appends `ts=… level=… msg="…" key=value…`, quoting values as logfmt requires.
    mutating func append(_ level: String, _ message: String, _ fields: [(String, String)]) {
        let timestamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        var line = "ts=\(timestamp) level=\(level) msg=\(Self.quoted(message))"
        for (name, value) in fields {
            line += " \(name)=\(Self.quoted(value))"
        }
        text += line + "\n"
    }

    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }) else {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }
}
