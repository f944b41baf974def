import DataWorksExporter
import FuzzDriver
import HTTPServer
import LoopbackSocket

/// The exporter's routes behind a real libmicrohttpd server on a free loopback port, started once.
private let server: HTTPServer? = {
    let routes = Routes(telemetryPath: "/metrics", summary: "fuzz") { _ in [SharedBytes("dataworks_up 1\n".utf8)] }
    return try? HTTPServer(
        configuration: .init(listenAddresses: ["127.0.0.1:0"], connectionTimeout: 1)
    ) { request in
        await routes.handle(request)
    }
}()

/// libFuzzer entry point: every input is written as raw bytes to a new connection to the server (request line,
/// headers and body as a client would send them); the answer is read until the server closes or 1 s passes.
/// The server must never crash, hang or stop answering.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    guard let port = server?.ports.first else { return 0 }
    guard let socket = try? LoopbackSocket(port: port, receiveTimeout: 1) else { return 0 }
    socket.send(UnsafeRawBufferPointer(start: data, count: count))
    socket.endSending()
    _ = socket.receiveAll()
    socket.close()
    return 0
}

/// The executable's entry point (SwiftPM renames `main` to `<module>_main`): runs libFuzzer on ``fuzzHTTPRequest(_:_:)``.
@_cdecl("fuzz_http_request_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzHTTPRequest)
}
