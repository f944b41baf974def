import DataWorksExporter
import FuzzDriver
import Glibc
import HTTPServer

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
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return 0 }
    defer { close(socket) }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { return 0 }
    _ = send(socket, data, count, Int32(MSG_NOSIGNAL))
    shutdown(socket, Int32(SHUT_WR))
    var buffer = [UInt8](repeating: 0, count: 4096)
    while recv(socket, &buffer, buffer.count, 0) > 0 {}
    return 0
}

/// The executable's entry point (SwiftPM renames `main` to `<module>_main`): runs libFuzzer on ``fuzzHTTPRequest(_:_:)``.
@_cdecl("fuzz_http_request_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzHTTPRequest)
}
