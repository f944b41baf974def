import Glibc

/// The libFuzzer entry point's C type.
public typealias FuzzTestOneInput = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

private typealias RunDriver =
    @convention(c) (
        UnsafeMutablePointer<Int32>,
        UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        FuzzTestOneInput
    ) -> Int32

/// Runs libFuzzer's driver (`LLVMFuzzerRunDriver`, linked in by `-sanitize=fuzzer`) on `testOneInput`.
///
/// SwiftPM links executables with their `main` renamed to `<module>_main`, so each fuzz target defines that symbol
/// and calls this; the driver is looked up at run time to keep C declarations out of Swift.
public func runFuzzer(
    _ argc: Int32,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ testOneInput: FuzzTestOneInput
) -> Int32 {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
        let message = Array("LLVMFuzzerRunDriver not found: build with -Xswiftc -sanitize=fuzzer\n".utf8)
        _ = write(2, message, message.count)
        return 2
    }
    let driver = unsafeBitCast(symbol, to: RunDriver.self)
    var count = argc
    var arguments = argv
    return driver(&count, &arguments, testOneInput)
}
