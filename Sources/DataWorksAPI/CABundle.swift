public import Foundation

extension DataWorksClient.Configuration {
    /// The variables naming a CA bundle, in the order they are honoured: `CURL_CA_BUNDLE` (the curl tool's), then
    /// `SSL_CERT_FILE` (OpenSSL's). libcurl itself reads neither when its build names a default bundle (Debian's
    /// does), so the exporter reads them and hands the file to libcurl.
    public static let caBundleVariables = ["CURL_CA_BUNDLE", "SSL_CERT_FILE"]

    /// The CA file the client should trust: `configured` (the `ca_file` key) when given, else the first non-empty
    /// variable of ``caBundleVariables``, else `nil` (libcurl's default, the system store).
    ///
    /// - Parameters:
    ///   - configured: The path from the configuration, or `nil`.
    ///   - environment: The process environment by default.
    public static func caFile(
        configured: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let configured, !configured.isEmpty {
            return configured
        }
        return caBundleVariables.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
    }
}
