import CurlClient
import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation
import LockedValue

/// The pipeline-run workload of the quota benchmark (issue 12 item 3): 2,000 runs in 20 workspaces on 2024-05-18, 2 %
/// of them moving (each ends at a random time in the hour), scraped every 15 s for a simulated hour. Prints the calls
/// beside the naive one-call-per-run-per-scrape and the lower bound (one listing page per workspace per cycle, plus
/// one item listing per ended run).
enum PipelineRunQuota {
    static let workspaces = 20
    static let perWorkspace = 100
    static let movingPerWorkspace = 2

    static func run(scrapes: Int) async throws {
        let step = 15.0
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        var runs: [SimulatedPipelineRun] = []
        for workspace in 0..<workspaces {
            for index in 0..<perWorkspace {
                let moving = index < movingPerWorkspace
                runs.append(
                    SimulatedPipelineRun(
                        id: "bench-\(workspace)-\(index)",
                        projectId: Int64(30_001 + workspace),
                        creator: "200300000001",
                        description: "bench run",
                        items: [PipelineRunItem(id: "\(workspace)\(index)", name: "node", type: "Node", version: 1)],
                        createTime: nowMs - 60_000 - Int64(index) * 60_000,
                        // A moving run's stages take hours (real time) until the workload ends it; the others are done.
                        stageDuration: moving ? 36_000_000 : 1
                    )
                )
            }
        }
        let simulator = try DataWorksSimulator(deployments: [], pipelineRuns: runs)
        let transport = try CurlHTTPClient(configuration: .init(maxConcurrentTransfers: 32))
        let targets = (0..<workspaces).map { workspace in
            Target(
                regionId: Bench.region,
                projectId: Int64(30_001 + workspace),
                pipelineRuns: PipelineRunWatch(discovery: PipelineRunDiscovery(maxAge: .seconds(86_400), limit: 100))
            )
        }
        let metrics = APIMetrics(actions: ExporterConfig(targets: targets).apiActions)
        let start = Double(nowMs) / 1_000
        let now = Locked(start)
        let collector = Collector(
            client: Bench.client(endpoint: simulator.endpoint, transport: transport, metrics: metrics),
            targets: targets,
            settings: .init(scrapeTimeout: .seconds(30)),
            concurrency: 32,
            logger: Bench.quiet,
            apiMetrics: metrics,
            wallClock: { now.withLock { $0 } }
        )
        var generator = SeededGenerator(seed: 12)
        var endAt: [Int: Double] = [:]
        for (index, run) in runs.enumerated() where run.stageDuration > 1 {
            endAt[index] = Double.random(in: 0..<Double(scrapes) * step, using: &generator)
        }
        var ended = 0
        var visible = 0
        for cycle in 0..<scrapes {
            now.withLock { $0 = start + Double(cycle) * step }
            var endedNow: [String] = []
            for (index, at) in endAt where at <= Double(cycle) * step && runs[index].stageDuration > 1 {
                runs[index].stageDuration = 1
                runs[index].outcome = index % 5 == 0 ? .fail(step: 4, message: "check failed") : .success
                await simulator.upsert(runs[index])
                endedNow.append(runs[index].id)
            }
            ended += endedNow.count
            let snapshot = await collector.snapshot(scrapeTimeout: nil)
            let final = Set(
                snapshot.pipelineRuns.filter { $0.run?.status?.isTerminal == true }.map(\.key.pipelineRunId)
            )
            visible += endedNow.filter(final.contains).count
        }
        let counts = await simulator.requestCounts()
        let spent = counts.values.reduce(0, +)
        let naive = scrapes * runs.count
        let alreadyEnded = runs.count - workspaces * movingPerWorkspace
        let lowerBound = workspaces * scrapes + alreadyEnded + ended
        let hours = Double(scrapes) * step / 3_600
        func perHour(_ calls: Int) -> String { Bench.format(Double(calls) / hours, 0) }
        print(
            "4. Pipeline runs (2024-05-18): \(runs.count) runs in \(workspaces) workspaces, \(workspaces * movingPerWorkspace) moving (2%), scraped every 15 s for \(scrapes * 15 / 60) simulated minutes"
        )
        print("   (fast clock; discover max_age 24h, limit 100; terminal_refresh 1h)")
        print(
            "   planner:      \(spent) calls = \(perHour(spent))/h (ListPipelineRuns \(counts["ListPipelineRuns"] ?? 0), GetPipelineRun \(counts["GetPipelineRun"] ?? 0), ListPipelineRunItems \(counts["ListPipelineRunItems"] ?? 0))"
        )
        print(
            "   naive:        \(naive) calls = \(perHour(naive))/h (one GetPipelineRun per run per scrape)  -> \(Bench.format(Double(naive) / Double(max(1, spent)), 1))x fewer"
        )
        print(
            "   lower bound:  \(lowerBound) calls = \(perHour(lowerBound))/h (\(workspaces * scrapes) pages + \(alreadyEnded + ended) item listings of ended runs)  -> \(Bench.format(Double(spent) / Double(lowerBound))) x the bound"
        )
        print("   runs that ended, seen final within one cycle: \(visible)/\(ended)\n")
        await simulator.stop()
        transport.shutdown()
    }
}
