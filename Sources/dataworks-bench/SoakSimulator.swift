import DataWorksSimulator
import Dispatch
import Foundation
import LockedValue

/// `dataworks-bench simulator [deployments] [port]`: a standalone simulator on loopback for `scripts/soak`.
///
/// Serves `deployments` (default 40) deployments in workspace 20001 of cn-zhangjiakou, prints one line
/// `endpoint=http://127.0.0.1:PORT project_id=20001 deployment_ids=ID,ID,…` on standard output, then runs until
/// SIGTERM or SIGINT. Faults are set over its HTTP control endpoints (`/-/simulator/background`,
/// `/-/simulator/faults`).
enum SoakSimulator {
    static func run(arguments: [String]) async throws {
        let count = arguments.first.flatMap(Int.init) ?? 40
        let port = arguments.dropFirst().first.flatMap(Int.init) ?? 0
        let fleet = Bench.deployments(projects: 1, perProject: max(1, count), readyPerProject: max(1, count) / 4)
        let simulator = try DataWorksSimulator(deployments: fleet, listenAddress: "127.0.0.1:\(port)")
        let ids = fleet.map { String($0.deploymentId) }.joined(separator: ",")
        FileHandle.standardOutput.write(
            Data("endpoint=\(simulator.endpoint) project_id=20001 deployment_ids=\(ids)\n".utf8)
        )
        await waitForTermination()
        await simulator.stop()
    }

    /// Returns on SIGTERM or SIGINT.
    static func waitForTermination() async {
        let sources = Locked<[any DispatchSourceSignal]>([])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let pending = Locked<CheckedContinuation<Void, Never>?>(continuation)
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let taken = pending.withLock { value in
                        defer { value = nil }
                        return value
                    }
                    taken?.resume()
                }
                source.resume()
                sources.withLock { $0.append(source) }
            }
        }
        sources.withLock { list in
            for source in list { source.cancel() }
        }
    }
}
