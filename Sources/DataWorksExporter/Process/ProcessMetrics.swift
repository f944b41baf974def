#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard `process_*` metrics of the running process, read from `/proc` as client_golang's
/// process collector does on Linux.
///
/// Each value is optional: one that cannot be read (a missing file, an unexpected format, a platform
/// without `/proc`) is `nil` and its family is left out of the exposition, never reported as 0.
///
/// ```swift
/// var writer = ExpositionWriter()
/// try ProcessMetrics.current().write(into: &writer)
/// ```
public struct ProcessMetrics: Sendable, Hashable {
    /// User plus system CPU time consumed, in seconds (`/proc/self/stat` utime + stime over `CLK_TCK`).
    public var cpuSeconds: Double?
    /// The number of open file descriptors (entries of `/proc/self/fd`, including the one used to list it).
    public var openFDs: Double?
    /// The soft limit on open file descriptors (`/proc/self/limits`, "Max open files");
    /// `unlimited` is 2^64 − 1.
    public var maxFDs: Double?
    /// The virtual memory size in bytes (`/proc/self/stat` vsize).
    public var virtualMemoryBytes: Double?
    /// The soft limit on the address space in bytes (`/proc/self/limits`, "Max address space");
    /// `unlimited` is 2^64 − 1, as client_golang reports it.
    public var virtualMemoryMaxBytes: Double?
    /// The resident set size in bytes (`/proc/self/stat` rss times the page size).
    public var residentMemoryBytes: Double?
    /// The process start time in seconds since the Unix epoch (`/proc/stat` btime plus
    /// `/proc/self/stat` starttime over `CLK_TCK`).
    public var startTimeSeconds: Double?

    /// Creates a snapshot from given values; `nil` values are not written.
    public init(
        cpuSeconds: Double? = nil,
        openFDs: Double? = nil,
        maxFDs: Double? = nil,
        virtualMemoryBytes: Double? = nil,
        virtualMemoryMaxBytes: Double? = nil,
        residentMemoryBytes: Double? = nil,
        startTimeSeconds: Double? = nil
    ) {
        self.cpuSeconds = cpuSeconds
        self.openFDs = openFDs
        self.maxFDs = maxFDs
        self.virtualMemoryBytes = virtualMemoryBytes
        self.virtualMemoryMaxBytes = virtualMemoryMaxBytes
        self.residentMemoryBytes = residentMemoryBytes
        self.startTimeSeconds = startTimeSeconds
    }

    /// Reads the current values from `/proc`.
    ///
    /// Cost: a handful of small file reads and one directory listing; call it once per scrape.
    ///
    /// - Parameter procRoot: The proc file system's mount point (tests point it at a fixture tree).
    /// - Returns: The values that could be read.
    public static func current(procRoot: String = "/proc") -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let text = readFile(procRoot + "/self/stat"), let stat = Stat(text) {
            if ticks > 0 {
                metrics.cpuSeconds = Double(stat.utime + stat.stime) / ticks
                if let boot = readFile(procRoot + "/stat").flatMap(bootTime) {
                    metrics.startTimeSeconds = Double(boot) + Double(stat.starttime) / ticks
                }
            }
            metrics.virtualMemoryBytes = Double(stat.vsize)
            if pageSize > 0 {
                metrics.residentMemoryBytes = Double(stat.rss) * pageSize
            }
        }
        if let limits = readFile(procRoot + "/self/limits") {
            metrics.maxFDs = softLimit(named: "Max open files", in: limits).map { Double($0) }
            metrics.virtualMemoryMaxBytes = softLimit(named: "Max address space", in: limits).map { Double($0) }
        }
        metrics.openFDs = countEntries(procRoot + "/self/fd").map { Double($0) }
        return metrics
    }

    /// Writes the available metrics as seven families, sorted by name, with client_golang's HELP texts.
    ///
    /// - Parameter writer: The exposition to append to.
    /// - Throws: ``ExpositionError`` only if `writer` already holds one of these families.
    public func write(into writer: inout ExpositionWriter) throws(ExpositionError) {
        let families: [(name: String, type: MetricType, help: String, value: Double?)] = [
            ("process_cpu_seconds_total", .counter, "Total user and system CPU time spent in seconds.", cpuSeconds),
            ("process_max_fds", .gauge, "Maximum number of open file descriptors.", maxFDs),
            ("process_open_fds", .gauge, "Number of open file descriptors.", openFDs),
            ("process_resident_memory_bytes", .gauge, "Resident memory size in bytes.", residentMemoryBytes),
            (
                "process_start_time_seconds", .gauge, "Start time of the process since unix epoch in seconds.",
                startTimeSeconds
            ),
            ("process_virtual_memory_bytes", .gauge, "Virtual memory size in bytes.", virtualMemoryBytes),
            (
                "process_virtual_memory_max_bytes", .gauge, "Maximum amount of virtual memory available in bytes.",
                virtualMemoryMaxBytes
            ),
        ]
        for family in families {
            guard let value = family.value else {
                continue
            }
            try writer.family(family.name, type: family.type, help: family.help)
            try writer.sample(family.name, value: value)
        }
    }

    // MARK: - Parsing

    /// The fields of `/proc/<pid>/stat` that the metrics need (proc(5) numbering).
    struct Stat: Hashable {
        /// Field 14, user time in clock ticks.
        var utime: UInt64
        /// Field 15, system time in clock ticks.
        var stime: UInt64
        /// Field 22, start time after boot in clock ticks.
        var starttime: UInt64
        /// Field 23, virtual memory size in bytes.
        var vsize: UInt64
        /// Field 24, resident set size in pages.
        var rss: Int64

        /// Parses the single line of `/proc/<pid>/stat`.
        ///
        /// The command name (field 2) is in parentheses and may itself contain spaces and parentheses, so
        /// fields are counted from the last `)`.
        init?(_ text: String) {
            guard let close = text.lastIndex(of: ")") else {
                return nil
            }
            // After ")": field 3 (state) is at index 0, so field N is at index N - 3.
            let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count >= 22,
                let utime = UInt64(fields[11]),
                let stime = UInt64(fields[12]),
                let starttime = UInt64(fields[19]),
                let vsize = UInt64(fields[20]),
                let rss = Int64(fields[21])
            else {
                return nil
            }
            self.utime = utime
            self.stime = stime
            self.starttime = starttime
            self.vsize = vsize
            self.rss = rss
        }
    }

    /// The boot time in seconds since the epoch, from the `btime` line of `/proc/stat`.
    static func bootTime(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return UInt64(line.dropFirst("btime ".count).trimmingPrefix(" "))
        }
        return nil
    }

    /// The soft limit of a row of `/proc/<pid>/limits`; `unlimited` is `UInt64.max`.
    ///
    /// Rows look like `Max open files            1024                 1048576              files`.
    static func softLimit(named name: String, in text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            guard let soft = line.dropFirst(name.count).split(separator: " ").first else {
                return nil
            }
            return soft == "unlimited" ? UInt64.max : UInt64(soft)
        }
        return nil
    }

    /// Reads a whole file; `/proc` files report size 0, so this reads until end of file.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return nil
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR {
                    continue
                }
                return nil
            }
            if count == 0 {
                break
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Counts the entries of a directory other than `.` and `..`.
    static func countEntries(_ path: String) -> Int? {
        guard let directory = opendir(path) else {
            return nil
        }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                (name[0] == UInt8(ascii: ".") && name[1] == 0)
                    || (name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".") && name[2] == 0)
            }
            if !isDot {
                count += 1
            }
        }
        return count
    }
}
