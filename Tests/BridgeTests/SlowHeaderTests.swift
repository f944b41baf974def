import CurlClient
import Foundation
import Glibc
import HTTPServer
import LoopbackSocket
import Testing

/// Connections whose request headers are not complete within the connection timeout, counted from the connection's
/// start, are closed however slowly the bytes trickle in; other clients keep being served.
@Suite struct SlowHeaderTests {
    /// The header limit of the server under test, in seconds.
    static let limit = 3
    /// How much later than the limit a connection may be closed (the sweep runs every 300 ms; a loaded machine).
    static let margin = 3.0

    /// Runs `body` on a thread of its own (blocking socket calls must not hold the cooperative pool).
    static func onThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    /// A client that sends one header byte about every second (each `receive` waits up to 1 s) and never finishes;
    /// returns the seconds until the server closed the connection, or `nil` when it was still open after 15 s.
    static func trickle(port: Int) -> Double? {
        guard let socket = try? LoopbackSocket(port: port, receiveTimeout: 1) else { return nil }
        defer { socket.close() }
        let start = Date()
        let request =
            Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8) + Array(repeating: 0x61, count: 64)
        for byte in request {
            if socket.send([byte]) < 0 { return Date().timeIntervalSince(start) }
            if socket.receive(upTo: 64) == [] { return Date().timeIntervalSince(start) }
            if Date().timeIntervalSince(start) > 15 { return nil }
        }
        return nil
    }

    /// A client that connects and sends nothing; returns the seconds until the server closed the connection.
    static func silent(port: Int) -> Double? {
        guard let socket = try? LoopbackSocket(port: port, receiveTimeout: 15) else { return nil }
        defer { socket.close() }
        let start = Date()
        return socket.receive(upTo: 64) == [] ? Date().timeIntervalSince(start) : nil
    }

    /// Server-side sockets of `port` that are still open (ESTABLISHED or CLOSE_WAIT in `/proc/net/tcp*`).
    static func openServerSockets(port: Int) -> Int {
        let hexPort = String(format: ":%04X", port)
        var count = 0
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[1].hasSuffix(hexPort) else { continue }
                if fields[3] == "01" || fields[3] == "08" { count += 1 }
            }
        }
        return count
    }

    @Test func tricklingAndSilentClientsAreClosedWithinTheLimitWhileScrapesGoOn() async throws {
        let server = try HTTPServer(
            configuration: HTTPServer.Configuration(
                listenAddresses: ["127.0.0.1:0"],
                connectionLimit: 64,
                connectionTimeout: Self.limit
            )
        ) { _ in .text("ok") }
        let port = server.ports[0]
        let scrapeStatuses = try await withClient { client in
            try await withThrowingTaskGroup(of: [Double?].self) { group in
                for index in 0..<40 {
                    group.addTask {
                        [await Self.onThread { index % 2 == 0 ? Self.trickle(port: port) : Self.silent(port: port) }]
                    }
                }
                // Normal scrapes beside them, every 250 ms for the whole test.
                let scrapes = Task {
                    var statuses: [Int] = []
                    let end = Date().addingTimeInterval(Double(Self.limit) + Self.margin)
                    while Date() < end {
                        let response = try? await client.send(
                            HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics", timeout: .seconds(5))
                        )
                        statuses.append(response?.status ?? 0)
                        try? await Task.sleep(for: .milliseconds(250))
                    }
                    return statuses
                }
                var closedAfter: [Double?] = []
                for try await result in group {
                    closedAfter += result
                }
                let limit = Double(Self.limit)
                let late = closedAfter.filter { $0 == nil || $0! > limit + Self.margin }
                #expect(late.isEmpty, "closed after (s): \(closedAfter)")
                // Not closed early either: the limit counts from the start.
                #expect(closedAfter.compactMap { $0 }.allSatisfy { $0 >= limit - 0.5 }, "\(closedAfter)")
                return await scrapes.value
            }
        }
        #expect(!scrapeStatuses.isEmpty)
        #expect(scrapeStatuses.allSatisfy { $0 == 200 }, "\(scrapeStatuses)")
        // Every server-side socket is released (the scrape client has shut down its keep-alive connection).
        var open = Self.openServerSockets(port: port)
        for _ in 0..<50 where open > 0 {
            try await Task.sleep(for: .milliseconds(100))
            open = Self.openServerSockets(port: port)
        }
        #expect(open == 0)
        await server.stop()
    }
}
