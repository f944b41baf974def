import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import Glibc
import Logging

/// The per-call cost benchmark of issue 16: one GetDeployment call's CPU split into its parts, each measured in this
/// run beside the raw libcurl transfer of the same requests to the same upstream (``RawCurlReference``).
///
/// `dataworks-bench call-cost [calls] [rounds]` (defaults 3,000 and 3): starts `dataworks-bench simulator calls` as
/// a child process (so that the upstream's CPU is not counted), then measures, `rounds` times each, the CPU of this
/// process (`getrusage(RUSAGE_SELF)`, every thread) per call of: the raw transfer, the same pre-signed requests
/// through ``CurlHTTPClient``, signing, decoding, ``DataWorksClient/getDeployment(regionId:project:deploymentId:deadline:)``
/// and a first ``Collector`` collection of `calls` deployments. Prints the best round of each part. Not a test.
enum CallCost {
    /// Transfers in flight per client; three clients stay connected at once, within the simulator's 64 connections.
    static let concurrency = 16
    static let projectId: Int64 = 20_001
    static let userAgent = "dataworks-exporter (Linux) libcurl"

    static func run(arguments: [String]) async throws {
        let calls = max(1, arguments.first.flatMap(Int.init) ?? 3_000)
        let rounds = max(1, arguments.dropFirst().first.flatMap(Int.init) ?? 3)
        let upstream = try SimulatorProcess(deployments: calls)
        defer { upstream.stop() }
        let ids = Bench.deployments(projects: 1, perProject: calls, readyPerProject: calls / 4).map(\.deploymentId)
        let endpoint = try Endpoint.resolve(regionId: Bench.region, override: upstream.endpoint)
        let provider = StaticCredentialsProvider(
            accessKeyId: DataWorksSimulator.accessKeyId,
            accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
        )
        let credentials = try await provider.credentials()
        let sign = { (id: Int64) in signedRequest(deploymentId: id, endpoint: endpoint, credentials: credentials) }

        guard let raw = RawCurlReference(concurrency: concurrency) else {
            throw TransportError(kind: .other, code: -1, message: "libcurl did not start")
        }
        let transport = try CurlHTTPClient(configuration: .init(maxConcurrentTransfers: concurrency))
        let clientTransport = try CurlHTTPClient(configuration: .init(maxConcurrentTransfers: concurrency))
        defer {
            transport.shutdown()
            clientTransport.shutdown()
        }
        let metrics = APIMetrics(actions: [GetDeploymentRequest.action, ListDeploymentsRequest.action])
        // The exporter always has a limiter; this one never makes a call wait, but its bookkeeping runs.
        let limiter = RateLimiter(configuration: .init(rate: 1e9, burst: 1_000_000_000), logger: Bench.quiet)
        let client = DataWorksClient(
            configuration: .init(endpointOverride: upstream.endpoint),
            credentialsProvider: provider,
            transport: clientTransport,
            observer: metrics,
            rateLimiter: limiter,
            logger: Bench.quiet
        )

        // Warm-up: open every client's connections and fault in the code paths.
        let warmIds = Array(ids.prefix(concurrency * 2))
        _ = raw.run(warmIds.map(sign))
        var sample = try await sendAll(warmIds.map(sign), through: transport).sample
        _ = try await callAll(warmIds, client: client)

        var best: [Part: Double] = [:]
        var notes: [String] = []
        func keep(_ part: Part, _ seconds: Double) { best[part] = min(best[part] ?? .infinity, seconds) }
        for _ in 0..<rounds {
            var requests: [HTTPRequest] = []
            keep(.signing, cpu { requests = ids.map(sign) })
            var outcome = RawCurlReference.Outcome()
            keep(.raw, cpu { outcome = raw.run(requests) })
            if outcome.failed > 0 { notes.append("raw: \(outcome.failed) of \(calls) failed") }

            requests = ids.map(sign)
            var sent = (succeeded: 0, sample: sample)
            keep(.transport, try await cpuAsync { sent = try await sendAll(requests, through: transport) })
            sample = sent.sample
            if sent.succeeded < calls { notes.append("transport: \(calls - sent.succeeded) of \(calls) failed") }

            var decoded = 0
            keep(
                .decoding,
                cpu {
                    for _ in ids where (try? ResponseDecoder.decodeGetDeployment(sample)) != nil { decoded += 1 }
                }
            )
            if decoded < calls { notes.append("decoding: \(calls - decoded) of \(calls) failed") }

            var fetched = 0
            keep(.client, try await cpuAsync { fetched = try await callAll(ids, client: client) })
            if fetched < calls { notes.append("client: \(calls - fetched) of \(calls) failed") }

            let collector = Collector(
                client: client,
                targets: [Target(regionId: Bench.region, project: .id(projectId), deploymentIds: ids)],
                settings: .init(scrapeTimeout: .seconds(300)),
                concurrency: concurrency,
                logger: Bench.quiet,
                apiMetrics: metrics,
                rateLimiter: limiter
            )
            var snapshot: Snapshot?
            keep(.collector, await cpuAsync { snapshot = await collector.snapshot(scrapeTimeout: nil) })
            let collected = snapshot?.deployments.filter(\.fetchSucceeded).count ?? 0
            if collected < calls { notes.append("collector: \(calls - collected) of \(calls) fetched") }
        }
        report(best.mapValues { $0 * 1e6 / Double(calls) }, calls: calls, rounds: rounds, bodyBytes: sample.body.count)
        for note in Set(notes).sorted() { print("  warning: \(note)") }
        print()
        try decoderAlternatives(sample, iterations: calls, rounds: rounds, reference: best[.decoding] ?? 0)
        print()
        let parts: Double = (best[.transport] ?? 0) + (best[.signing] ?? 0) + (best[.decoding] ?? 0)
        let glueSeconds: Double = (best[.client] ?? 0) - parts
        try await glue(
            iterations: calls,
            rounds: rounds,
            client: client,
            provider: provider,
            limiter: limiter,
            metrics: metrics,
            measured: glueSeconds * 1e6 / Double(calls)
        )
    }

    // MARK: - Where the decoding and the glue go

    /// The fields ``ResponseDecoder/decodeGetDeployment(_:)`` keeps, for a Codable decode straight into them.
    struct DirectAnswer: Decodable {
        struct DataField: Decodable {
            var Deployment: DeploymentFields?
        }
        struct DeploymentFields: Decodable {
            var Status: Int?
            var Name: String?
            var CreatorId: String?
            var HandlerId: String?
            var CreateTime: Int64?
            var ExecuteTime: Int64?
            var ErrorMessage: String?
            var FromEnvironment: Int?
            var ToEnvironment: Int?
        }
        var RequestId: String?
        var Success: Bool?
        var Data: DataField?
    }

    /// A generic tree decoded through `JSONDecoder`, every value tried as Bool, Int64, Double, String, array and
    /// object in turn: how ResponseDecoder parsed JSON before issue 16 (kept as the reference its replacement by
    /// `JSONSerialization` is measured against).
    enum CodableTree: Decodable {
        case object([String: CodableTree])
        case array([CodableTree])
        case string(String)
        case integer(Int64)
        case double(Double)
        case bool(Bool)
        case null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .double(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([CodableTree].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: CodableTree].self))
            }
        }
    }

    /// The same answer decoded other ways in the same run: ResponseDecoder (JSONSerialization into its
    /// `ResponseNode` tree, then the fields read) against JSONSerialization alone, the JSONDecoder tree it replaced
    /// and a Codable struct of only the fields kept.
    static func decoderAlternatives(_ sample: HTTPResponse, iterations: Int, rounds: Int, reference: Double) throws {
        let body = Data(sample.body)
        var serialization = Double.infinity
        var codableTree = Double.infinity
        var codable = Double.infinity
        var ok = 0
        for _ in 0..<rounds {
            serialization = min(
                serialization,
                try cpu {
                    for _ in 0..<iterations where try JSONSerialization.jsonObject(with: body) is [String: Any] {
                        ok += 1
                    }
                }
            )
            codableTree = min(
                codableTree,
                try cpu {
                    let decoder = JSONDecoder()
                    for _ in 0..<iterations {
                        if case .object = try decoder.decode(CodableTree.self, from: body) { ok += 1 }
                    }
                }
            )
            codable = min(
                codable,
                try cpu {
                    let decoder = JSONDecoder()
                    for _ in 0..<iterations where try decoder.decode(DirectAnswer.self, from: body).Success == true {
                        ok += 1
                    }
                }
            )
        }
        let micros = { (seconds: Double) in seconds * 1e6 / Double(iterations) }
        let decoder = micros(reference)
        func line(_ label: String, _ value: Double) {
            print(
                "  \(label.rightPadded(to: 56))\(Bench.format(value, 1).leftPadded(to: 7))  ResponseDecoder = \(ratio(decoder, value)) this"
            )
        }
        print(
            "Decoding, the same \(sample.body.count)-byte answer (CPU-us per answer, best of \(rounds); \(ok) decoded)"
        )
        print(
            "  \("ResponseDecoder (JSONSerialization, tree, fields)".rightPadded(to: 56))\(Bench.format(decoder, 1).leftPadded(to: 7))"
        )
        line("JSONSerialization.jsonObject alone, whole body", micros(serialization))
        line("JSONDecoder into a generic enum (the decoder before)", micros(codableTree))
        line("JSONDecoder into a struct of the kept fields", micros(codable))
    }

    /// The per-call work of DataWorksClient besides transfer, signing and decoding, each piece alone in one task
    /// (no contention: a lower bound of what 16 concurrent callers pay).
    static func glue(
        iterations: Int,
        rounds: Int,
        client: DataWorksClient,
        provider: StaticCredentialsProvider,
        limiter: RateLimiter,
        metrics: APIMetrics,
        measured: Double
    ) async throws {
        var resolve = Double.infinity
        var credentials = Double.infinity
        var limiting = Double.infinity
        var observing = Double.infinity
        var clocks = Double.infinity
        var sink = 0
        let deadline = ContinuousClock.now.advanced(by: .seconds(300))
        for _ in 0..<rounds {
            resolve = min(
                resolve,
                try cpu {
                    for _ in 0..<iterations {
                        sink &+= try client.endpoint(regionId: Bench.region).port ?? 0
                    }
                }
            )
            credentials = min(
                credentials,
                try await cpuAsync {
                    for _ in 0..<iterations { sink &+= try await provider.credentials().accessKeyId.utf8.count }
                }
            )
            limiting = min(
                limiting,
                try await cpuAsync {
                    for _ in 0..<iterations {
                        try await limiter.acquire(regionId: Bench.region, deadline: deadline)
                        limiter.record(regionId: Bench.region, error: nil)
                    }
                }
            )
            observing = min(
                observing,
                await cpuAsync {
                    for _ in 0..<iterations {
                        metrics.requestFinished(
                            action: GetDeploymentRequest.action,
                            duration: .milliseconds(1),
                            error: nil
                        )
                    }
                }
            )
            clocks = min(
                clocks,
                cpu {
                    let clock = ContinuousClock()
                    for _ in 0..<iterations {
                        let start = clock.now
                        sink &+= Int(clock.now.duration(to: deadline).components.seconds)
                        sink &+= Int(start.duration(to: clock.now).components.attoseconds & 1)
                    }
                }
            )
        }
        let micros = { (seconds: Double) in Bench.format(seconds * 1e6 / Double(iterations), 2).leftPadded(to: 7) }
        let sum = (resolve + credentials + limiting + observing + clocks) * 1e6 / Double(iterations)
        print(
            "DataWorksClient glue, each piece alone in one task (CPU-us per call, best of \(rounds)) [sink \(sink & 1)]"
        )
        print("  DataWorksClient.endpoint(regionId:) (resolved once)      \(micros(resolve))")
        print("  credentialsProvider.credentials() (static)               \(micros(credentials))")
        print("  RateLimiter acquire + record (locked, no task hop)       \(micros(limiting))")
        print("  APIMetrics.requestFinished (locked, no task hop)         \(micros(observing))")
        print("  ContinuousClock reads (3 per attempt)                    \(micros(clocks))")
        print(
            "  sum \(Bench.format(sum, 1)) us alone vs \(Bench.format(measured, 1)) us measured in the whole call: the rest is task hops and contention of 16 callers"
        )
    }

    /// The parts of one call, in the order printed.
    enum Part: CaseIterable {
        case raw, transport, signing, decoding, client, collector
    }

    static func report(_ micros: [Part: Double], calls: Int, rounds: Int, bodyBytes: Int) {
        func value(_ part: Part) -> Double { micros[part] ?? 0 }
        func cell(_ part: Part) -> String { Bench.format(value(part), 1).leftPadded(to: 9) }
        let raw = value(.raw)
        let glue = value(.client) - value(.transport) - value(.signing) - value(.decoding)
        let bookkeeping = value(.collector) - value(.client)
        print(
            "Per-call cost: GetDeployment, \(calls) calls per part, \(concurrency) in flight, \(bodyBytes)-byte answers from the"
        )
        print(
            "  simulator in a child process on loopback; CPU of this process (getrusage, all threads), best of \(rounds)"
        )
        print("  part                                          CPU-us/call  beside")
        print("  raw libcurl multi transfer (reference)        \(cell(.raw))")
        print(
            "  CurlHTTPClient transfer, same requests        \(cell(.transport))  \(ratio(value(.transport), raw)) the raw transfer"
        )
        print(
            "  signing (timestamp, nonce, ACS3-HMAC-SHA256)  \(cell(.signing))  \(ratio(value(.signing), raw)) the raw transfer"
        )
        print(
            "  decoding (ResponseDecoder, one answer)        \(cell(.decoding))  \(ratio(value(.decoding), raw)) the raw transfer"
        )
        print(
            "  DataWorksClient.getDeployment, whole          \(cell(.client))  = transfer + signing + decoding + \(Bench.format(glue, 1)) (credentials, rate limiter, metrics, task hops)"
        )
        print(
            "  Collector collection, per deployment          \(cell(.collector))  = client call + \(Bench.format(bookkeeping, 1)) bookkeeping (planner, samples, snapshot)"
        )
        let whole = value(.collector)
        print(
            "  whole call / raw transfer: \(ratio(whole, raw)) (target <= 2x); CPU per 1,000 calls: \(Bench.format(whole / 1_000, 3)) s (target <= 0.10 s)"
        )
    }

    static func ratio(_ value: Double, _ reference: Double) -> String {
        reference > 0 ? Bench.format(value / reference) + "x" : "-"
    }

    // MARK: - The parts

    /// One attempt of GetDeployment, signed as ``DataWorksClient`` signs it (current time, fresh nonce, V3).
    static func signedRequest(deploymentId: Int64, endpoint: Endpoint, credentials: Credentials) -> HTTPRequest {
        let parameters = ["DeploymentId": String(deploymentId), "ProjectId": String(projectId)]
        let context = RequestSigningContext(
            endpoint: endpoint,
            credentials: credentials,
            timestamp: ACSTimestamp.format(epochSeconds: Int64(Date().timeIntervalSince1970)),
            nonce: nonce(),
            userAgent: userAgent
        )
        var request = SignedRequestBuilder.build(
            action: GetDeploymentRequest.action,
            parameters: parameters,
            context: context
        ).request
        request.connectTimeout = .seconds(5)
        request.timeout = .seconds(10)
        return request
    }

    /// 32 lowercase hex characters from the system random source.
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let words = [generator.next() as UInt64, generator.next() as UInt64]
        return words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    /// Sends `requests` through `transport`, `concurrency` at a time; returns how many got HTTP 200 and one answer.
    static func sendAll(
        _ requests: [HTTPRequest],
        through transport: CurlHTTPClient
    ) async throws -> (succeeded: Int, sample: HTTPResponse) {
        try await withThrowingTaskGroup(of: (Int, HTTPResponse?).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var succeeded = 0
                    var last: HTTPResponse?
                    for index in stride(from: worker, to: requests.count, by: concurrency) {
                        let response = try await transport.send(requests[index])
                        if response.status == 200 { succeeded += 1 }
                        last = response
                    }
                    return (succeeded, last)
                }
            }
            var total = 0
            var sample: HTTPResponse?
            for try await (succeeded, last) in group {
                total += succeeded
                sample = sample ?? last
            }
            guard let sample else {
                throw TransportError(kind: .other, code: -1, message: "no answer")
            }
            return (total, sample)
        }
    }

    /// Calls GetDeployment for every id through `client`, `concurrency` at a time; returns how many succeeded.
    static func callAll(_ ids: [Int64], client: DataWorksClient) async throws -> Int {
        let deadline = ContinuousClock.now.advanced(by: .seconds(300))
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var succeeded = 0
                    for index in stride(from: worker, to: ids.count, by: concurrency) {
                        _ = try await client.getDeployment(
                            regionId: Bench.region,
                            project: .id(projectId),
                            deploymentId: ids[index],
                            deadline: deadline
                        )
                        succeeded += 1
                    }
                    return succeeded
                }
            }
            return try await group.reduce(0, +)
        }
    }

    // MARK: - CPU time

    /// User plus system CPU seconds of this process, every thread.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    static func cpu(_ body: () throws -> Void) rethrows -> Double {
        let start = processCPUSeconds()
        try body()
        return processCPUSeconds() - start
    }

    static func cpuAsync(_ body: () async throws -> Void) async rethrows -> Double {
        let start = processCPUSeconds()
        try await body()
        return processCPUSeconds() - start
    }
}

/// `dataworks-bench simulator N` as a child process: its CPU is not this process's.
final class SimulatorProcess {
    let endpoint: String
    private let process: Process

    init(deployments: Int) throws {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        )
        process.arguments = ["simulator", String(deployments)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        self.process = process
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let field = text.split(separator: " ").first, field.hasPrefix("endpoint=") else {
            process.terminate()
            throw TransportError(kind: .other, code: -1, message: "the simulator did not start: \(text)")
        }
        endpoint = String(field.dropFirst("endpoint=".count))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

extension String {
    /// The string with spaces in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }

    /// The string with spaces after it up to `width` characters.
    func rightPadded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
