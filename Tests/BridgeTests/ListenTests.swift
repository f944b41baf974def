import CurlClient
import HTTPServer
import Testing

/// Listen addresses: families, several at once, errors.
struct ListenTests {
    @Test func ipv6AndIPv4AtOnce() async throws {
        try await withServer(listen: ["[::1]:0", "127.0.0.1:0"], handler: Echo.handler) { server in
            #expect(server.ports.count == 2)
            #expect(server.ports.allSatisfy { $0 > 0 })
            #expect(server.ports[0] != server.ports[1])
            try await withClient { client in
                let v6 = try await client.send(
                    HTTPRequest(method: "GET", url: url(server, "/six", host: "[::1]", index: 0))
                )
                #expect(try Echo.decode(v6).path == "/six")
                let v4 = try await client.send(
                    HTTPRequest(method: "GET", url: url(server, "/four", host: "127.0.0.1", index: 1))
                )
                #expect(try Echo.decode(v4).path == "/four")
            }
        }
    }

    @Test func emptyHostListensOnAllInterfaces() async throws {
        try await withServer(listen: [":0"], handler: Echo.handler) { server in
            try await withClient { client in
                for host in ["127.0.0.1", "[::1]"] {
                    let response = try await client.send(HTTPRequest(method: "GET", url: url(server, "/", host: host)))
                    #expect(response.status == 200)
                }
            }
        }
    }

    /// `[::]` is the IPv6 wildcard and, as with Go exporters, takes IPv4 connections too (IPv4-mapped).
    @Test func unspecifiedIPv6AddressIsDualStack() async throws {
        try await withServer(listen: ["[::]:0"], handler: Echo.handler) { server in
            try await withClient { client in
                for host in ["127.0.0.1", "[::1]"] {
                    let response = try await client.send(HTTPRequest(method: "GET", url: url(server, "/", host: host)))
                    #expect(response.status == 200, "\(host)")
                }
            }
        }
    }

    @Test(arguments: [
        "localhost:8080", "127.0.0.1", "127.0.0.1:65536", "127.0.0.1:-1", "[::1]8080", "::1:8080", "[::1:0",
    ])
    func badAddressIsRejectedByName(address: String) throws {
        let error = #expect(throws: ServerError.self) {
            _ = try HTTPServer(configuration: HTTPServer.Configuration(listenAddresses: [address])) { _ in .text("") }
        }
        #expect(error?.message.contains(address) == true)
    }

    @Test func portInUseIsRejectedByName() async throws {
        let handler: HTTPServer.Handler = { _ in .text("first") }
        try await withServer(handler: handler) { first in
            let address = "127.0.0.1:\(first.ports[0])"
            let error = #expect(throws: ServerError.self) {
                _ = try HTTPServer(
                    configuration: HTTPServer.Configuration(listenAddresses: ["127.0.0.1:0", address])
                ) { _ in .text("second") }
            }
            #expect(error?.message.contains(address) == true)
            #expect(error?.message.contains("in use") == true)
            // The first server is unaffected.
            try await withClient { client in
                let response = try await client.send(HTTPRequest(method: "GET", url: url(first, "/")))
                #expect(response.body == Array("first".utf8))
            }
        }
    }
}
