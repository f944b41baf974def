import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import LockedValue
import Logging

/// The quota benchmark of issue 3: API calls against the naive strategy and the lower bound (fast clock), the time of
/// a 1,000-deployment collection against the ideal, and a throttling storm. Each figure is printed beside its
/// reference from the same run. Not a test: nothing here is asserted.
@main
struct Bench {
    static let region = "cn-zhangjiakou"
    static let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        // Standalone simulators (scripts/soak, scripts/bench) and the scale benchmark's modes; anything else is the
        // quota benchmark.
        switch arguments.first {
        case "simulator": return try await SoakSimulator.run(arguments: Array(arguments.dropFirst()))
        case "scale-simulator": return try await ScaleBench.simulator(arguments: Array(arguments.dropFirst()))
        case "discovery-simulator": return try await DiscoveryScale.run(arguments: Array(arguments.dropFirst()))
        case "exposition": return try await ScaleBench.exposition(arguments: Array(arguments.dropFirst()))
        case "exposition-once": return try await ScaleBench.expositionOnce(arguments: Array(arguments.dropFirst()))
        case "call-cost": return try await CallCost.run(arguments: Array(arguments.dropFirst()))
        case "quota-pipeline-runs":
            // The pipeline-run workload of the quota benchmark alone (`scripts/bench-quota --pipeline-runs`).
            return try await PipelineRunQuota.run(scrapes: arguments.dropFirst().first.flatMap(Int.init) ?? 240)
        default: break
        }
        // `quota [storm-seconds]`, `quota --smoke`, or (as before) just `[storm-seconds]`.
        let quota = arguments.first == "quota" ? arguments.dropFirst() : arguments
        let smoke = quota.first == "--smoke"
        let stormSeconds = smoke ? 2 : quota.first.flatMap(Int.init) ?? 60
        print(
            "dataworks-exporter quota benchmark (simulator on loopback)\(smoke ? ", smoke mode: figures not judged" : "")\n"
        )
        try await apiCalls(scrapes: smoke ? 8 : 240)
        try await PipelineRunQuota.run(scrapes: smoke ? 8 : 240)
        try await scrapeTime()
        try await throttlingStorm(seconds: stormSeconds, calm: smoke ? 1 : 5, recovery: smoke ? 1 : 10)
    }

    // MARK: - Fixtures

    /// `perProject` deployments in each of `projects` workspaces; `ready` of each workspace's are ready.
    static func deployments(projects: Int, perProject: Int, readyPerProject: Int) -> [SimulatedDeployment] {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        var result: [SimulatedDeployment] = []
        for project in 0..<projects {
            for index in 0..<perProject {
                let id = Int64(5_000_000 + project * 100_000 + index)
                let ready = index < readyPerProject
                result.append(
                    SimulatedDeployment(
                        deploymentId: id,
                        projectId: Int64(20_001 + project),
                        projectIdentifier: "dw_bench_\(project)",
                        name: "pkg_\(id)",
                        status: ready ? 0 : (index % 10 == 9 ? 2 : 1),
                        creatorId: "200300000001",
                        handlerId: ready ? nil : "200300000001",
                        createTime: now - Int64(index) * 60_000,
                        executeTime: ready ? nil : now - Int64(index) * 60_000 + 30_000,
                        errorMessage: ready || index % 10 != 9 ? nil : "failed"
                    )
                )
            }
        }
        return result
    }

    static func targets(_ deployments: [SimulatedDeployment]) -> [Target] {
        var byProject: [Int64: [Int64]] = [:]
        for deployment in deployments {
            byProject[deployment.projectId, default: []].append(deployment.deploymentId)
        }
        return byProject.keys.sorted().map { project in
            Target(regionId: region, project: .id(project), deploymentIds: byProject[project] ?? [])
        }
    }

    static func client(
        endpoint: String,
        transport: CurlHTTPClient,
        metrics: APIMetrics,
        limiter: RateLimiter? = nil,
        retries: Int = 2
    ) -> DataWorksClient {
        DataWorksClient(
            configuration: .init(endpointOverride: endpoint, retries: retries),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            transport: transport,
            observer: metrics,
            rateLimiter: limiter,
            logger: quiet
        )
    }

    static func format(_ value: Double, _ digits: Int = 2) -> String {
        String(format: "%.\(digits)f", value)
    }

    // MARK: - 1. API calls over a simulated hour

    static func apiCalls(scrapes: Int) async throws {
        let step = 15.0
        var fleet = deployments(projects: 5, perProject: 200, readyPerProject: 4)
        let simulator = try DataWorksSimulator(deployments: fleet)
        let transport = try CurlHTTPClient(configuration: .init(maxConcurrentTransfers: 32))
        let metrics = APIMetrics(actions: ["GetDeployment", "ListDeployments"])
        let start = Date().timeIntervalSince1970
        let now = Locked(start)
        let collector = Collector(
            client: client(endpoint: simulator.endpoint, transport: transport, metrics: metrics),
            targets: targets(fleet),
            settings: .init(scrapeTimeout: .seconds(30)),
            concurrency: 32,
            logger: quiet,
            apiMetrics: metrics,
            wallClock: { now.withLock { $0 } }
        )
        // Every ready deployment runs (success, or failure for one in five) at a random time in the hour.
        var generator = SeededGenerator(seed: 42)
        var changeAt: [Int: Double] = [:]
        for (index, deployment) in fleet.enumerated() where deployment.status == 0 {
            changeAt[index] = Double.random(in: 0..<Double(scrapes) * step, using: &generator)
        }
        var changes = 0
        var visible = 0
        var pagesLowerBound = 0
        for cycle in 0..<scrapes {
            let time = start + Double(cycle) * step
            now.withLock { $0 = time }
            // The lower bound needs one page per cycle for each workspace that still has a ready deployment.
            pagesLowerBound += Set(fleet.filter { $0.status == 0 }.map(\.projectId)).count
            var changedNow: [SimulatedDeployment] = []
            for (index, at) in changeAt where at <= Double(cycle) * step && fleet[index].status == 0 {
                fleet[index].status = index % 5 == 0 ? 2 : 1
                fleet[index].executeTime = Int64(time * 1_000)
                fleet[index].handlerId = "200300000002"
                fleet[index].errorMessage = fleet[index].status == 2 ? "failed" : nil
                await simulator.upsert(fleet[index])
                changedNow.append(fleet[index])
            }
            changes += changedNow.count
            let snapshot = await collector.snapshot(scrapeTimeout: nil)
            let byId = Dictionary(
                snapshot.deployments.map { ($0.key.deploymentId, $0.deployment?.status?.code) },
                uniquingKeysWith: { first, _ in first }
            )
            visible += changedNow.filter { byId[$0.deploymentId] == $0.status }.count
        }
        let counts = await simulator.requestCounts()
        let spent = counts.values.reduce(0, +)
        let naive = scrapes * fleet.count
        let lowerBound = fleet.count + pagesLowerBound + changes
        print(
            "1. API calls: 1,000 deployments in 5 workspaces, 2% ready, scraped every 15 s for \(scrapes * 15 / 60) simulated minutes"
        )
        print("   (fast clock: \(scrapes) collections back to back; terminal_refresh 1h)")
        print(
            "   planner:      \(spent) calls (GetDeployment \(counts["GetDeployment"] ?? 0), ListDeployments \(counts["ListDeployments"] ?? 0))"
        )
        print(
            "   naive:        \(naive) calls (one GetDeployment per deployment per scrape)  -> \(format(Double(naive) / Double(spent), 1))x fewer (target >= 50x)"
        )
        print(
            "   lower bound:  \(lowerBound) calls (\(fleet.count) first fetches + \(pagesLowerBound) pages + \(changes) status changes)  -> \(format(Double(spent) / Double(lowerBound))) x the bound (target <= 2x)"
        )
        print("   status changes visible within one cycle: \(visible)/\(changes)\n")
        await simulator.stop()
        transport.shutdown()
    }

    // MARK: - 2. Collection time with slow answers

    static func scrapeTime() async throws {
        let fleet = deployments(projects: 1, perProject: 1_000, readyPerProject: 0)
        let simulator = try DataWorksSimulator(deployments: fleet)
        await simulator.setBackground(delay: .milliseconds(50))
        let concurrency = 32
        let transport = try CurlHTTPClient(configuration: .init(maxConcurrentTransfers: concurrency))
        let metrics = APIMetrics()
        let collector = Collector(
            client: client(endpoint: simulator.endpoint, transport: transport, metrics: metrics),
            targets: targets(fleet),
            settings: .init(scrapeTimeout: .seconds(60)),
            concurrency: concurrency,
            logger: quiet
        )
        let clock = ContinuousClock()
        let started = clock.now
        let snapshot = await collector.snapshot(scrapeTimeout: nil)
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let ideal = Double((fleet.count + concurrency - 1) / concurrency) * 0.05
        print(
            "2. Collection time: 1,000 deployments, every answer delayed 50 ms, concurrency 32 (first, all-GetDeployment cycle)"
        )
        print(
            "   measured:     \(format(seconds, 3)) s, \(snapshot.deployments.filter(\.fetchSucceeded).count)/1000 fetched"
        )
        print(
            "   ideal:        \(format(ideal, 3)) s = ceil(1000/32) x 50 ms  -> \(format(seconds / ideal)) x ideal (target <= 1.2x)\n"
        )
        await simulator.stop()
        transport.shutdown()
    }

    // MARK: - 3. Throttling storm

    static func throttlingStorm(seconds: Int, calm: Int, recovery: Int) async throws {
        // 100 ready deployments in 100 workspaces: every cycle wants 100 GetDeployment calls, far above the limit.
        var fleet: [SimulatedDeployment] = []
        for project in 0..<100 {
            fleet += deployments(projects: 1, perProject: 1, readyPerProject: 1).map { deployment in
                var copy = deployment
                copy.deploymentId += Int64(project)
                copy.projectId += Int64(project)
                return copy
            }
        }
        let simulator = try DataWorksSimulator(deployments: fleet)
        let rate = 20.0
        let yaml = """
            dataworks:
              endpoint: \(simulator.endpoint)
              rate_limit: \(Int(rate))
              burst: \(Int(rate))
              concurrency: 16
            collector:
              scrape_timeout: 5s
            targets:
            \(targets(fleet).map { "  - {region_id: \($0.regionId), project_id: \($0.project), deployment_ids: \($0.deploymentIds)}" }.joined(separator: "\n"))
            """
        let exporter = try Exporter(
            config: try ExporterConfig.parse(yaml: yaml, file: "bench.yml"),
            credentialsProvider: StaticCredentialsProvider(
                accessKeyId: DataWorksSimulator.accessKeyId,
                accessKeySecret: Secret(DataWorksSimulator.accessKeySecret)
            ),
            options: .init(listenAddresses: ["127.0.0.1:0"]),
            logger: quiet
        )
        let http = try CurlHTTPClient()
        let url = "http://127.0.0.1:\(exporter.ports[0])/metrics"
        let total = calm + seconds + recovery
        print(
            "3. Throttling storm: rate_limit \(Int(rate))/s, 100 deployments wanting 100 calls per scrape, back-to-back scrapes;"
        )
        print("   the simulator answers 30% Throttling.User from second \(calm) to \(calm + seconds)")
        print("   second  phase   calls/s  (limit \(Int(rate)))  effective limit  scrapes")
        let clock = ContinuousClock()
        let begin = clock.now
        var previous = 0
        var statuses: [Int: Int] = [:]
        var stormRates: [Double] = []
        for second in 0..<total {
            if second == calm { await simulator.setBackground(throttlingFraction: 0.3) }
            if second == calm + seconds { await simulator.clearFaults() }
            let secondEnd = begin.advanced(by: .seconds(second + 1))
            var scrapes = 0
            var effective = ""
            while clock.now < secondEnd {
                let response = try await http.send(
                    HTTPRequest(
                        method: "GET",
                        url: url,
                        headers: [.init(name: "X-Prometheus-Scrape-Timeout-Seconds", value: "1.5")],
                        timeout: .seconds(10)
                    )
                )
                statuses[response.status, default: 0] += 1
                scrapes += 1
                let text = String(decoding: response.body, as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: {
                    $0.hasPrefix("dataworks_api_rate_limit_per_second{")
                }) {
                    effective = Double(line.split(separator: " ").last ?? "").map { format($0, 1) } ?? ""
                }
            }
            let sent = await simulator.requestCounts().values.reduce(0, +)
            let phase = second < calm ? "calm" : second < calm + seconds ? "storm" : "after"
            if phase == "storm", second >= calm + min(3, seconds - 1) { stormRates.append(Double(sent - previous)) }
            print(
                "   \(String(second).padding(toLength: 6, withPad: " ", startingAt: 0))  \(phase.padding(toLength: 6, withPad: " ", startingAt: 0))  \(String(sent - previous).padding(toLength: 7, withPad: " ", startingAt: 0))  \("".padding(toLength: 10, withPad: " ", startingAt: 0))  \(effective.padding(toLength: 15, withPad: " ", startingAt: 0))  \(scrapes)"
            )
            previous = sent
        }
        let mean = stormRates.isEmpty ? 0 : stormRates.reduce(0, +) / Double(stormRates.count)
        print(
            "   storm (from its 3rd second): mean \(format(mean, 1)) calls/s vs configured \(Int(rate))/s -> \(format(mean / rate)) x the limit"
        )
        print(
            "   scrape answers: \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))"
        )
        await exporter.stop()
        await simulator.stop()
        http.shutdown()
    }
}

/// SplitMix64: a reproducible random source for the change schedule.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
