import CurlClient
import Foundation
import Testing

/// Prometheus exporter conventions of the built binary: `--web.route-prefix` and `--web.external-url` behind a
/// path-prefix proxy, `/probe?debug=true` as blackbox_exporter answers it, and `/probe` in OpenMetrics when asked.
@Suite struct WebConventionsTests {
    static func get(_ url: String, accept: String? = nil, client: CurlHTTPClient) async throws -> HTTPResponse {
        try await client.send(
            HTTPRequest(method: "GET", url: url, headers: accept.map { [HTTPHeader(name: "Accept", value: $0)] } ?? [])
        )
    }

    @Test(arguments: [
        ["--web.route-prefix=/dataworks"], ["--web.external-url=http://proxy.example.invalid/dataworks/"],
    ])
    func everyEndpointIsServedUnderTheRoutePrefix(flags: [String]) async throws {
        let exporter = try await ExporterProcess.start(["--demo"] + flags, environment: [:])
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let base = exporter.url + "/dataworks"
        let redirect = try await Self.get(base, client: client)
        #expect(redirect.status == 302)
        #expect(redirect.header("location") == "/dataworks/")
        let landing = try await Self.get(base + "/", client: client)
        #expect(landing.status == 200)
        let page = String(decoding: landing.body, as: UTF8.self)
        // The landing page's relative links resolve under the prefix, and each answers.
        let links = page.matches(of: try Regex(#"href="([^"]+)""#)).compactMap { $0.output[1].substring }
        #expect(links.count >= 3, "\(page)")
        for link in links {
            #expect(try await Self.get(base + "/" + link, client: client).status == 200, "\(link)")
        }
        let metrics = try await Self.get(base + "/metrics", client: client)
        #expect(metrics.status == 200)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("dataworks_up 1"))
        #expect(try await Self.get(exporter.url + "/metrics", client: client).status == 404)
        let probe = try await Self.get(
            base + "/probe?region_id=cn-zhangjiakou&project=10000&deployment_id=3000002",
            client: client
        )
        #expect(probe.status == 200)
        #expect(await exporter.stop().status == 0)
    }

    @Test func probeDebugAnswersLikeBlackboxExporterAndProbeNegotiatesOpenMetrics() async throws {
        let exporter = try await ExporterProcess.start(["--demo"], environment: [:])
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let query = "/probe?region_id=cn-zhangjiakou&project=10000&deployment_id=3000002"

        let debug = try await Self.get(exporter.url + query + "&debug=true", client: client)
        #expect(debug.status == 200)
        #expect(debug.header("content-type")?.hasPrefix("text/plain") == true)
        let text = String(decoding: debug.body, as: UTF8.self)
        let logs = try #require(text.range(of: "Logs for the probe:\n"), "\(text)")
        let metrics = try #require(text.range(of: "\n\n\nMetrics that would have been returned:\n"), "\(text)")
        let target = try #require(text.range(of: "\n\n\nTarget configuration:\n"), "\(text)")
        #expect(logs.upperBound <= metrics.lowerBound && metrics.upperBound <= target.lowerBound)
        let logLines = text[logs.upperBound..<metrics.lowerBound]
        #expect(logLines.contains(#"msg="Beginning probe""#) && logLines.contains("deployment_id=3000002"))
        #expect(logLines.contains(#"msg="Probe succeeded""#), "\(logLines)")
        #expect(text[metrics.upperBound..<target.lowerBound].contains("\nprobe_success 1\n"))
        #expect(text[target.upperBound...].contains("region_id: cn-zhangjiakou"))

        let openMetrics = try await Self.get(
            exporter.url + query,
            accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
            client: client
        )
        #expect(openMetrics.status == 200)
        #expect(openMetrics.header("content-type")?.hasPrefix("application/openmetrics-text") == true)
        #expect(String(decoding: openMetrics.body, as: UTF8.self).hasSuffix("# EOF\n"))
        let plain = try await Self.get(exporter.url + query, client: client)
        #expect(plain.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(!String(decoding: plain.body, as: UTF8.self).contains("# EOF"))
        #expect(await exporter.stop().status == 0)
    }
}
