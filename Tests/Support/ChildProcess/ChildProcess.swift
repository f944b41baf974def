import Glibc
import LockedValue
import Subprocess
import SystemPackage

/// What a finished child process left: its exit status and what it wrote.
public struct ChildOutcome: Sendable {
    /// The exit code, or the number of the signal that ended the process (as Foundation's `terminationStatus`).
    public var status: Int32
    /// Standard output; with `combiningOutput`, standard error too, in the order written.
    public var standardOutput: [UInt8]
    /// Standard error; empty with `combiningOutput` or when it went to a file.
    public var standardError: [UInt8]

    /// ``standardOutput`` as UTF-8 text.
    public var output: String { String(decoding: standardOutput, as: UTF8.self) }
    /// ``standardError`` as UTF-8 text.
    public var errorOutput: String { String(decoding: standardError, as: UTF8.self) }

    init(_ status: TerminationStatus, output: [UInt8] = [], error: [UInt8] = []) {
        switch status {
        case .exited(let code): self.status = code
        case .signaled(let signal): self.status = signal
        }
        standardOutput = output
        standardError = error
    }
}

/// Child processes of the tests and benchmarks, run with swift-subprocess (Foundation's `Process` in Swift 6.3.1
/// can crash while spawning: swift-corelibs-foundation #5472).
///
/// No child inherits this process's standard output or error: they go to pipes read here, to a file or to
/// `/dev/null`, so that when a test binary dies its children cannot hold `swift test`'s pipes open. Standard input
/// is empty unless given.
public enum ChildProcess {
    /// Runs `executable` (a path) with `arguments` to completion and returns its status and output.
    ///
    /// - Parameters:
    ///   - environment: the whole environment of the child; `nil` inherits this process's.
    ///   - directory: the working directory; `nil` keeps this process's.
    ///   - input: written to the child's standard input, which is then closed.
    ///   - combiningOutput: standard error goes into ``ChildOutcome/standardOutput`` too (`2>&1`).
    /// - Throws: `SubprocessError` when the process cannot be started or its pipes fail.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil,
        input: [UInt8] = [],
        combiningOutput: Bool = false
    ) async throws -> ChildOutcome {
        let configuration = Self.configuration(executable, arguments, environment: environment, directory: directory)
        if combiningOutput {
            let result = try await Subprocess.run(
                configuration,
                input: .array(input),
                output: .bytes(limit: .max),
                error: .combinedWithOutput
            )
            return ChildOutcome(result.terminationStatus, output: result.standardOutput)
        }
        let result = try await Subprocess.run(
            configuration,
            input: .array(input),
            output: .bytes(limit: .max),
            error: .bytes(limit: .max)
        )
        return ChildOutcome(result.terminationStatus, output: result.standardOutput, error: result.standardError)
    }

    static func configuration(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]?,
        directory: String?
    ) -> Configuration {
        var options = PlatformOptions()
        // Cancelled (the owner released it unstopped): SIGTERM, then SIGKILL after 5 s.
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        return Configuration(
            executable: .path(FilePath(executable)),
            arguments: Arguments(arguments),
            environment: environment.map { variables in
                .custom(
                    Dictionary(
                        uniqueKeysWithValues: variables.compactMap { name, value in
                            Environment.Key(rawValue: name).map { ($0, value) }
                        }
                    )
                )
            } ?? .inherit,
            workingDirectory: directory.map { FilePath($0) },
            platformOptions: options
        )
    }
}

/// A child process that runs while a test talks to it (the exporter binary, Prometheus, Alertmanager).
///
/// Standard output goes to `/dev/null` and standard error is kept here line by line, or both go to a log file.
/// Releasing the value while the child still runs ends it (SIGTERM, then SIGKILL after 5 s), so a test that throws
/// before ``stop()`` leaves nothing behind.
public final class BackgroundChild: Sendable {
    /// The child's process id, for signals.
    public let processIdentifier: Int32
    private let execution: Task<ChildOutcome, any Error>
    private let lines: AsyncStream<String>
    private let standardErrorLog: Locked<String>
    private let finished: Locked<Bool>

    /// Starts `executable` (a path) with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: the whole environment of the child; `nil` inherits this process's.
    ///   - directory: the working directory; `nil` keeps this process's.
    ///   - logFile: a path that gets both outputs (created, appended to); `nil`: standard output is discarded and
    ///     standard error is read by ``firstStandardErrorLine(where:)`` and ``standardErrorText``.
    /// - Throws: `SubprocessError` when the process cannot be started; `Errno` when `logFile` cannot be opened.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil,
        logFile: String? = nil
    ) async throws {
        let configuration = ChildProcess.configuration(
            executable,
            arguments,
            environment: environment,
            directory: directory
        )
        let (lines, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4096))
        let log = Locked("")
        let finished = Locked(false)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Result<Int32, any Error>.self)
        let logDescriptors = try logFile.map { path in
            let options: FileDescriptor.OpenOptions = [.create, .append]
            let permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
            return (
                try FileDescriptor.open(FilePath(path), .writeOnly, options: options, permissions: permissions),
                try FileDescriptor.open(FilePath(path), .writeOnly, options: options, permissions: permissions)
            )
        }
        execution = Task {
            defer {
                finished.withLock { $0 = true }
                continuation.finish()
                startedContinuation.finish()
            }
            do {
                if let (output, error) = logDescriptors {
                    let result = try await Subprocess.run(
                        configuration,
                        input: .none,
                        output: .fileDescriptor(output, closeAfterSpawningProcess: true),
                        error: .fileDescriptor(error, closeAfterSpawningProcess: true)
                    ) { execution in
                        // `run` returns when the child has exited, or ends it when this task is cancelled.
                        startedContinuation.yield(.success(execution.processIdentifier.value))
                    }
                    return ChildOutcome(result.terminationStatus)
                }
                let result = try await Subprocess.run(
                    configuration,
                    input: .none,
                    output: .discarded,
                    error: .sequence
                ) { execution in
                    startedContinuation.yield(.success(execution.processIdentifier.value))
                    for try await line in execution.standardError.strings(bufferingPolicy: .unbounded) {
                        log.withLock { $0 += line + "\n" }
                        continuation.yield(line)
                    }
                }
                return ChildOutcome(result.terminationStatus, error: Array(log.withLock { $0 }.utf8))
            } catch {
                startedContinuation.yield(.failure(error))
                throw error
            }
        }
        var iterator = started.makeAsyncIterator()
        guard let start = await iterator.next() else {
            // Only when the task ended without a word, which it does not: it yields before it finishes.
            throw ChildProcessError.notStarted(executable)
        }
        processIdentifier = try start.get()
        self.lines = lines
        standardErrorLog = log
        self.finished = finished
    }

    deinit {
        execution.cancel()
    }

    /// Whether the child still runs (it has not been seen to exit).
    public var isRunning: Bool { !finished.withLock { $0 } }

    /// Everything the child wrote to standard error so far, each line ending in a newline (without `logFile`).
    public var standardErrorText: String { standardErrorLog.withLock { $0 } }

    /// Waits for the first standard error line, read from now on, for which `match` returns a value; `nil` when the
    /// child's standard error ends first (it exited). Call it from one task at a time.
    public func firstStandardErrorLine<T>(where match: (String) -> T?) async -> T? {
        for await line in lines {
            if let value = match(line) { return value }
        }
        return nil
    }

    /// Sends `signal` (SIGHUP, SIGTERM, ...) without waiting.
    public func send(_ signal: Int32) {
        kill(processIdentifier, signal)
    }

    /// Waits for the child to exit; its status, and its standard error (without `logFile`).
    ///
    /// - Throws: `SubprocessError` when watching the child failed.
    public func waitForExit() async throws -> ChildOutcome {
        try await execution.value
    }

    /// Sends SIGTERM if the child still runs, then waits for it to exit.
    ///
    /// - Throws: `SubprocessError` when watching the child failed.
    public func stop() async throws -> ChildOutcome {
        if isRunning { send(SIGTERM) }
        return try await waitForExit()
    }
}

/// Why a child process could not be run.
public enum ChildProcessError: Error, CustomStringConvertible {
    /// The child was not started; the executable's path.
    case notStarted(String)

    public var description: String {
        switch self {
        case .notStarted(let executable): "\(executable) was not started"
        }
    }
}
