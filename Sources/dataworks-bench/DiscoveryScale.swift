import DataWorksSimulator
import Foundation

/// The simulator of `scripts/bench-scale` (issue 16, item 3): a fleet of workspaces found through `ListDeployments`
/// pages, and one exporter configuration per step of the run. Not a test: nothing here is asserted.
enum DiscoveryScale {
    /// `dataworks-bench discovery-simulator WORKSPACES PER_WORKSPACE RATE_LIMIT CONFIG_DIR STEP...`: serves
    /// WORKSPACES × PER_WORKSPACE deployments (a tenth of each workspace ready, created in the last 17 hours) on a
    /// free loopback port; writes `CONFIG_DIR/step-W.yml` for each STEP W, an interval-mode configuration that
    /// discovers the first W workspaces (`discover: {max_age: 24h, limit: PER_WORKSPACE}`, no deployment IDs) at
    /// RATE_LIMIT calls per second (burst 32, concurrency 32, no retries, interval 1h, collection budget 30m); prints
    /// `ready ENDPOINT`, and serves until killed.
    static func run(arguments: [String]) async throws {
        guard arguments.count >= 5, let workspaces = Int(arguments[0]), let perWorkspace = Int(arguments[1]),
            let rateLimit = Int(arguments[2]), workspaces > 0, perWorkspace > 0, rateLimit > 0
        else {
            throw BenchUsageError(
                message:
                    "usage: dataworks-bench discovery-simulator WORKSPACES PER_WORKSPACE RATE_LIMIT CONFIG_DIR STEP..."
            )
        }
        let directory = arguments[3]
        let steps = try arguments.dropFirst(4).map { argument in
            guard let step = Int(argument), (1...workspaces).contains(step) else {
                throw BenchUsageError(message: "a STEP is a number of workspaces in 1...\(workspaces), got \(argument)")
            }
            return step
        }
        let fleet = Bench.deployments(
            projects: workspaces,
            perProject: perWorkspace,
            readyPerProject: max(1, perWorkspace / 10)
        )
        let simulator = try DataWorksSimulator(deployments: fleet)
        let projects = Set(fleet.map(\.projectId)).sorted()
        for step in steps {
            var yaml = """
                dataworks:
                  endpoint: \(simulator.endpoint)
                  concurrency: 32
                  rate_limit: \(rateLimit)
                  burst: 32
                  retries: 0
                collector:
                  mode: interval
                  interval: 1h
                  scrape_timeout: 30m
                targets:

                """
            for project in projects.prefix(step) {
                yaml += "  - region_id: \(Bench.region)\n    project_id: \(project)\n"
                yaml += "    discover: {max_age: 24h, limit: \(perWorkspace)}\n"
            }
            try yaml.write(toFile: "\(directory)/step-\(step).yml", atomically: true, encoding: .utf8)
        }
        FileHandle.standardOutput.write(Data("ready \(simulator.endpoint)\n".utf8))
        while true {
            try await Task.sleep(for: .seconds(3_600))
        }
    }
}
