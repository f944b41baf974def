import CurlClient
import HTTPServer
import Testing

/// CurlHTTPClient: concurrency, reuse, errors, cancellation, shutdown.
struct ClientTests {
    @Test func concurrencyCapIsHonoured() async throws {
        let counter = Counter()
        let handler: HTTPServer.Handler = { _ in
            counter.enter()
            try? await Task.sleep(for: .milliseconds(200))
            counter.leave()
            return .text("ok")
        }
        try await withServer(handler: handler) { server in
            try await withClient(maxConcurrentTransfers: 4) { client in
                let target = url(server, "/slow")
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<16 {
                        group.addTask { try await client.send(HTTPRequest(method: "GET", url: target)).status }
                    }
                    for try await status in group {
                        #expect(status == 200)
                    }
                }
                #expect(counter.entered == 16)
                #expect(counter.maximum <= 4)
                // It did run transfers in parallel.
                #expect(counter.maximum >= 2)
                #expect(client.statistics.transfers == 16)
                #expect(client.statistics.connectionsOpened <= 4)
            }
        }
    }

    @Test func sequentialRequestsReuseTheConnection() async throws {
        let handler: HTTPServer.Handler = { _ in .text("ok") }
        try await withServer(handler: handler) { server in
            try await withClient { client in
                for _ in 0..<5 {
                    let response = try await client.send(HTTPRequest(method: "GET", url: url(server, "/")))
                    #expect(response.status == 200)
                }
                let statistics = client.statistics
                #expect(statistics.transfers == 5)
                #expect(statistics.connectionsOpened == 1)
            }
        }
    }

    @Test func slowServerGivesTimeout() async throws {
        let handler: HTTPServer.Handler = { _ in
            try? await Task.sleep(for: .seconds(5))
            return .text("late")
        }
        try await withServer(handler: handler) { server in
            try await withClient { client in
                let error = await #expect(throws: TransportError.self) {
                    try await client.send(
                        HTTPRequest(method: "GET", url: url(server, "/"), timeout: .milliseconds(300))
                    )
                }
                #expect(error?.kind == .timeout)
            }
        }
    }

    @Test func deadPortGivesConnect() async throws {
        let server = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0"])) { _ in
            .text("")
        }
        let port = server.ports[0]
        await server.stop()
        try await withClient { client in
            let error = await #expect(throws: TransportError.self) {
                try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
            }
            #expect(error?.kind == .connect)
        }
    }

    @Test func cancellingTheCallerAbortsAnInFlightTransfer() async throws {
        let counter = Counter()
        let handler: HTTPServer.Handler = { _ in
            counter.enter()
            try? await Task.sleep(for: .seconds(10))
            return .text("late")
        }
        try await withServer(handler: handler) { server in
            try await withClient { client in
                let target = url(server, "/slow")
                let call = Task {
                    try await client.send(HTTPRequest(method: "GET", url: target, timeout: .seconds(30)))
                }
                try await waitUntil { counter.entered == 1 }
                call.cancel()
                await #expect(throws: CancellationError.self) { try await call.value }
                // The client carries on.
                let statistics = client.statistics
                #expect(statistics.transfers == 0)
            }
        }
    }

    @Test func cancellingAQueuedRequestRemovesIt() async throws {
        let counter = Counter()
        let handler: HTTPServer.Handler = { _ in
            counter.enter()
            try? await Task.sleep(for: .seconds(1))
            return .text("ok")
        }
        try await withServer(handler: handler) { server in
            try await withClient(maxConcurrentTransfers: 1) { client in
                let target = url(server, "/")
                let first = Task { try await client.send(HTTPRequest(method: "GET", url: target)) }
                try await waitUntil { counter.entered == 1 }
                let queued = Task { try await client.send(HTTPRequest(method: "GET", url: target)) }
                try await Task.sleep(for: .milliseconds(50))
                queued.cancel()
                await #expect(throws: CancellationError.self) { try await queued.value }
                #expect(try await first.value.status == 200)
                #expect(counter.entered == 1)
            }
        }
    }

    @Test func alreadyCancelledTaskThrowsAtOnce() async throws {
        try await withClient { client in
            let call = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:9/"))
            }
            await #expect(throws: CancellationError.self) { try await call.value }
        }
    }

    @Test func shutdownFailsPendingTransfersAndLaterSends() async throws {
        let counter = Counter()
        let handler: HTTPServer.Handler = { _ in
            counter.enter()
            try? await Task.sleep(for: .seconds(5))
            return .text("late")
        }
        try await withServer(handler: handler) { server in
            let client = try CurlHTTPClient()
            let target = url(server, "/")
            let call = Task { try await client.send(HTTPRequest(method: "GET", url: target)) }
            try await waitUntil { counter.entered == 1 }
            client.shutdown()
            client.shutdown()
            await #expect(throws: CancellationError.self) { try await call.value }
            await #expect(throws: CancellationError.self) {
                try await client.send(HTTPRequest(method: "GET", url: target))
            }
        }
    }

    @Test func invalidHeaderIsRejected() async throws {
        try await withClient { client in
            let error = await #expect(throws: TransportError.self) {
                try await client.send(
                    HTTPRequest(
                        method: "GET",
                        url: "http://127.0.0.1:9/",
                        headers: [HTTPHeader(name: "X-Bad", value: "a\r\nInjected: yes")]
                    )
                )
            }
            #expect(error?.kind == .other)
        }
    }
}

@Suite struct ProxyTests {
    @Test func requestsGoThroughTheProxyUnlessTheyBypassIt() async throws {
        let handler: HTTPServer.Handler = { _ in .text("direct") }
        try await withServer(handler: handler) { server in
            try await withClient { client in
                let target = url(server, "/")
                // Nothing listens on port 1: a request that uses the proxy cannot connect.
                let proxied = await #expect(throws: TransportError.self) {
                    try await client.send(HTTPRequest(method: "GET", url: target, proxy: "http://127.0.0.1:1"))
                }
                #expect(proxied?.kind == .connect)
                let direct = try await client.send(
                    HTTPRequest(method: "GET", url: target, proxy: "http://127.0.0.1:1", bypassesProxy: true)
                )
                #expect(direct.status == 200)
                // The pooled handle is reset: the next request without options uses no proxy again.
                #expect(try await client.send(HTTPRequest(method: "GET", url: target)).status == 200)
            }
        }
    }
}
