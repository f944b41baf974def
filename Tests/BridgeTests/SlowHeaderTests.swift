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

    /// File descriptors of this process that are connections accepted on `port`: the sockets of `/proc/self/fd`
    /// whose inode `/proc/net/tcp*` lists with local port `port`, in any state but LISTEN. Other tests of the process
    /// open and close descriptors meanwhile, so the process' whole count would not be a level to come back to.
    static func openConnectionDescriptors(port: Int) -> Int {
        let hexPort = String(format: ":%04X", port)
        var inodes: Set<Substring> = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // Read to the end: these files report a size of 0, and `String(contentsOfFile:)` then returns only
            // their first page (about 4 KB, 30 sockets), so a busy machine's entries for `port` were missed.
            guard let handle = FileHandle(forReadingAtPath: file), let data = try? handle.readToEnd() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[1].hasSuffix(hexPort), fields[3] != "0A" else { continue }
                inodes.insert(fields[9])
            }
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.filter { name in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name),
                target.hasPrefix("socket:["), target.hasSuffix("]")
            else { return false }
            return inodes.contains(target.dropFirst("socket:[".count).dropLast())
        }.count
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
                // While the clients hold their connections, the server holds a descriptor for each: what the
                // count below must see come back to 0.
                try await Task.sleep(for: .seconds(1))
                let held = Self.openConnectionDescriptors(port: port)
                #expect(held > 0, "no descriptor of an accepted connection seen while 40 clients are connected")
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
        // Every descriptor of an accepted connection is closed (the scrape client has shut down its keep-alive
        // connection, whose client side is this process' too but not on the server's port as local port).
        var open = Self.openConnectionDescriptors(port: port)
        for _ in 0..<50 where open > 0 {
            try await Task.sleep(for: .milliseconds(100))
            open = Self.openConnectionDescriptors(port: port)
        }
        #expect(open == 0)
        await server.stop()
    }
}
