import CurlClient
import DataWorksAPI
import DataWorksSimulator
import Foundation
import Testing

/// The simulator as an upstream: signature checks, ListDeployments, the control endpoint.
@Suite struct SimulatorTests {
    /// Runs `body` with a simulator made by `make` (the ``Fixtures`` deployments by default) and a transport, and
    /// stops both afterwards.
    static func withSimulator(
        _ make: () throws -> DataWorksSimulator = { try DataWorksSimulator(deployments: Fixtures.all) },
        _ body: (DataWorksSimulator, CurlHTTPClient) async throws -> Void
    ) async throws {
        let simulator = try make()
        let transport = try CurlHTTPClient()
        do {
            try await body(simulator, transport)
        } catch {
            transport.shutdown()
            await simulator.stop()
            throw error
        }
        transport.shutdown()
        await simulator.stop()
    }

    static func client(_ simulator: DataWorksSimulator, _ transport: CurlHTTPClient) -> DataWorksClient {
        DataWorksClient(
            configuration: .init(endpointOverride: simulator.endpoint, retries: 0),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            transport: transport
        )
    }

    static var deadline: ContinuousClock.Instant { .now.advanced(by: .seconds(10)) }

    /// A request signed at `epochSeconds` with `nonce`, for replay and clock tests.
    static func signedRequest(_ simulator: DataWorksSimulator, epochSeconds: Int64, nonce: String) throws -> HTTPRequest
    {
        let endpoint = try Endpoint.resolve(regionId: Fixtures.regionId, override: simulator.endpoint)
        let context = RequestSigningContext(
            endpoint: endpoint,
            credentials: Credentials(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret),
                providerName: "static_ak"
            ),
            timestamp: ACSTimestamp.format(epochSeconds: epochSeconds),
            nonce: nonce
        )
        let request = GetDeploymentRequest(deploymentId: 3_000_001, projectId: Fixtures.projectId)
        return SignedRequestBuilder.build(action: "GetDeployment", parameters: request.parameters, context: context)
            .request
    }

    static func code(_ response: HTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return object?["Code"] as? String
    }

    @Test func listDeploymentsPagesThroughTheWorkspace() async throws {
        try await Self.withSimulator { simulator, transport in
            let client = Self.client(simulator, transport)
            let first = try await client.listDeployments(
                regionId: Fixtures.regionId,
                request: .init(projectId: Fixtures.projectId, pageNumber: 1, pageSize: 2),
                deadline: Self.deadline
            )
            #expect(first.totalCount == 3)
            #expect(first.deployments.map(\.id) == [3_000_001, 3_000_002])
            #expect(first.deployments[1].errorMessage == Fixtures.failure.errorMessage)
            let second = try await client.listDeployments(
                regionId: Fixtures.regionId,
                request: .init(projectIdentifier: Fixtures.projectIdentifier, pageNumber: 2, pageSize: 2),
                deadline: Self.deadline
            )
            #expect(second.deployments.map(\.id) == [3_000_003])
            let failed = try await client.listDeployments(
                regionId: Fixtures.regionId,
                request: .init(projectId: Fixtures.projectId, status: 2),
                deadline: Self.deadline
            )
            #expect(failed.deployments.map(\.id) == [3_000_002])
        }
    }

    @Test func unsignedReplayedAndStaleRequestsAreRejected() async throws {
        try await Self.withSimulator { simulator, transport in
            let unsigned = try await transport.send(
                HTTPRequest(method: "POST", url: simulator.endpoint + "/", body: Array("DeploymentId=3000001".utf8))
            )
            #expect(unsigned.status == 400)
            #expect(Self.code(unsigned) == "IncompleteSignature")

            let now = Int64(Date().timeIntervalSince1970)
            let request = try Self.signedRequest(
                simulator,
                epochSeconds: now,
                nonce: "0123456789abcdef0123456789abcdef"
            )
            #expect(try await transport.send(request).status == 200)
            let replayed = try await transport.send(request)
            #expect(Self.code(replayed) == "SignatureNonceUsed")

            let stale = try Self.signedRequest(
                simulator,
                epochSeconds: now - 3_600,
                nonce: "fedcba9876543210fedcba9876543210"
            )
            #expect(Self.code(try await transport.send(stale)) == "InvalidTimeStamp.Expired")
        }
    }

    @Test func faultsCanBeInjectedOverHTTP() async throws {
        try await Self.withSimulator { simulator, transport in
            let control = try await transport.send(
                HTTPRequest(
                    method: "POST",
                    url: simulator.endpoint + "/-/simulator/faults?deployment_id=3000001&fault=forbidden_access&count=1"
                )
            )
            #expect(control.status == 200)
            let client = Self.client(simulator, transport)
            await #expect(throws: APIError.self) {
                try await client.getDeployment(
                    regionId: Fixtures.regionId,
                    project: .id(Fixtures.projectId),
                    deploymentId: 3_000_001,
                    deadline: Self.deadline
                )
            }
            let deployment = try await client.getDeployment(
                regionId: Fixtures.regionId,
                project: .id(Fixtures.projectId),
                deploymentId: 3_000_001,
                deadline: Self.deadline
            )
            #expect(deployment.status == 1)
            #expect(await simulator.requestCounts()["GetDeployment"] == 2)
        }
    }
}
