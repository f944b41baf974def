// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dataworks-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dataworks-exporter", targets: ["dataworks-exporter"]),
        .library(name: "DataWorksAPI", targets: ["DataWorksAPI"]),
        .library(name: "DataWorksExporter", targets: ["DataWorksExporter"]),
        .library(name: "DataWorksSimulator", targets: ["DataWorksSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Child processes of the tests and the benchmarks (Foundation's Process can crash while spawning in 6.3.1).
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2"),
    ],
    targets: [
        // C libraries, nothing else.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        // gzip for HTTPServer's compressed answers; used by HTTPServer only.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // glibc's malloc.h (mallopt), which the Glibc module leaves out: for HTTPServer's MallocTuning only.
        .systemLibrary(name: "CMalloc"),
        // Typed wrappers for libcurl's variadic C calls (curl_easy_setopt, ...), for CurlClient.
        .target(name: "CExporterShims", dependencies: ["CCurl"]),
        // Typed wrappers for libmicrohttpd's variadic calls (MHD_start_daemon, ...), with GnuTLS (libmicrohttpd's
        // TLS, Debian libgnutls28-dev) and libxcrypt's crypt_r (libcrypt-dev): for HTTPServer only.
        .target(
            name: "CServerShims",
            dependencies: ["CMicroHTTPD"],
            linkerSettings: [.linkedLibrary("gnutls"), .linkedLibrary("crypt")]
        ),

        // A pthread-mutex box (ThreadSanitizer sees through it, unlike Synchronization.Mutex).
        .target(name: "LockedValue"),
        // The header field value type both C bridges share (and re-export).
        .target(name: "HTTPHeaders"),
        // The two C bridges.
        .target(name: "CurlClient", dependencies: ["CExporterShims", "CCurl", "HTTPHeaders", "LockedValue"]),
        .target(
            name: "HTTPServer",
            dependencies: ["CServerShims", "CMicroHTTPD", "CZlib", "CMalloc", "HTTPHeaders", "LockedValue"]
        ),

        // DataWorks OpenAPI: endpoints, credentials, signing, decoding, the client. Knows nothing of Prometheus.
        .target(
            name: "DataWorksAPI",
            dependencies: [
                "CurlClient",
                "LockedValue",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A local DataWorks API that checks signatures and injects faults.
        .target(name: "DataWorksSimulator", dependencies: ["CurlClient", "DataWorksAPI", "HTTPServer"]),
        // Config, collection, exposition, HTTP handlers.
        .target(
            name: "DataWorksExporter",
            dependencies: [
                "CurlClient",
                "DataWorksAPI",
                "HTTPServer",
                "LockedValue",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "dataworks-exporter",
            dependencies: [
                "CurlClient",
                "DataWorksExporter",
                "DataWorksSimulator",
                "HTTPServer",
                "LockedValue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The toolchain's lld with packed relative relocations (DT_RELR, glibc 2.36+): ~16 KB of relocations
            // instead of ~2 MB that every start reads and keeps resident (BENCHMARKS.md, memory).
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                    .when(platforms: [.linux])
                )
            ]
        ),
        // The benchmarks' in-process parts (scripts/bench, scripts/bench-quota); not part of the test suite. Uses
        // libcurl directly for the raw-transfer reference of the per-call cost benchmark.
        .executableTarget(
            name: "dataworks-bench",
            dependencies: [
                "CExporterShims", "CurlClient", "DataWorksAPI", "DataWorksExporter", "DataWorksSimulator",
                "LockedValue",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // A raw TCP connection to 127.0.0.1 for tests and the HTTP fuzzer; not shipped.
        .target(name: "LoopbackSocket", path: "Tests/Support/LoopbackSocket"),
        // Child processes (tools, the exporter binary, Prometheus) for tests and benchmarks, their output always in
        // pipes or files, never the test runner's; not shipped.
        .target(
            name: "ChildProcess",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")],
            path: "Tests/Support/ChildProcess"
        ),
        .testTarget(name: "BridgeTests", dependencies: ["ChildProcess", "CurlClient", "HTTPServer", "LoopbackSocket"]),
        // The shipped dashboards, alert rules and examples: parse, promtool, structure.
        .testTarget(
            name: "ArtifactTests",
            dependencies: [
                "ChildProcess", "DataWorksAPI", "DataWorksExporter", "HTTPServer",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "DataWorksAPITests",
            dependencies: [
                "CurlClient", "DataWorksAPI", "HTTPServer", "LockedValue",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DataWorksExporterTests",
            dependencies: [
                "ChildProcess", "CurlClient", "DataWorksAPI", "DataWorksExporter", "DataWorksSimulator", "HTTPServer",
                "LockedValue",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "ChildProcess", "CurlClient", "DataWorksExporter", "DataWorksSimulator", "HTTPServer", "LockedValue",
                "LoopbackSocket",
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

let cShims: Set<String> = ["CExporterShims", "CServerShims"]
for target in package.targets where target.type != .system && !cShims.contains(target.name) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}

// libFuzzer targets, built only by scripts/fuzz (DATAWORKS_FUZZ=1 swift build -Xswiftc -sanitize=fuzzer,address).
if Context.environment["DATAWORKS_FUZZ"] == "1" {
    let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
    // FuzzDriver finds LLVMFuzzerRunDriver with dlsym, so the executable exports its symbols.
    let fuzzLinkerFlags: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "--export-dynamic"])]
    package.targets += [
        .target(name: "FuzzDriver", path: "Fuzz/Driver"),
        .executableTarget(
            name: "fuzz-response-decoder",
            dependencies: ["CurlClient", "DataWorksAPI", "FuzzDriver"],
            path: "Fuzz/ResponseDecoder",
            swiftSettings: fuzzFlags,
            linkerSettings: fuzzLinkerFlags
        ),
        .executableTarget(
            name: "fuzz-config-loader",
            dependencies: ["DataWorksExporter", "FuzzDriver"],
            path: "Fuzz/ConfigLoader",
            swiftSettings: fuzzFlags,
            linkerSettings: fuzzLinkerFlags
        ),
        .executableTarget(
            name: "fuzz-http-request",
            dependencies: ["DataWorksExporter", "FuzzDriver", "HTTPServer", "LoopbackSocket"],
            path: "Fuzz/HTTPRequest",
            swiftSettings: fuzzFlags,
            linkerSettings: fuzzLinkerFlags
        ),
    ]
}
