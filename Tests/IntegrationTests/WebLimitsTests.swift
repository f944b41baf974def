import CurlClient
import DataWorksExporter
import DataWorksSimulator
import Foundation
import LoopbackSocket
import Testing

@Suite struct WebLimitsTests {
    /// With `--web.max-requests 1`, a second scrape while one is in flight gets 503 at once; the first one still
    /// completes with 200, and the health endpoints are not limited.
    @Test func scrapesBeyondMaxRequestsGet503() async throws {
        try await withFileHarness(ids: [Fixtures.success.deploymentId], maxRequests: 1) { harness in
            await harness.simulator.inject(.delay(.milliseconds(1_500)), deploymentId: Fixtures.success.deploymentId)
            let slow = Task { try await harness.send("GET", "/metrics") }
            try await eventually("the first scrape reaches the simulator") {
                await harness.simulator.requestCounts()["GetDeployment"] == 1
            }
            let refused = try await harness.send("GET", "/metrics")
            #expect(refused.status == 503)
            #expect(refused.text.contains("--web.max-requests"))
            let probe = try await harness.send(
                "GET",
                "/probe?region_id=cn-zhangjiakou&project=10000&deployment_id=3000001"
            )
            #expect(probe.status == 503)
            #expect(try await harness.send("GET", "/-/healthy").status == 200)
            let first = try await slow.value
            #expect(first.status == 200)
            #expect(first.samples["dataworks_up"] == 1)
            // The slot is free again.
            #expect(try await harness.send("GET", "/metrics").status == 200)
        }
    }

    @Test func maxRequestsZeroMeansNoLimit() async throws {
        try await withFileHarness(ids: [Fixtures.success.deploymentId], maxRequests: 0) { harness in
            await harness.simulator.inject(.delay(.milliseconds(1_000)), deploymentId: Fixtures.success.deploymentId)
            let slow = Task { try await harness.send("GET", "/metrics") }
            try await eventually("the first scrape reaches the simulator") {
                await harness.simulator.requestCounts()["GetDeployment"] == 1
            }
            // Joins the collection in flight instead of being refused.
            #expect(try await harness.send("GET", "/metrics").status == 200)
            #expect(try await slow.value.status == 200)
        }
    }

    /// With `--web.max-connections 1`, an idle connection holds the only slot: another client is not served until
    /// it closes.
    @Test func connectionsBeyondMaxConnectionsAreRefused() async throws {
        try await withFileHarness(maxConnections: 1) { harness in
            // A completed keep-alive request proves the server accepted the connection, which stays open.
            let idle = try RawConnection(port: harness.exporter.ports[0])
            #expect(try await offPool { idle.get("/-/healthy") }.hasPrefix("HTTP/1.1 200"))
            await #expect(throws: (any Error).self) {
                _ = try await harness.send("GET", "/-/healthy", timeout: .seconds(2))
            }
            idle.close()
            try await eventually("a new connection is served once the idle one closed") {
                (try? await harness.send("GET", "/-/healthy", timeout: .seconds(2)))?.status == 200
            }
        }
    }
}

/// A TCP connection to 127.0.0.1 that sends nothing until told to.
final class RawConnection: @unchecked Sendable {
    private let socket: LoopbackSocket

    init(port: Int) throws {
        socket = try LoopbackSocket(port: port, receiveTimeout: 10)
    }

    /// Sends a keep-alive `GET path` and returns the answer (empty when none came within 10 s).
    func get(_ path: String) -> String {
        send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return readAnswer()
    }

    /// Sends `text` as is.
    func send(_ text: String) {
        socket.send(text)
    }

    /// Reads one answer: the head, then `Content-Length` bytes of body (or until the server closes); gives up after
    /// 10 s without data.
    func readAnswer() -> String {
        var received: [UInt8] = []
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let headEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headEnd.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                if let length, text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length {
                    return text
                }
            }
            guard let chunk = socket.receive(), !chunk.isEmpty else { return String(decoding: received, as: UTF8.self) }
            received += chunk
        }
    }

    func close() {
        socket.close()
    }
}
