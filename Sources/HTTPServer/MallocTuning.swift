#if canImport(Glibc)
internal import CMalloc
#endif

/// glibc malloc's settings for a long-running server of large answers (issue 16, item 3, `scripts/bench-scale`).
///
/// Here, in the server's bridge, because its C (glibc's `malloc.h`, module `CMalloc`) stays inside the two bridges,
/// and because the blocks it is about are those a server of large answers allocates and frees: response segments
/// (``SharedBytes``) of tens of megabytes, and what the exporter builds them from.
///
/// glibc serves a block of at least its mmap threshold (128 KiB at start) from `mmap` and gives it back to the kernel
/// when freed, but raises the threshold to the size of every such block freed, up to 32 MiB. After the first large
/// exposition or dictionary is freed, every block below 32 MiB (the collector's transient dictionaries and arrays of
/// a 100,000-deployment collection, 5 to 25 MB each) comes from the heap, and their holes stay resident. A fixed
/// threshold (``mmapThreshold``) turns the raising off: measured with 30,000 deployments, 98 instead of 113 MiB
/// resident after a collection.
public enum MallocTuning {
    /// The fixed mmap threshold: 1 MiB, in bytes.
    public static let mmapThreshold: Int32 = 1 << 20

    /// The environment variable that sets the threshold in glibc itself; when present it wins.
    public static let thresholdVariable = "MALLOC_MMAP_THRESHOLD_"

    /// Whether ``apply(environment:)`` sets the threshold: unless the environment sets it already (glibc reads
    /// ``thresholdVariable`` at start, and an operator's choice is kept).
    ///
    /// - Parameter environment: The process environment.
    public static func setsThreshold(environment: [String: String]) -> Bool {
        environment[thresholdVariable] == nil
    }

    /// Fixes the mmap threshold at ``mmapThreshold`` unless ``setsThreshold(environment:)`` says no; once, at start.
    ///
    /// - Parameter environment: The process environment.
    /// - Returns: Whether the threshold was set (`false` also off glibc, where nothing is done).
    @discardableResult
    public static func apply(environment: [String: String]) -> Bool {
        guard setsThreshold(environment: environment) else { return false }
        #if canImport(Glibc)
        return mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1
        #else
        return false
        #endif
    }
}
