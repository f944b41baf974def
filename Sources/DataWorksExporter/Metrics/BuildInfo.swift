/// The exporter's version, for `dataworks_exporter_build_info`, `--version` and the landing page.
public enum BuildInfo {
    /// The release version.
    public static let version = "0.1.0"
    /// The source revision (git commit); `unknown` in development builds. `scripts/stamp-revision` writes the
    /// revision into this line on the copy of the sources that `scripts/release` and `examples/Dockerfile` build.
    public static let revision = "unknown"
    /// The Swift compiler version the binary was built with, e.g. `6.3`.
    public static var swiftVersion: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.0"
        #endif
    }
}
