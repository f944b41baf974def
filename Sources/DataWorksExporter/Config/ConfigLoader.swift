import DataWorksAPI
import Foundation
import Yams

extension ExporterConfig {
    /// Reads and validates a configuration file.
    ///
    /// Relative `*_file` paths in it are resolved against the directory of `path`.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: The configuration.
    /// - Throws: ``ConfigError`` with code `io` if the file cannot be read or is not UTF-8, otherwise as
    ///   ``parse(yaml:file:)``.
    public static func load(path: String) throws(ConfigError) -> ExporterConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = UnreadableFile(path: path).reason(
                missingHint: "give the configuration with --config.file PATH (see examples/dataworks.yml)"
            )
            throw ConfigError(code: .io, file: path, line: nil, column: nil, message: reason)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(code: .io, file: path, line: nil, column: nil, message: "the file is not valid UTF-8")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates configuration text.
    ///
    /// - Parameters:
    ///   - yaml: The YAML text. An empty document gives the defaults with no targets.
    ///   - file: The path used in error messages; relative `*_file` paths are resolved against its directory.
    /// - Returns: The configuration.
    /// - Throws: ``ConfigError`` naming the file, the 1-based line and column of the offending node, and
    ///   the problem.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> ExporterConfig {
        try ConfigParser(yaml: yaml, file: file).parse()
    }
}

/// Walks the composed YAML tree and builds an ``ExporterConfig``; its value readers serve the web config loader too.
struct ConfigParser {
    let yaml: String
    let file: String

    /// An entry of a mapping, with the key's text and node.
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    // MARK: - Top level

    /// The configuration, or the first problem of the file carrying the others (``ConfigError/all``).
    func parse() throws(ConfigError) -> ExporterConfig {
        var problems: [ConfigError] = []
        let config = read(problems: &problems)
        if let first = problems.first {
            throw ConfigError(first, more: Array(problems.dropFirst()))
        }
        return config
    }

    /// Reads the whole file, recording every problem found in `problems` in file order: each bad key, value or
    /// target is one problem, and reading goes on with the next. Checks that relate keys of one section run only when
    /// the section's keys had no problem.
    func read(problems: inout [ConfigError]) -> ExporterConfig {
        var config = ExporterConfig()
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            problems.append(syntaxError(error))
            return config
        }
        guard let root, !isNull(root) else {
            return config
        }
        Self.topLevel.read(root, into: &config, parser: self, problems: &problems)
        return config
    }

    // MARK: - Sections

    /// The keys of one mapping, each with the handler that reads its value into `Value`: a key is allowed exactly
    /// when it has a handler, so no key can be accepted and then ignored.
    struct Section<Value>: Sendable {
        /// Reads one entry's value into the section's value.
        typealias Handler = @Sendable (ConfigParser, Entry, inout Value) throws(ConfigError) -> Void
        /// Checks the section as a whole after its keys were read (keys that relate to each other), given the
        /// entries present by key.
        typealias Check = @Sendable (ConfigParser, Node, [String: Entry], inout Value) throws(ConfigError) -> Void

        /// What the mapping is, for messages: `dataworks`, `a target`.
        var what: String
        /// The keys, in the order messages list them, with their handlers.
        var handlers: [(key: String, read: Handler)]
        /// Whether handlers also get entries whose value is null (`key:` or `key: null`); by default such a key keeps
        /// its default.
        var readsNull = false
        /// Run once after the keys, when none of them had a problem.
        var check: Check?

        /// Reads `node`'s entries into `value`, recording each problem in `problems` and going on with the next entry.
        func read(_ node: Node, into value: inout Value, parser: ConfigParser, problems: inout [ConfigError]) {
            let before = problems.count
            guard case .mapping(let mapping) = node else {
                problems.append(
                    parser.error(.wrongType, at: node, "expected a mapping for \(what), got \(parser.describe(node))")
                )
                return
            }
            var present: [String: Entry] = [:]
            var readers: [(Entry, Handler)] = []
            for (keyNode, entryValue) in mapping {
                guard case .scalar(let scalar) = keyNode else {
                    let message = "keys of \(what) must be strings, got \(parser.describe(keyNode))"
                    problems.append(parser.error(.wrongType, at: keyNode, message))
                    continue
                }
                let key = scalar.string
                guard let handler = handlers.first(where: { $0.key == key }) else {
                    let allowed = handlers.map(\.key).joined(separator: ", ")
                    let message = "unknown key \"\(key)\" in \(what); allowed keys: \(allowed)"
                    problems.append(parser.error(.unknownKey, at: keyNode, message))
                    continue
                }
                let entry = Entry(key: key, keyNode: keyNode, value: entryValue)
                present[key] = entry
                readers.append((entry, handler.read))
            }
            guard problems.count == before else { return }
            for (entry, read) in readers where readsNull || !parser.isNull(entry.value) {
                do throws(ConfigError) {
                    try read(parser, entry, &value)
                } catch {
                    problems += error.all
                }
            }
            guard problems.count == before, let check else { return }
            do throws(ConfigError) {
                try check(parser, node, present, &value)
            } catch {
                problems += error.all
            }
        }
    }

    /// Reads a nested section; its problems are thrown together (``ConfigError/all``) for the caller to record.
    func section<Value>(_ node: Node, _ section: Section<Value>, into initial: Value) throws(ConfigError) -> Value {
        var value = initial
        var problems: [ConfigError] = []
        section.read(node, into: &value, parser: self, problems: &problems)
        if let first = problems.first {
            throw ConfigError(first, more: Array(problems.dropFirst()))
        }
        return value
    }

    static let topLevel = Section<ExporterConfig>(
        what: "the configuration",
        handlers: [
            (
                "dataworks",
                { p, e, c throws(ConfigError) in c.dataworks = try p.section(e.value, dataworks, into: .init()) }
            ),
            (
                "collector",
                { p, e, c throws(ConfigError) in c.collector = try p.section(e.value, collector, into: .init()) }
            ),
            ("targets", { p, e, c throws(ConfigError) in c.targets = try p.targets(e.value) }),
        ]
    )

    static let dataworks = Section<DataWorksSettings>(
        what: "dataworks",
        handlers: [
            ("endpoint", { p, e, s throws(ConfigError) in s.endpoint = try p.endpoint(e) }),
            ("signature", { p, e, s throws(ConfigError) in s.signature = try p.choice(e, SignatureVersion.self) }),
            ("network", { p, e, s throws(ConfigError) in s.network = try p.choice(e, Endpoint.Network.self) }),
            ("concurrency", { p, e, s throws(ConfigError) in s.concurrency = Int(try p.integer(e, in: 1...256)) }),
            (
                "connect_timeout",
                { p, e, s throws(ConfigError) in s.connectTimeout = try p.duration(e, positive: true) }
            ),
            (
                "request_timeout",
                { p, e, s throws(ConfigError) in s.requestTimeout = try p.duration(e, positive: true) }
            ),
            ("retries", { p, e, s throws(ConfigError) in s.retries = Int(try p.integer(e, in: 0...10)) }),
            (
                "user_agent",
                { p, e, s throws(ConfigError) in
                    let text = try p.string(e)
                    if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                        throw p.error(.invalidValue, at: e.value, "user_agent must not contain control characters")
                    }
                    s.userAgent = text.isEmpty ? nil : text
                }
            ),
            // Both must be strings; the section check pairs them and resolves their paths.
            ("access_key_id_file", { p, e, _ throws(ConfigError) in _ = try p.string(e) }),
            ("access_key_secret_file", { p, e, _ throws(ConfigError) in _ = try p.string(e) }),
            (
                "rate_limit",
                { p, e, s throws(ConfigError) in
                    let rate = try p.number(e, in: 0...100_000)
                    s.rateLimit = rate == 0 ? nil : rate
                }
            ),
            ("burst", { p, e, s throws(ConfigError) in s.burst = Int(try p.integer(e, in: 1...10_000)) }),
            (
                "quota_pause",
                { p, e, s throws(ConfigError) in
                    let pause = try p.duration(e, positive: false)
                    s.quotaPause = pause == .zero ? nil : pause
                }
            ),
            (
                "ca_file",
                { p, e, s throws(ConfigError) in
                    let path = try p.string(e)
                    s.caFile = path.isEmpty ? nil : p.resolve(path)
                }
            ),
        ],
        check: { p, _, present, settings throws(ConfigError) in
            let connectTimeout = present["connect_timeout"].flatMap { p.isNull($0.value) ? nil : $0 }
            if connectTimeout == nil, settings.connectTimeout > settings.requestTimeout {
                // Only request_timeout was lowered: the default connect timeout follows it down.
                settings.connectTimeout = settings.requestTimeout
            }
            if let connectTimeout, settings.connectTimeout > settings.requestTimeout {
                throw p.error(
                    .outOfRange,
                    at: connectTimeout.value,
                    "connect_timeout (\(PrometheusDuration.format(settings.connectTimeout))) must not exceed "
                        + "request_timeout (\(PrometheusDuration.format(settings.requestTimeout)))"
                )
            }
            func file(_ key: String) throws(ConfigError) -> Entry? {
                guard let entry = present[key], !p.isNull(entry.value) else { return nil }
                return try p.string(entry).isEmpty ? nil : entry
            }
            switch (try file("access_key_id_file"), try file("access_key_secret_file")) {
            case (let id?, let secret?):
                settings.credentialFiles = .init(
                    accessKeyIdFile: p.resolve(try p.string(id)),
                    accessKeySecretFile: p.resolve(try p.string(secret))
                )
            case (let present?, nil), (nil, let present?):
                let missing = present.key == "access_key_id_file" ? "access_key_secret_file" : "access_key_id_file"
                throw p.error(
                    .conflictingKeys,
                    at: present.keyNode,
                    "\(present.key) is set but \(missing) is not; set both or neither"
                )
            case (nil, nil):
                break
            }
        }
    )

    static let collector = Section<CollectorSettings>(
        what: "collector",
        handlers: [
            ("scrape_timeout", { p, e, s throws(ConfigError) in s.scrapeTimeout = try p.duration(e, positive: true) }),
            ("timeout_offset", { p, e, s throws(ConfigError) in s.timeoutOffset = try p.duration(e, positive: false) }),
            ("cache_ttl", { p, e, s throws(ConfigError) in s.cacheTTL = try p.duration(e, positive: false) }),
            ("mode", { p, e, s throws(ConfigError) in s.mode = try p.choice(e, CollectionMode.self) }),
            ("interval", { p, e, s throws(ConfigError) in s.interval = try p.duration(e, positive: true) }),
            (
                "terminal_refresh",
                { p, e, s throws(ConfigError) in s.terminalRefresh = try p.duration(e, positive: false) }
            ),
            ("max_stale", { p, e, s throws(ConfigError) in s.maxStale = try p.duration(e, positive: false) }),
            ("list_deployments", { p, e, s throws(ConfigError) in s.listDeployments = try p.bool(e) }),
            ("release_lead_time", { p, e, s throws(ConfigError) in s.releaseLeadTime = try p.bool(e) }),
        ],
        check: { p, node, present, settings throws(ConfigError) in
            if settings.timeoutOffset >= settings.scrapeTimeout {
                throw p.error(
                    .outOfRange,
                    at: present["timeout_offset"].flatMap { p.isNull($0.value) ? nil : $0.value } ?? node,
                    "timeout_offset (\(PrometheusDuration.format(settings.timeoutOffset))) must be less than "
                        + "scrape_timeout (\(PrometheusDuration.format(settings.scrapeTimeout)))"
                )
            }
        }
    )

    static let discover = Section<Discovery>(
        what: "discover",
        handlers: [
            ("max_age", { p, e, d throws(ConfigError) in d.maxAge = try p.duration(e, positive: true) }),
            (
                "statuses",
                { p, e, d throws(ConfigError) in
                    guard case .sequence(let items) = e.value, !items.isEmpty else {
                        throw p.wrongType(e.value, expected: "a non-empty list of statuses", key: "statuses")
                    }
                    var statuses: [DeploymentStatus] = []
                    for item in items {
                        guard case .scalar(let scalar) = item, let status = DeploymentStatus(name: scalar.string) else {
                            throw p.error(
                                .invalidValue,
                                at: item,
                                "statuses must list ready, success, failure or rejected, got \(p.describe(item))"
                            )
                        }
                        if !statuses.contains(status) {
                            statuses.append(status)
                        }
                    }
                    d.statuses = statuses
                }
            ),
            ("limit", { p, e, d throws(ConfigError) in d.limit = Int(try p.integer(e, in: 1...10_000)) }),
        ]
    )

    /// The keys of a target, read as entries: ``target(_:seen:)`` checks them together, in a fixed order.
    static let target = Section<[String: Entry]>(
        what: "a target",
        handlers: [
            "region_id", "project_id", "project_identifier", "deployment_ids", "discover", "api_version",
            "pipeline_run_ids", "cross_project",
        ].map { key in
            (key, { _, e, entries throws(ConfigError) in entries[e.key] = e })
        },
        readsNull: true
    )

    func targets(_ node: Node) throws(ConfigError) -> [Target] {
        guard case .sequence(let items) = node else {
            throw wrongType(node, expected: "a list of targets", key: "targets")
        }
        var result: [Target] = []
        var problems: [ConfigError] = []
        // First occurrence of every deployment ID, per workspace.
        var seen: [Workspace: [Int64: Node]] = [:]
        var pipelineRunsSeen: [Workspace: [String: Node]] = [:]
        for item in items {
            do throws(ConfigError) {
                result.append(try target(item, seen: &seen, pipelineRunsSeen: &pipelineRunsSeen))
            } catch {
                problems += error.all
            }
        }
        if let first = problems.first {
            throw ConfigError(first, more: Array(problems.dropFirst()))
        }
        return result
    }

    func target(_ node: Node, seen: inout [Workspace: [Int64: Node]]) throws(ConfigError) -> Target {
        var pipelineRunsSeen: [Workspace: [String: Node]] = [:]
        return try target(node, seen: &seen, pipelineRunsSeen: &pipelineRunsSeen)
    }

    func target(
        _ node: Node,
        seen: inout [Workspace: [Int64: Node]],
        pipelineRunsSeen: inout [Workspace: [String: Node]]
    ) throws(ConfigError) -> Target {
        let entries = try section(node, Self.target, into: [:])
        func find(_ key: String) -> Entry? { entries[key] }

        guard let regionEntry = find("region_id") else {
            throw error(.missingKey, at: node, "target is missing the required key region_id")
        }
        let regionId = try string(regionEntry)
        guard Self.isValidRegionId(regionId) else {
            throw error(
                .invalidValue,
                at: regionEntry.value,
                "region_id \"\(regionId)\" is not a region ID like cn-zhangjiakou or ap-southeast-1"
            )
        }

        if let versionEntry = find("api_version"), !isNull(versionEntry.value),
            try choice(versionEntry, APIVersion.self) == .v2024_05_18
        {
            return try pipelineRunTarget(node, regionId: regionId, entries: entries, seen: &pipelineRunsSeen)
        }
        for key in ["pipeline_run_ids", "cross_project"] {
            if let entry = find(key) {
                throw error(
                    .conflictingKeys,
                    at: entry.keyNode,
                    "\(key) is a key of pipeline runs, which need api_version: 2024-05-18 (this target uses 2020-05-18)"
                )
            }
        }

        let project: ProjectReference
        switch (find("project_id"), find("project_identifier")) {
        case (let id?, nil):
            project = .id(try integer(id, in: 1...Int64.max))
        case (nil, let identifier?):
            let text = try string(identifier)
            guard Self.isValidProjectIdentifier(text) else {
                throw error(
                    .invalidValue,
                    at: identifier.value,
                    "project_identifier \"\(text)\" must start with a letter or digit and contain only letters, digits "
                        + "and underscores (at most 64)"
                )
            }
            project = .identifier(text)
        case (_?, let identifier?):
            throw error(
                .conflictingKeys,
                at: identifier.keyNode,
                "target has both project_id and project_identifier; set exactly one"
            )
        case (nil, nil):
            throw error(.conflictingKeys, at: node, "target needs exactly one of project_id or project_identifier")
        }

        var discovery: Discovery?
        if let entry = find("discover"), !isNull(entry.value) {
            discovery = try section(entry.value, Self.discover, into: Discovery())
        }
        guard let idsEntry = find("deployment_ids") else {
            if let discovery {
                return Target(regionId: regionId, project: project, deploymentIds: [], discovery: discovery)
            }
            throw error(.missingKey, at: node, "target is missing the required key deployment_ids (or discover)")
        }
        guard case .sequence(let idNodes) = idsEntry.value else {
            throw wrongType(idsEntry.value, expected: "a list of deployment IDs", key: "deployment_ids")
        }
        if idNodes.isEmpty, discovery == nil {
            throw error(.invalidValue, at: idsEntry.value, "deployment_ids must list at least one deployment ID")
        }
        let workspace = Workspace(regionId: regionId, project: project)
        var ids: [Int64] = []
        ids.reserveCapacity(idNodes.count)
        for idNode in idNodes {
            let id = try integer(idNode, key: "deployment ID", in: 1...Int64.max, what: "a positive int64")
            if let first = seen[workspace]?[id] {
                let where_ = first.mark.map { "line \($0.line), column \($0.column)" } ?? "earlier"
                throw error(
                    .duplicateDeploymentId,
                    at: idNode,
                    "deployment ID \(id) is listed twice for region \(regionId), project \(project.description); "
                        + "first at \(where_)"
                )
            }
            seen[workspace, default: [:]][id] = idNode
            ids.append(id)
        }
        return Target(workspace: workspace, deploymentIds: ids, discovery: discovery)
    }

    // MARK: - Values

    /// The entries of a mapping node, in order, after checking that every key is a known string.
    func mapping(_ node: Node, what: String, allowed: [String]) throws(ConfigError) -> [Entry] {
        guard case .mapping(let mapping) = node else {
            throw error(.wrongType, at: node, "expected a mapping for \(what), got \(describe(node))")
        }
        var entries: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(.wrongType, at: keyNode, "keys of \(what) must be strings, got \(describe(keyNode))")
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                throw error(
                    .unknownKey,
                    at: keyNode,
                    "unknown key \"\(key)\" in \(what); allowed keys: \(allowed.joined(separator: ", "))"
                )
            }
            entries.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        return entries
    }

    func string(_ entry: Entry) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
            throw wrongType(entry.value, expected: "a string", key: entry.key)
        }
        return scalar.string
    }

    func integer(_ entry: Entry, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64 {
        try integer(entry.value, key: entry.key, in: range, what: "an integer")
    }

    /// Reads a plain decimal integer scalar and checks its range.
    func integer(_ node: Node, key: String, in range: ClosedRange<Int64>, what: String) throws(ConfigError) -> Int64 {
        guard case .scalar(let scalar) = node, tagName(node) == .int else {
            throw wrongType(node, expected: what, key: key)
        }
        guard let value = Int64(scalar.string) else {
            let digits = scalar.string.drop { $0 == "-" || $0 == "+" }
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw error(.outOfRange, at: node, "\(key) \(scalar.string) is out of range; expected \(what)")
            }
            throw error(.invalidValue, at: node, "\(key) must be written in decimal, got \(scalar.string)")
        }
        guard range.contains(value) else {
            let bounds =
                range.upperBound == Int64.max
                ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw error(.outOfRange, at: node, "\(key) must be \(bounds), got \(value)")
        }
        return value
    }

    /// Reads an integer or decimal scalar and checks its range.
    func number(_ entry: Entry, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard case .scalar(let scalar) = entry.value, tagName(entry.value) == .int || tagName(entry.value) == .float,
            let value = Double(scalar.string), value.isFinite
        else {
            throw wrongType(entry.value, expected: "a number", key: entry.key)
        }
        guard range.contains(value) else {
            throw error(
                .outOfRange,
                at: entry.value,
                "\(entry.key) must be \(range.lowerBound) to \(range.upperBound), got \(scalar.string)"
            )
        }
        return value
    }

    func duration(_ entry: Entry, positive: Bool) throws(ConfigError) -> Duration {
        guard case .scalar(let scalar) = entry.value, !isNull(entry.value) else {
            throw wrongType(entry.value, expected: "a duration such as 5s", key: entry.key)
        }
        guard let duration = PrometheusDuration.parse(scalar.string) else {
            throw error(
                .invalidValue,
                at: entry.value,
                "\(entry.key) \"\(scalar.string)\" is not a duration; use a number with a unit "
                    + "(ms, s, m, h, d, w, y), e.g. 500ms, 5s, 1h30m"
            )
        }
        if positive, duration <= .zero {
            throw error(.outOfRange, at: entry.value, "\(entry.key) must be greater than 0")
        }
        return duration
    }

    /// A YAML boolean (`true`, `false`, and the YAML 1.1 spellings the tag accepts).
    func bool(_ entry: Entry) throws(ConfigError) -> Bool {
        guard case .scalar(let scalar) = entry.value, tagName(entry.value) == .bool else {
            throw wrongType(entry.value, expected: "true or false", key: entry.key)
        }
        return ["true", "yes", "on", "y"].contains(scalar.string.lowercased())
    }

    func choice<Value: RawRepresentable & CaseIterable>(
        _ entry: Entry,
        _ type: Value.Type
    ) throws(ConfigError) -> Value where Value.RawValue == String {
        let text = try string(entry)
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(.invalidValue, at: entry.value, "\(entry.key) \"\(text)\" is not one of: \(allowed)")
        }
        return value
    }

    func endpoint(_ entry: Entry) throws(ConfigError) -> String? {
        let text = try string(entry)
        if text.isEmpty {
            return nil
        }
        var hostPort = Substring(text)
        for scheme in ["http://", "https://"] where hostPort.hasPrefix(scheme) {
            hostPort = hostPort.dropFirst(scheme.count)
        }
        if hostPort.hasSuffix("/") {
            hostPort = hostPort.dropLast()
        }
        let parts = hostPort.split(separator: ":", omittingEmptySubsequences: false)
        let hostOK =
            !(parts.first ?? "").isEmpty
            && (parts.first ?? "").allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        let portOK = parts.count == 1 || (parts.count == 2 && UInt16(parts[1]).map { $0 > 0 } == true)
        guard hostOK, portOK else {
            throw error(
                .invalidValue,
                at: entry.value,
                "endpoint \"\(text)\" must be http(s)://host[:port] or host[:port], without a path"
            )
        }
        return text
    }

    // MARK: - Checks and helpers

    /// `cn-zhangjiakou`, `ap-southeast-1`, `cn-shanghai-finance-1`: lowercase words joined by `-`.
    static func isValidRegionId(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 2, text.utf8.count <= 64, let first = parts.first, first.count >= 2,
            first.allSatisfy({ $0.isASCII && $0.isLowercase })
        else {
            return false
        }
        return parts.dropFirst().allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        }
    }

    /// A letter or digit, then letters, digits or underscores; at most 64 characters (DataWorks CreateProject).
    static func isValidProjectIdentifier(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first.isNumber, text.utf8.count <= 64 else {
            return false
        }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else {
            return path
        }
        var relative = Substring(path)
        while relative.hasPrefix("./") {
            relative = relative.dropFirst(2)
        }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? String(relative) : (directory as NSString).appendingPathComponent(String(relative))
    }

    func isNull(_ node: Node) -> Bool {
        if case .scalar = node {
            return tagName(node) == .null
        }
        return false
    }

    func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch tagName(node) {
            case .null: return "null"
            case .int: return "the integer \(scalar.string)"
            case .float: return "the number \(scalar.string)"
            case .bool: return "the boolean \(scalar.string)"
            default: return "the string \"\(scalar.string)\""
            }
        }
    }

    func wrongType(_ node: Node, expected: String, key: String) -> ConfigError {
        error(.wrongType, at: node, "\(key) must be \(expected), got \(describe(node))")
    }

    func error(_ code: ConfigError.Code, at node: Node, _ message: String) -> ConfigError {
        ConfigError(code: code, file: file, line: node.mark?.line, column: node.mark?.column, message: message)
    }

    func syntaxError(_ error: any Error) -> ConfigError {
        guard let yamlError = error as? YamlError else {
            return ConfigError(code: .syntax, file: file, line: nil, column: nil, message: "\(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let message = context.map { "\(problem) (\($0.text) at line \($0.mark.line), column \($0.mark.column))" }
            return ConfigError(
                code: .syntax,
                file: file,
                line: mark.line,
                column: mark.column,
                message: "YAML syntax error: \(message ?? problem)"
            )
        case .reader(let problem, let offset, _, _):
            let position = offset.flatMap { lineAndColumn(ofUTF8Offset: $0) }
            return ConfigError(
                code: .syntax,
                file: file,
                line: position?.line,
                column: position?.column,
                message: "YAML reader error: \(problem)"
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = context.mark
            let second = findRepeatedKey(key, after: first)
            return ConfigError(
                code: .duplicateKey,
                file: file,
                line: second?.line ?? first.line,
                column: second?.column ?? first.column,
                message: "key \"\(key)\" appears more than once in the same mapping; first at line \(first.line), "
                    + "column \(first.column)"
            )
        default:
            return ConfigError(code: .syntax, file: file, line: nil, column: nil, message: "\(yamlError)")
        }
    }

    /// Finds the next block-style occurrence of `key` at the same column as `first`, in the same mapping.
    ///
    /// Yams reports a duplicate key at its first occurrence; this points the error at the repetition.
    func findRepeatedKey(_ key: String, after first: Mark) -> (line: Int, column: Int)? {
        // YAML breaks lines at LF, CRLF and a lone CR; Swift's newline characters cover all three.
        let lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let indent = first.column - 1
        // Yams's line may lie past what this split sees (other line breaks): then give up rather than guess.
        guard first.line >= 1, first.line <= lines.count, indent >= 0 else {
            return nil
        }
        for index in first.line..<lines.count {
            let scalars = lines[index].unicodeScalars
            let leading = scalars.prefix { $0 == " " }.count
            let content = String(String.UnicodeScalarView(scalars.dropFirst(leading)))
            if content.isEmpty || content.hasPrefix("#") {
                continue
            }
            if leading < indent {
                return nil  // The mapping ended.
            }
            if leading == indent, content.hasPrefix(key),
                content.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":")
            {
                return (index + 1, first.column)
            }
        }
        return nil
    }

    func lineAndColumn(ofUTF8Offset offset: Int) -> (line: Int, column: Int)? {
        let utf8 = Array(yaml.utf8)
        guard offset >= 0, offset <= utf8.count else {
            return nil
        }
        var line = 1
        var lineStart = 0
        for index in 0..<offset where utf8[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let column = String(decoding: utf8[lineStart..<offset], as: UTF8.self).unicodeScalars.count + 1
        return (line, column)
    }
}
