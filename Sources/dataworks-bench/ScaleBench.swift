import DataWorksAPI
import DataWorksExporter
import DataWorksSimulator
import Foundation

/// The scale benchmark of issue 7, in-process parts: the time to render snapshots of 1,000 and 10,000
/// deployments (beside the time to copy the same bytes), and a standalone simulator that `scripts/bench` runs the
/// release exporter against. Not a test: nothing here is asserted.
enum ScaleBench {
    /// `n` deployments in workspaces of at most 1,000, with every status the renderer distinguishes.
    static func fleet(_ count: Int) -> [SimulatedDeployment] {
        let perProject = 1_000
        let projects = max(1, (count + perProject - 1) / perProject)
        return Array(
            Bench.deployments(projects: projects, perProject: perProject, readyPerProject: 100).prefix(count)
        )
    }

    /// The snapshot a collection of `deployments` would produce when every fetch succeeded.
    static func snapshot(_ deployments: [SimulatedDeployment]) -> Snapshot {
        let now = Date().timeIntervalSince1970
        let samples = deployments.map { simulated in
            DeploymentSample(
                key: DeploymentKey(
                    regionId: Bench.region,
                    project: .id(simulated.projectId),
                    deploymentId: simulated.deploymentId
                ),
                deployment: Deployment(
                    id: simulated.deploymentId,
                    name: simulated.name,
                    creatorId: simulated.creatorId,
                    handlerId: simulated.handlerId,
                    createTime: simulated.createTime,
                    executeTime: simulated.executeTime,
                    status: DeploymentStatus(code: simulated.status),
                    errorMessage: simulated.errorMessage,
                    fromEnvironment: simulated.fromEnvironment,
                    toEnvironment: simulated.toEnvironment
                ),
                lastSuccessTimestamp: now,
                fetchSucceeded: true
            )
        }
        return Snapshot(deployments: samples, durationSeconds: 1.5, timeoutSeconds: 9.5)
    }

    // MARK: - Exposition

    /// `dataworks-bench exposition [renders]`: renders snapshots of 1,000 and 10,000 deployments `renders` times
    /// each (default 20), prints the time per render and per series beside the time to copy the same bytes and the
    /// 10,000 / 1,000 ratio. `dataworks-bench exposition-once N R` renders N deployments R times and prints nothing
    /// else (for `valgrind`'s allocation count, see scripts/bench).
    static func exposition(arguments: [String]) async throws {
        let renders = arguments.first.flatMap(Int.init) ?? 20
        let api = APIMetrics(actions: ["GetDeployment", "ListDeployments"]).current
        let renderer = MetricsRenderer()
        print("Exposition (text 0.0.4, in-process, \(renders) renders each, process_* families left out)")
        var perSeries: [Int: Double] = [:]
        for count in [1_000, 10_000] {
            let snapshot = snapshot(fleet(count))
            var body = try renderer.render(snapshot: snapshot, api: api, includeProcessMetrics: false)
            let series = seriesCount(body)
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<renders {
                body = try renderer.render(snapshot: snapshot, api: api, includeProcessMetrics: false)
            }
            let seconds = (clock.now - start).seconds / Double(renders)
            // Reference: copying the same number of bytes into a fresh array, as often.
            var sink = 0
            let copyStart = clock.now
            for _ in 0..<renders {
                let copy = [UInt8](unsafeUninitializedCapacity: body.count) { buffer, initialized in
                    body.withUnsafeBytes { source in
                        if let to = buffer.baseAddress, let from = source.baseAddress { memcpy(to, from, source.count) }
                    }
                    initialized = body.count
                }
                sink &+= Int(copy[copy.count / 2])
            }
            let copySeconds = (clock.now - copyStart).seconds / Double(renders)
            perSeries[count] = seconds / Double(series)
            print(
                "  \(count) deployments: \(series) series, \(body.count) bytes; render \(Bench.format(seconds * 1_000)) ms"
                    + " = \(Bench.format(seconds / Double(series) * 1e9, 0)) ns/series"
                    + " = \(Bench.format(Double(body.count) / seconds / 1e6, 0)) MB/s"
                    + " | reference: memcpy of the same bytes \(Bench.format(copySeconds * 1e6, 1)) µs"
                    + " (render = \(Bench.format(seconds / copySeconds, 0))× copy) [sink \(sink % 2): keeps the copy]"
            )
        }
        if let small = perSeries[1_000], let large = perSeries[10_000] {
            print("  linearity: ns/series at 10,000 / at 1,000 = \(Bench.format(large / small)) (1.00 = linear)")
        }
    }

    /// `dataworks-bench exposition-once N R`: builds the N-deployment snapshot, renders it R times, prints the series
    /// count. Run under `valgrind --tool=memcheck`, the difference of two R gives the allocations per render.
    static func expositionOnce(arguments: [String]) async throws {
        let count = arguments.first.flatMap(Int.init) ?? 1_000
        let renders = arguments.dropFirst().first.flatMap(Int.init) ?? 1
        let api = APIMetrics(actions: ["GetDeployment", "ListDeployments"]).current
        let snapshot = snapshot(fleet(count))
        var series = 0
        for _ in 0..<renders {
            let body = try MetricsRenderer().render(snapshot: snapshot, api: api, includeProcessMetrics: false)
            series = seriesCount(body)
        }
        print("series=\(series)")
    }

    /// The number of sample lines of a text exposition (lines that are neither empty nor comments).
    static func seriesCount(_ body: [UInt8]) -> Int {
        body.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
    }

    // MARK: - Standalone simulator

    /// `dataworks-bench simulator N LATENCY_MS CONFIG_OUT [MODE] [CACHE_TTL]`: runs the simulator on a free
    /// loopback port with N deployments answering after LATENCY_MS milliseconds, writes an exporter config for
    /// them to CONFIG_OUT (mode `scrape` or `interval`, no rate limit, concurrency 32), prints `ready ENDPOINT`, and
    /// serves until killed.
    static func simulator(arguments: [String]) async throws {
        guard arguments.count >= 3, let count = Int(arguments[0]), let latency = Int(arguments[1]) else {
            throw BenchUsageError(
                message: "usage: dataworks-bench scale-simulator N LATENCY_MS CONFIG_OUT [MODE] [CACHE_TTL]"
            )
        }
        let mode = arguments.count > 3 ? arguments[3] : "scrape"
        let cacheTTL = arguments.count > 4 ? arguments[4] : "0s"
        let fleet = fleet(count)
        let simulator = try DataWorksSimulator(deployments: fleet)
        if latency > 0 {
            await simulator.setBackground(delay: .milliseconds(latency))
        }
        var yaml = """
            dataworks:
              endpoint: \(simulator.endpoint)
              concurrency: 32
              rate_limit: 0
              retries: 0
            collector:
              mode: \(mode)
              interval: 1h
              scrape_timeout: 120s
              cache_ttl: \(cacheTTL)
            targets:

            """
        for target in Bench.targets(fleet) {
            guard case .id(let project) = target.project else { continue }
            yaml += "  - region_id: \(target.regionId)\n    project_id: \(project)\n"
            yaml += "    deployment_ids: [\(target.deploymentIds.map(String.init).joined(separator: ", "))]\n"
        }
        try yaml.write(toFile: arguments[2], atomically: true, encoding: .utf8)
        FileHandle.standardOutput.write(Data("ready \(simulator.endpoint)\n".utf8))
        while true {
            try await Task.sleep(for: .seconds(3_600))
        }
    }
}

/// A bad command line of `dataworks-bench`.
struct BenchUsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
