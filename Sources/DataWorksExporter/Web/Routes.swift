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
            response.headers.append(("Allow", "GET, HEAD"))
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
                    headers: [("Content-Type", format.contentType), ("Vary", "Accept")],
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
                headers: [("Content-Type", "text/html; charset=utf-8")],
                body: Array(landingPage.utf8)
            )
        }
    }

    /// The landing page: name, version, what is configured, and links.
    var landingPage: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>DataWorks Exporter</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:50em}code{background:#f3f3f3;padding:0 .2em}</style>
        </head>
        <body>
        <h1>DataWorks Exporter</h1>
        <p>Prometheus exporter for Alibaba Cloud DataWorks deployments (GetDeployment, API version 2020-05-18).</p>
        <p>Version <code>\(HTML.escape(BuildInfo.version))</code>, revision <code>\(HTML.escape(BuildInfo.revision))</code>,
        Swift <code>\(HTML.escape(BuildInfo.swiftVersion))</code>.</p>
        <p>Configured: \(HTML.escape(summary)).</p>
        <ul>
        <li><a href="\(HTML.escape(telemetryPath))">\(HTML.escape(telemetryPath))</a>: metrics</li>
        <li><a href="/-/healthy">/-/healthy</a>: liveness</li>
        <li><a href="/-/ready">/-/ready</a>: readiness</li>
        </ul>
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
