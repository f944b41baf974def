internal import Foundation

/// Credentials from the INI file `~/.alibabacloud/credentials.ini`.
///
/// The path is `ALIBABA_CLOUD_CREDENTIALS_FILE` when set (a leading `~/` is expanded), else
/// `{home}/.alibabacloud/credentials.ini`. The section is `ALIBABA_CLOUD_PROFILE` when set, else `default`.
/// Only `type = access_key` (`access_key_id`, `access_key_secret`) is supported; other types throw
/// ``CredentialsError/typeNotSupported(path:profile:type:)``. Lines starting with `#` or `;` and inline `#`/`;`
/// comments are ignored, so values cannot contain those characters.
///
/// Source: api-notes §4.1 step 4 (`ProfileCredentialsProvider`).
public struct ProfileFileCredentialsProvider: CredentialsProvider {
    /// The variable naming the file.
    public static let fileVariable = "ALIBABA_CLOUD_CREDENTIALS_FILE"
    /// The variable naming the section.
    public static let profileVariable = "ALIBABA_CLOUD_PROFILE"

    private let environment: [String: String]
    private let homeDirectory: String?

    /// `profile`.
    public var name: String { "profile" }

    /// Creates the provider.
    ///
    /// - Parameters:
    ///   - environment: Variables to read `ALIBABA_CLOUD_CREDENTIALS_FILE`, `ALIBABA_CLOUD_PROFILE` and `HOME` from.
    ///   - homeDirectory: The home directory; `nil` means `HOME` from `environment`.
    public init(environment: [String: String], homeDirectory: String? = nil) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// Reads the process environment.
    public init() {
        self.init(environment: ProcessInfo.processInfo.environment)
    }

    /// The section name that will be read.
    public var profile: String {
        let value = environment[Self.profileVariable] ?? ""
        return value.isEmpty ? "default" : value
    }

    /// The file path that will be read.
    ///
    /// - Throws: ``CredentialsError/homeDirectoryUnknown`` when neither the variable nor a home directory is set.
    public func path() throws(CredentialsError) -> String {
        let home = homeDirectory ?? environment["HOME"]
        if let file = environment[Self.fileVariable], !file.isEmpty {
            if file.hasPrefix("~/"), let home { return home + String(file.dropFirst(1)) }
            return file
        }
        guard let home, !home.isEmpty else { throw .homeDirectoryUnknown }
        return (home.hasSuffix("/") ? home : home + "/") + ".alibabacloud/credentials.ini"
    }

    /// Reads the file and returns the section's AccessKey, with provider name `profile`.
    ///
    /// - Throws: ``CredentialsError`` when the file, section or a key is missing, or the type is not supported.
    public func credentials() async throws -> Credentials {
        try load()
    }

    func load() throws(CredentialsError) -> Credentials {
        let path = try path()
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(bytes: data, encoding: .utf8)
        else { throw .fileUnreadable(path: path) }
        let sections = Self.parseINI(text)
        let profile = profile
        guard let section = sections[profile] else { throw .profileNotFound(path: path, profile: profile) }
        guard let type = section["type"], !type.isEmpty else {
            throw .keyMissing(path: path, profile: profile, key: "type")
        }
        guard type == "access_key" else { throw .typeNotSupported(path: path, profile: profile, type: type) }
        guard let id = section["access_key_id"], !id.isEmpty else {
            throw .keyMissing(path: path, profile: profile, key: "access_key_id")
        }
        guard let secret = section["access_key_secret"], !secret.isEmpty else {
            throw .keyMissing(path: path, profile: profile, key: "access_key_secret")
        }
        return Credentials(accessKeyId: id, accessKeySecret: Secret(secret), providerName: name)
    }

    /// Parses INI text into `[section: [key: value]]`; keys are lower-cased, values trimmed, comments dropped.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(
            omittingEmptySubsequences: true,
            whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        ) {
            var line = Substring(rawLine)
            if let comment = line.firstIndex(where: { $0 == "#" || $0 == ";" }) {
                line = line[..<comment]
            }
            let trimmed = String(line).trimmingWhitespace()
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                let name = String(trimmed.dropFirst().dropLast()).trimmingWhitespace()
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(trimmed[..<separator]).trimmingWhitespace().lowercased()
            let value = String(trimmed[trimmed.index(after: separator)...]).trimmingWhitespace()
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
