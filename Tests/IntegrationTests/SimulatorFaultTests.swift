import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import Testing

/// The simulator's faults for the soak: connection resets, and background faults set over HTTP.
@Suite struct SimulatorFaultTests {
    static func get(_ client: DataWorksClient) async throws -> Deployment {
        try await client.getDeployment(
            regionId: Fixtures.regionId,
            project: .id(Fixtures.projectId),
            deploymentId: 3_000_001,
            deadline: SimulatorTests.deadline
        )
    }

    @Test func resetClosesTheConnectionWithoutAnAnswer() async throws {
        try await SimulatorTests.withSimulator { simulator, transport in
            let control = try await transport.send(
                HTTPRequest(
                    method: "POST",
                    url: simulator.endpoint + "/-/simulator/faults?deployment_id=3000001&fault=reset&count=always"
                )
            )
            #expect(control.status == 200)
            let client = SimulatorTests.client(simulator, transport)
            let error = await #expect(throws: APIError.self) { try await Self.get(client) }
            #expect(error?.errorClass.hasPrefix("client_") == true, "\(String(describing: error))")
            let cleared = try await transport.send(
                HTTPRequest(method: "DELETE", url: simulator.endpoint + "/-/simulator/faults")
            )
            #expect(cleared.status == 200)
            #expect(try await Self.get(client).status == 1)
        }
    }

    @Test func backgroundFaultsAreSetOverHTTP() async throws {
        try await SimulatorTests.withSimulator { simulator, transport in
            let client = SimulatorTests.client(simulator, transport)
            let cases: [(query: String, check: @Sendable (APIError) -> Bool)] = [
                ("throttling=1", { $0.errorClass == "Throttling.User" }),
                ("reset=1", { $0.errorClass.hasPrefix("client_") }),
                ("malformed=1", { $0.errorClass == "client_parse" }),
            ]
            for (query, check) in cases {
                let control = try await transport.send(
                    HTTPRequest(method: "POST", url: simulator.endpoint + "/-/simulator/background?" + query)
                )
                #expect(control.status == 200)
                let error = await #expect(throws: APIError.self) { try await Self.get(client) }
                #expect(error.map(check) == true, "\(query): \(String(describing: error))")
            }
            let invalid = try await transport.send(
                HTTPRequest(method: "POST", url: simulator.endpoint + "/-/simulator/background?reset=2")
            )
            #expect(invalid.status == 400)
            let cleared = try await transport.send(
                HTTPRequest(method: "POST", url: simulator.endpoint + "/-/simulator/background")
            )
            #expect(cleared.status == 200)
            #expect(try await Self.get(client).status == 1)
        }
    }
}
