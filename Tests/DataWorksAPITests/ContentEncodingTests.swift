import CurlClient
import DataWorksAPI
import HTTPServer
import Testing

/// DataWorks calls ask for gzip through libcurl and take a gzip answer; a coding libcurl cannot decode is a
/// client_parse failure that names the coding.
struct ContentEncodingTests {
    private static let body = Array(#"{"RequestId":"r","Success":true,"Data":{"Deployment":{"Status":1}}}"#.utf8)

    private func call(
        _ handler: @escaping @Sendable (ServerRequest) async -> ServerResponse
    ) async throws -> (
        Result<Deployment, any Error>, [ServerRequest]
    ) {
        try await withFake(handler) { fake, transport in
            let client = DataWorksClient(
                configuration: .init(
                    endpointOverride: fake.url,
                    connectTimeout: .seconds(30),
                    requestTimeout: .seconds(30),
                    retries: 0
                ),
                credentialsProvider: StaticCredentialsProvider(accessKeyId: "AKID", accessKeySecret: Secret("s")),
                transport: transport
            )
            let result = await Result(catching: {
                try await client.getDeployment(
                    regionId: "cn-shanghai",
                    project: .id(1),
                    deploymentId: 2,
                    deadline: .now.advanced(by: .seconds(60))
                )
            })
            return (result, fake.requests)
        }
    }

    @Test func gzipAnswerIsAskedForAndDecoded() async throws {
        let (result, requests) = try await call { request in
            // Compressed whatever the request says: a gateway that ignores Accept-Encoding.
            ServerResponse(
                status: 200,
                headers: [
                    HTTPHeader(name: "Content-Type", value: "application/json"),
                    HTTPHeader(name: "Content-Encoding", value: "gzip"),
                ],
                body: Gzip.compress(Self.body) ?? []
            )
        }
        #expect(try result.get().status == 1)
        #expect(requests.first?.header("accept-encoding")?.contains("gzip") == true)
    }

    @Test func unknownCodingIsAParseErrorNamingIt() async throws {
        let (result, _) = try await call { _ in
            ServerResponse(
                status: 200,
                headers: [
                    HTTPHeader(name: "Content-Type", value: "application/json"),
                    HTTPHeader(name: "Content-Encoding", value: "compress"),
                ],
                body: Self.body
            )
        }
        #expect(throws: APIError.self) { try result.get() }
        guard case .failure(let error as APIError) = result else { return }
        #expect(error.errorClass == "client_parse")
        #expect(error.description.contains("\"compress\""), "\(error)")
    }
}

extension Result where Failure == any Error {
    /// The outcome of `body`.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
