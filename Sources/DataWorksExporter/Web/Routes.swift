public import HTTPServer

/// What a scrape of the telemetry path asks for.
public struct MetricsRequest: Sendable, Hashable {
    /// `X-Prometheus-Scrape-Timeout-Seconds`, in seconds, when sent and numeric.
    public var scrapeTimeoutSeconds: Double?
    /// The format negotiated from `Accept` (``ExpositionFormat/negotiate(accept:)``).
    public var format: ExpositionFormat

    /// Creates a request.
    public init(scrapeTimeoutSeconds: Double? = nil, format: ExpositionFormat = .text) {
        self.scrapeTimeoutSeconds = scrapeTimeoutSeconds
        self.format = format
    }
}

/// The exporter's HTTP endpoints: the telemetry path (default `/metrics`), the landing page `/`, `/-/healthy`
/// and `/-/ready`.
///
/// Metrics answers are in the format the `Accept` header negotiates (text 0.0.4 or OpenMetrics 1.0.0), carry
/// `Vary: Accept`, and are gzip-compressed by the server when `Accept-Encoding` allows it.
public struct Routes: Sendable {
    /// `Content-Type` of the text exposition format 0.0.4.
    public static let textContentType = ExpositionWriter.contentType

    /// The path that serves metrics, e.g. `/metrics`.
    public var telemetryPath: String
    /// Produces the body of a metrics answer, complete in the requested format, as pieces sent one after the other
    /// without a copy; an error is the exporter's own fault and answers 500.
    public var metrics: @Sendable (_ request: MetricsRequest) async throws -> [SharedBytes]
    /// What the landing page says about the configuration, e.g. `4 deployments in 1 target`.
    public var summary: String
    /// More endpoints by path (e.g. `/probe`, `/-/reload`); each checks its own methods.
    public var additional: [String: @Sendable (ServerRequest) async -> ServerResponse]

    /// Creates the routes.
    public init(
        telemetryPath: String,
        summary: String,
        metrics: @escaping @Sendable (_ request: MetricsRequest) async throws -> [SharedBytes],
        additional: [String: @Sendable (ServerRequest) async -> ServerResponse] = [:]
    ) {
        self.telemetryPath = telemetryPath
        self.summary = summary
        self.metrics = metrics
        self.additional = additional
    }

    /// Answers one request.
    public func handle(_ request: ServerRequest) async -> ServerResponse {
        if request.path != telemetryPath, let route = additional[request.path] {
            return await route(request)
        }
        let known = [telemetryPath, "/", "/-/healthy", "/-/ready"]
        guard known.contains(request.path) else {
            return .text("404 page not found\n", status: 404)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = ServerResponse.text("405 method not allowed: use GET\n", status: 405)
            response.headers.append(HTTPHeader(name: "Allow", value: "GET, HEAD"))
            return response
        }
        switch request.path {
        case telemetryPath:
            let timeout = request.header("x-prometheus-scrape-timeout-seconds").flatMap(Double.init)
            let format = ExpositionFormat.negotiate(accept: request.header("accept"))
            do {
                let body = try await metrics(MetricsRequest(scrapeTimeoutSeconds: timeout, format: format))
                var response = ServerResponse(
                    status: 200,
                    headers: [
                        HTTPHeader(name: "Content-Type", value: format.contentType),
                        HTTPHeader(name: "Vary", value: "Accept"),
                    ],
                    segments: body
                )
                response.isCompressible = true
                return response
            } catch {
                return .text("500 internal error: \(error)\n", status: 500)
            }
        case "/-/healthy":
            return .text("Healthy\n")
        case "/-/ready":
            return .text("Ready\n")
        default:
            return ServerResponse(
                status: 200,
                headers: [HTTPHeader(name: "Content-Type", value: "text/html; charset=utf-8")],
                body: Array(landingPage.utf8)
            )
        }
    }

    /// The landing page, in the shape of the Prometheus exporter-toolkit's: name, description, a version line,
    /// links to every endpoint and a form for `/probe`. Every link is relative, so the page works behind a
    /// path-prefix proxy (`--web.route-prefix`).
    var landingPage: String {
        let metrics = HTML.escape(String(telemetryPath.dropFirst()))
        let probe = HTML.escape(String(Probe.path.dropFirst()))
        let version =
            "version=\(BuildInfo.version), revision=\(BuildInfo.revision), swiftversion=\(BuildInfo.swiftVersion)"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="UTF-8">
            <title>DataWorks Exporter</title>
            <style>
            body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;margin:0}
            header{background-color:#e6522c;color:#fff;font-size:1rem;padding:1rem}
            main{padding:1rem}label{display:inline-block;width:8em}
            </style>
            </head>
            <body>
            <header><h1>DataWorks Exporter</h1></header>
            <main>
            <h2>Prometheus exporter for Alibaba Cloud DataWorks deployments</h2>
            <div>Version: (\(HTML.escape(version)))</div>
            <div>Configured: \(HTML.escape(summary))</div>
            <div>
            <ul>
            <li><a href="\(metrics)">Metrics</a></li>
            <li><a href="-/healthy">Health</a></li>
            <li><a href="-/ready">Ready</a></li>
            </ul>
            </div>
            <h2>Probe</h2>
            <form action="\(probe)" method="get">
            <label for="region_id">RegionId:</label> <input type="text" id="region_id" name="region_id" \
            placeholder="cn-zhangjiakou"><br>
            <label for="project">Project:</label> <input type="text" id="project" name="project" \
            placeholder="10000"><br>
            <label for="deployment_id">DeploymentId:</label> <input type="text" id="deployment_id" \
            name="deployment_id" placeholder="3000002"><br>
            <label for="debug">Debug:</label> <input type="checkbox" id="debug" name="debug" value="true"><br>
            <input type="submit" value="Submit">
            </form>
            </main>
            </body>
            </html>

            """
    }
}

/// Escaping for HTML text and attribute values.
enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
