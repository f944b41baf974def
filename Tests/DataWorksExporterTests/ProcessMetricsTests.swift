import Foundation
import Testing

@testable import DataWorksExporter

struct ProcessMetricsTests {
    @Test func currentValuesArePlausible() throws {
        let metrics = ProcessMetrics.current()
        let now = Date().timeIntervalSince1970
        let rss = try #require(metrics.residentMemoryBytes)
        #expect(rss > 1_000_000)
        let virtual = try #require(metrics.virtualMemoryBytes)
        #expect(virtual >= rss)
        let openFDs = try #require(metrics.openFDs)
        #expect(openFDs >= 3)
        let maxFDs = try #require(metrics.maxFDs)
        #expect(maxFDs >= openFDs)
        #expect(try #require(metrics.virtualMemoryMaxBytes) > 0)
        let cpu = try #require(metrics.cpuSeconds)
        #expect(cpu >= 0 && cpu < 3_600)
        let start = try #require(metrics.startTimeSeconds)
        #expect(start <= now + 1)
        #expect(start > now - 3_600, "start time \(start) is not within the last hour (now \(now))")
    }

    @Test func parsesStatWithAwkwardCommandNames() throws {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss ...
        let line =
            "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 4 0 987654 123456789 2048 "
            + "18446744073709551615 1 1 0 0 0 0 0 4096 17922 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try #require(ProcessMetrics.Stat(line))
        #expect(stat.utime == 250)
        #expect(stat.stime == 75)
        #expect(stat.starttime == 987_654)
        #expect(stat.vsize == 123_456_789)
        #expect(stat.rss == 2_048)
        #expect(ProcessMetrics.Stat("4242 (short) S 1 2 3") == nil)
        #expect(ProcessMetrics.Stat("no parenthesis") == nil)
    }

    @Test func parsesBootTimeAndLimits() {
        let stat = "cpu  1 2 3 4\nintr 5\nctxt 6\nbtime 1735780000\nprocesses 7\n"
        #expect(ProcessMetrics.bootTime(stat) == 1_735_780_000)
        #expect(ProcessMetrics.bootTime("cpu 1\n") == nil)
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max address space         unlimited            unlimited            bytes
            Max open files            1024                 1048576              files

            """
        #expect(ProcessMetrics.softLimit(named: "Max open files", in: limits) == 1_024)
        #expect(ProcessMetrics.softLimit(named: "Max address space", in: limits) == UInt64.max)
        #expect(ProcessMetrics.softLimit(named: "Max processes", in: limits) == nil)
    }

    @Test func readsAFixtureProcTree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID())")
        let fd = root.appendingPathComponent("self/fd")
        try FileManager.default.createDirectory(at: fd, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["0", "1", "2", "5"] {
            try Data().write(to: fd.appendingPathComponent(name))
        }
        let stat = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 300 100 0 0 20 0 1 0 5000 1048576 10 0 0\n"
        try Data(stat.utf8).write(to: root.appendingPathComponent("self/stat"))
        try Data("btime 1700000000\n".utf8).write(to: root.appendingPathComponent("stat"))
        let limits =
            "Max open files            4096                 4096                 files\n"
            + "Max address space         8589934592           unlimited            bytes\n"
        try Data(limits.utf8).write(to: root.appendingPathComponent("self/limits"))

        let metrics = ProcessMetrics.current(procRoot: root.path)
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        #expect(
            metrics
                == ProcessMetrics(
                    cpuSeconds: 400 / ticks,
                    openFDs: 4,
                    maxFDs: 4_096,
                    virtualMemoryBytes: 1_048_576,
                    virtualMemoryMaxBytes: 8_589_934_592,
                    residentMemoryBytes: 10 * page,
                    startTimeSeconds: 1_700_000_000 + 5_000 / ticks
                )
        )
        #expect(ProcessMetrics.current(procRoot: root.path + "/missing") == ProcessMetrics())
    }

    @Test func goldenExposition() throws {
        let metrics = ProcessMetrics(
            cpuSeconds: 4.2,
            openFDs: 12,
            maxFDs: 1_048_576,
            virtualMemoryBytes: 1_234_567_890,
            virtualMemoryMaxBytes: Double(UInt64.max),
            residentMemoryBytes: 23_456_768,
            startTimeSeconds: 1_735_787_045.12
        )
        var writer = ExpositionWriter()
        try metrics.write(into: &writer)
        #expect(
            writer.text == """
                # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
                # TYPE process_cpu_seconds_total counter
                process_cpu_seconds_total 4.2
                # HELP process_max_fds Maximum number of open file descriptors.
                # TYPE process_max_fds gauge
                process_max_fds 1.048576e+06
                # HELP process_open_fds Number of open file descriptors.
                # TYPE process_open_fds gauge
                process_open_fds 12
                # HELP process_resident_memory_bytes Resident memory size in bytes.
                # TYPE process_resident_memory_bytes gauge
                process_resident_memory_bytes 2.3456768e+07
                # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
                # TYPE process_start_time_seconds gauge
                process_start_time_seconds 1.73578704512e+09
                # HELP process_virtual_memory_bytes Virtual memory size in bytes.
                # TYPE process_virtual_memory_bytes gauge
                process_virtual_memory_bytes 1.23456789e+09
                # HELP process_virtual_memory_max_bytes Maximum amount of virtual memory available in bytes.
                # TYPE process_virtual_memory_max_bytes gauge
                process_virtual_memory_max_bytes 1.8446744073709552e+19

                """
        )
        var partial = ExpositionWriter()
        try ProcessMetrics(openFDs: 3).write(into: &partial)
        #expect(partial.text.components(separatedBy: "\n").filter { $0.hasPrefix("# TYPE") }.count == 1)
    }

    @Test func currentOutputPassesPromtool() async throws {
        var writer = ExpositionWriter()
        try ProcessMetrics.current().write(into: &writer)
        #expect(writer.text.contains("\nprocess_resident_memory_bytes "))
        #expect(writer.text.contains("\nprocess_start_time_seconds "))
        let promtool = try #require(Promtool.path, "promtool is not installed: apt-get install -y prometheus")
        let result = try await Promtool.checkMetrics(writer.bytes, promtool: promtool)
        #expect(result.status == 0, "promtool check metrics failed: \(result.output)")
    }
}
