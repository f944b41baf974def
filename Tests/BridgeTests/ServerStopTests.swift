import CurlClient
import HTTPServer
import Testing

/// HTTPServer.stop(): draining suspended connections without libmicrohttpd's abort.
struct ServerStopTests {
    @Test func stopCancelsASuspendedHandlerAndAnswersItsClient() async throws {
        let counter = Counter()
        let server = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0"])) { _ in
            counter.enter()
            do {
                try await Task.sleep(for: .seconds(30))
                return .text("finished")
            } catch {
                return .text("cancelled", status: 500)
            }
        }
        try await withClient { client in
            let target = url(server, "/")
            let call = Task { try await client.send(HTTPRequest(method: "GET", url: target, timeout: .seconds(30))) }
            try await waitUntil { counter.entered == 1 }
            await server.stop(gracePeriod: .milliseconds(100))
            let response = try await call.value
            #expect(response.status == 500)
            #expect(response.body == Array("cancelled".utf8))
        }
    }

    @Test func stopAnswers503ForAHandlerThatIgnoresCancellation() async throws {
        let counter = Counter()
        let server = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0"])) { _ in
            counter.enter()
            await sleepIgnoringCancellation(.seconds(3))
            return .text("too late")
        }
        try await withClient { client in
            let target = url(server, "/")
            let call = Task { try await client.send(HTTPRequest(method: "GET", url: target, timeout: .seconds(30))) }
            try await waitUntil { counter.entered == 1 }
            // Two concurrent stops wait for the same drain.
            async let other: Void = server.stop(gracePeriod: .milliseconds(100))
            await server.stop(gracePeriod: .milliseconds(100))
            await other
            let response = try await call.value
            #expect(response.status == 503)
        }
    }

    @Test func stopWaitsForHandlersWithinTheGracePeriod() async throws {
        let counter = Counter()
        let server = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0"])) { _ in
            counter.enter()
            do {
                try await Task.sleep(for: .milliseconds(300))
                return .text("finished")
            } catch {
                return .text("cancelled", status: 500)
            }
        }
        try await withClient { client in
            let target = url(server, "/")
            let call = Task { try await client.send(HTTPRequest(method: "GET", url: target)) }
            try await waitUntil { counter.entered == 1 }
            await server.stop(gracePeriod: .seconds(5))
            let response = try await call.value
            #expect(response.status == 200)
            #expect(response.body == Array("finished".utf8))
            // The listener is closed now.
            let error = await #expect(throws: TransportError.self) {
                try await client.send(HTTPRequest(method: "GET", url: target))
            }
            #expect(error?.kind == .connect)
        }
    }

    @Test func stopWithoutRequestsIsIdempotent() async throws {
        let server = try HTTPServer(
            configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0", "[::1]:0"])
        ) { _ in .text("") }
        await server.stop()
        await server.stop()
    }

    @Test func requestsOnOpenConnectionsDuringStopGet503() async throws {
        let counter = Counter()
        let server = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0"])) {
            request in
            guard request.path == "/slow" else {
                return .text("fast")
            }
            counter.enter()
            try? await Task.sleep(for: .milliseconds(500))
            return .text("slow")
        }
        try await withClient { idle in
            try await withClient { busy in
                // `idle` keeps a connection open; `busy` holds a handler running while the server stops.
                #expect(try await idle.send(HTTPRequest(method: "GET", url: url(server, "/"))).status == 200)
                let slow = Task { try await busy.send(HTTPRequest(method: "GET", url: url(server, "/slow"))) }
                try await waitUntil { counter.entered == 1 }
                async let stopped: Void = server.stop(gracePeriod: .seconds(5))
                try await Task.sleep(for: .milliseconds(100))
                let refused = try await idle.send(HTTPRequest(method: "GET", url: url(server, "/")))
                #expect(refused.status == 503)
                #expect(refused.header("connection")?.lowercased() == "close")
                #expect(idle.statistics.connectionsOpened == 1)
                #expect(try await slow.value.body == Array("slow".utf8))
                await stopped
            }
        }
    }

    @Test func droppingTheServerStopsIt() async throws {
        var port = 0
        do {
            let server = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0"])) {
                _ in .text("")
            }
            port = server.ports[0]
        }
        try await withClient { client in
            let error = await #expect(throws: TransportError.self) {
                try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
            }
            #expect(error?.kind == .connect)
        }
    }
}
