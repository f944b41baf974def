import DataWorksExporter

/// libFuzzer entry point: every input is a configuration file. Loading may fail with a `ConfigError`; it must
/// never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    _ = try? ExporterConfig.parse(yaml: text, file: "fuzz.yml")
    return 0
}
