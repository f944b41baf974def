import Foundation
import HTTPServer
import Yams

extension WebConfig {
    /// Reads and validates a web configuration file (`--web.config.file`).
    ///
    /// The format is exporter-toolkit's: `tls_server_config` (`cert_file`/`cert`, `key_file`/`key`,
    /// `client_auth_type`, `client_ca_file`/`client_ca`, `min_version`, `max_version`,
    /// `prefer_server_cipher_suites`), `http_server_config` (`headers`; `http2` is accepted and has no effect, as
    /// libmicrohttpd speaks HTTP/1.1 only) and `basic_auth_users`. Relative file paths are resolved against the
    /// directory of `path`. The certificate, key and client CA files are read now; a change to them needs a
    /// restart.
    ///
    /// Stricter than the toolkit: `cipher_suites`, `curve_preferences`, `client_allowed_sans` and `rate_limit` are
    /// errors (not supported) rather than ignored; both `cert` and `cert_file` (or `key`/`key_file`,
    /// `client_ca`/`client_ca_file`) is an error; `VerifyClientCertIfGiven` and `RequireAndVerifyClientCert` need a
    /// client CA; a user name with `:` is an error.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: The configuration, with the TLS files' contents.
    /// - Throws: ``ConfigError`` with code `io` when the file cannot be read or is not UTF-8, otherwise as
    ///   ``parse(yaml:file:)``.
    public static func load(path: String) throws(ConfigError) -> WebConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = UnreadableFile(path: path).reason(
                missingHint: "give the web configuration with --web.config.file PATH (see examples/web-config.yml)"
            )
            throw ConfigError(code: .io, file: path, line: nil, column: nil, message: reason)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(code: .io, file: path, line: nil, column: nil, message: "the file is not valid UTF-8")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates web configuration text, reading the TLS files it names.
    ///
    /// - Parameters:
    ///   - yaml: The YAML text. An empty document gives plain HTTP without authentication.
    ///   - file: The path used in error messages; relative paths in the text are resolved against its directory.
    /// - Returns: The configuration.
    /// - Throws: ``ConfigError`` naming the file, the 1-based line and column of the offending node, and the problem:
    ///   unknown keys, wrong types, bad values (client auth type, TLS version, header, bcrypt hash), conflicting or
    ///   missing keys, unreadable TLS files, and certificates or keys that GnuTLS refuses.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> WebConfig {
        try WebConfigParser(base: ConfigParser(yaml: yaml, file: file)).parse()
    }
}

/// Walks the composed YAML tree of a web configuration, with ``ConfigParser``'s value readers and error positions.
private struct WebConfigParser {
    typealias Entry = ConfigParser.Entry

    let base: ConfigParser

    func parse() throws(ConfigError) -> WebConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: base.yaml)
        } catch {
            throw base.syntaxError(error)
        }
        var config = WebConfig()
        guard let root, !base.isNull(root) else {
            return config
        }
        let allowed = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]
        for entry in try base.mapping(root, what: "the web configuration", allowed: allowed)
        where !base.isNull(entry.value) {
            switch entry.key {
            case "tls_server_config": config.tls = try tls(entry.value)
            case "http_server_config": config.headers = try headers(entry.value)
            case "basic_auth_users": config.users = try users(entry.value)
            default: throw unsupported(entry)
            }
        }
        return config
    }

    // MARK: - tls_server_config

    func tls(_ node: Node) throws(ConfigError) -> HTTPServer.TLSConfiguration? {
        let allowed = [
            "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file",
            "client_allowed_sans", "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites",
            "curve_preferences",
        ]
        var values: [String: Entry] = [:]
        var minVersion = HTTPServer.TLSConfiguration.Version.tls12
        var maxVersion = HTTPServer.TLSConfiguration.Version.tls13
        var prefersServer = true
        var versionEntry: Entry?
        for entry in try base.mapping(node, what: "tls_server_config", allowed: allowed) where !base.isNull(entry.value)
        {
            switch entry.key {
            case "min_version":
                minVersion = try version(entry)
                versionEntry = entry
            case "max_version":
                maxVersion = try version(entry)
                versionEntry = versionEntry ?? entry
            case "prefer_server_cipher_suites": prefersServer = try bool(entry)
            case "cipher_suites", "curve_preferences", "client_allowed_sans":
                guard case .sequence(let items) = entry.value else {
                    throw base.wrongType(entry.value, expected: "a list", key: entry.key)
                }
                if !items.isEmpty {
                    throw unsupported(entry)
                }
            default:
                // Strings; an empty one means unset, as in the toolkit.
                if try !base.string(entry).isEmpty {
                    values[entry.key] = entry
                }
            }
        }
        if minVersion > maxVersion, let entry = versionEntry {
            throw base.error(.outOfRange, at: entry.value, "min_version is newer than max_version")
        }
        let enabled = ["cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file"]
            .contains { values[$0] != nil }
        guard enabled else {
            return nil
        }
        let policy = try clientPolicy(values["client_auth_type"])
        let certificate = try pem(inline: values["cert"], file: values["cert_file"], what: "cert", in: node)
        let key = try pem(inline: values["key"], file: values["key_file"], what: "key", in: node)
        var clientCA: (text: String, entry: Entry)?
        if values["client_ca"] != nil || values["client_ca_file"] != nil {
            clientCA = try pem(inline: values["client_ca"], file: values["client_ca_file"], what: "client_ca", in: node)
        }
        if let clientCA, policy == .none {
            throw base.error(
                .conflictingKeys,
                at: clientCA.entry.keyNode,
                "\(clientCA.entry.key) is set but client_auth_type is NoClientCert; "
                    + "set client_auth_type: RequireAndVerifyClientCert (or remove \(clientCA.entry.key))"
            )
        }
        if clientCA == nil, policy == .verifyIfGiven || policy == .requireAndVerify,
            let entry = values["client_auth_type"]
        {
            throw base.error(
                .missingKey,
                at: entry.value,
                "client_auth_type \(policy.rawValue) needs client_ca_file (the CA that signs client certificates)"
            )
        }
        let configuration = HTTPServer.TLSConfiguration(
            certificatePEM: certificate.text,
            privateKeyPEM: key.text,
            clientCertificates: policy,
            clientCAPEM: clientCA?.text,
            minVersion: minVersion,
            maxVersion: maxVersion,
            prefersServerCipherSuites: prefersServer
        )
        do {
            try configuration.validate()
        } catch {
            let at = error.message.contains("client CA") ? (clientCA?.entry ?? certificate.entry) : certificate.entry
            throw base.error(.invalidValue, at: at.value, error.message)
        }
        return configuration
    }

    /// The PEM text of `what`: inline, or read from the `_file` entry.
    func pem(
        inline: Entry?,
        file: Entry?,
        what: String,
        in node: Node
    ) throws(ConfigError) -> (text: String, entry: Entry) {
        switch (inline, file) {
        case (let inline?, nil):
            return (try base.string(inline), inline)
        case (nil, let file?):
            let path = base.resolve(try base.string(file))
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
                throw base.error(.io, at: file.value, "\(file.key) \(path) \(reason)")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw base.error(.invalidValue, at: file.value, "\(file.key) \(path) is not a PEM text file")
            }
            return (text, file)
        case (_?, let file?):
            throw base.error(.conflictingKeys, at: file.keyNode, "both \(what) and \(what)_file are set; set one")
        case (nil, nil):
            throw base.error(.missingKey, at: node, "tls_server_config needs \(what)_file (or \(what))")
        }
    }

    func clientPolicy(_ entry: Entry?) throws(ConfigError) -> HTTPServer.TLSConfiguration.ClientCertificatePolicy {
        guard let entry else {
            return .none
        }
        let text = try base.string(entry)
        if text == "RequireClientCert" {
            return .requireAny  // The toolkit's older name.
        }
        guard let policy = HTTPServer.TLSConfiguration.ClientCertificatePolicy(rawValue: text) else {
            let names = HTTPServer.TLSConfiguration.ClientCertificatePolicy.allCases.map(\.rawValue)
            throw base.error(
                .invalidValue,
                at: entry.value,
                "client_auth_type \"\(text)\" is not one of: \(names.joined(separator: ", "))"
            )
        }
        return policy
    }

    func version(_ entry: Entry) throws(ConfigError) -> HTTPServer.TLSConfiguration.Version {
        let names: [String: HTTPServer.TLSConfiguration.Version] = [
            "TLS10": .tls10, "TLS11": .tls11, "TLS12": .tls12, "TLS13": .tls13,
        ]
        let text = try base.string(entry)
        guard let version = names[text] else {
            throw base.error(
                .invalidValue,
                at: entry.value,
                "\(entry.key) \"\(text)\" is not one of: TLS10, TLS11, TLS12, TLS13"
            )
        }
        return version
    }

    // MARK: - http_server_config

    func headers(_ node: Node) throws(ConfigError) -> [WebConfig.Header] {
        var headers: [WebConfig.Header] = []
        for entry in try base.mapping(node, what: "http_server_config", allowed: ["http2", "headers"])
        where !base.isNull(entry.value) {
            if entry.key == "http2" {
                _ = try bool(entry)  // libmicrohttpd has no HTTP/2; accepted for compatibility.
                continue
            }
            let allowed = WebConfig.allowedHeaders.keys.sorted()
            for header in try base.mapping(entry.value, what: "headers", allowed: allowed)
            where !base.isNull(header.value) {
                let value = try base.string(header)
                if value.isEmpty {
                    continue  // Blank means unset.
                }
                let values = WebConfig.allowedHeaders[header.key] ?? []
                if !values.isEmpty, !values.contains(value) {
                    throw base.error(
                        .invalidValue,
                        at: header.value,
                        "\(header.key) must be one of: \(values.joined(separator: ", ")); got \"\(value)\""
                    )
                }
                if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    throw base.error(
                        .invalidValue,
                        at: header.value,
                        "\(header.key) must not contain control characters"
                    )
                }
                headers.append(WebConfig.Header(name: header.key, value: value))
            }
        }
        return headers
    }

    // MARK: - basic_auth_users

    func users(_ node: Node) throws(ConfigError) -> [String: String] {
        guard case .mapping(let mapping) = node else {
            throw base.wrongType(node, expected: "a mapping of user names to bcrypt hashes", key: "basic_auth_users")
        }
        var users: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let name) = keyNode, !base.isNull(keyNode), !name.string.isEmpty else {
                throw base.error(.wrongType, at: keyNode, "user names must be non-empty strings")
            }
            guard !name.string.contains(":") else {
                throw base.error(.invalidValue, at: keyNode, "user name \"\(name.string)\" must not contain \":\"")
            }
            let entry = Entry(key: name.string, keyNode: keyNode, value: value)
            let hash = try base.string(entry)
            guard Self.isBcryptHash(hash) else {
                throw base.error(
                    .invalidValue,
                    at: value,
                    "the password of \(name.string) must be a bcrypt hash ($2b$, $2y$ or $2a$, cost 04 to 31, "
                        + "60 characters), e.g. from: htpasswd -nBC 10 \"\" | tr -d ':\\n'"
                )
            }
            users[name.string] = hash
        }
        return users
    }

    /// `$2b$10$` + 53 characters of bcrypt's base64 (22 of salt, 31 of hash), cost 4 to 31.
    static func isBcryptHash(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
            bytes[6] == UInt8(ascii: "$"), let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)),
            (4...31).contains(cost)
        else {
            return false
        }
        return bytes[7...].allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "/")
        }
    }

    // MARK: - Helpers

    func bool(_ entry: Entry) throws(ConfigError) -> Bool {
        guard case .scalar(let scalar) = entry.value, base.tagName(entry.value) == .bool else {
            throw base.wrongType(entry.value, expected: "true or false", key: entry.key)
        }
        return ["true", "yes", "on", "y"].contains(scalar.string.lowercased())
    }

    func unsupported(_ entry: Entry) -> ConfigError {
        base.error(
            .invalidValue,
            at: entry.keyNode,
            "\(entry.key) is part of the exporter-toolkit format but dataworks-exporter does not support it; remove it"
        )
    }
}
