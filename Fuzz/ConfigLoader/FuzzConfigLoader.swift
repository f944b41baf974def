import DataWorksExporter
import FuzzDriver

/// libFuzzer entry point: every input is a configuration file. Loading may fail with a `ConfigError`; it must
/// never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    _ = try? ExporterConfig.parse(yaml: text, file: "fuzz.yml")
    return 0
}

/// The executable's entry point (SwiftPM renames `main` to `<module>_main`): runs libFuzzer on ``fuzzConfigLoader(_:_:)``.
@_cdecl("fuzz_config_loader_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzConfigLoader)
}
