import HTTPServer
import Testing

/// The exporter fixes glibc's mmap threshold at start, unless the operator set it in the environment.
@Suite struct MallocTuningTests {
    @Test func theThresholdIsSetUnlessTheEnvironmentSetsIt() {
        #expect(MallocTuning.setsThreshold(environment: ["HOME": "/root"]))
        #expect(!MallocTuning.setsThreshold(environment: [MallocTuning.thresholdVariable: "131072"]))
        #expect(!MallocTuning.apply(environment: [MallocTuning.thresholdVariable: "131072"]))
        #expect(MallocTuning.mmapThreshold == 1 << 20)
        #if canImport(Glibc)
        #expect(MallocTuning.apply(environment: [:]))
        #endif
    }
}
