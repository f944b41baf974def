import LockedValue

/// Where requests go: scheme, host and optional port of the DataWorks OpenAPI.
///
/// Source: api-notes §2 (endpoint resolution), §1.7 (port handling).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The URL scheme.
    public enum Scheme: String, Sendable, CaseIterable {
        /// Plain HTTP (local simulator, proxies).
        case http
        /// HTTPS, the default.
        case https
    }

    /// Which network the endpoint is reached through.
    public enum Network: String, Sendable, CaseIterable {
        /// The public endpoint `dataworks.{RegionId}.aliyuncs.com`.
        case `public`
        /// The VPC endpoint `dataworks-vpc.{RegionId}.aliyuncs.com`.
        case vpc
    }

    /// The URL scheme.
    public var scheme: Scheme
    /// The host name or IP address (IPv6 without brackets).
    public var host: String
    /// The port when given explicitly; `nil` means the scheme's default.
    public var port: Int?

    /// Creates an endpoint from its parts.
    ///
    /// - Parameters:
    ///   - scheme: `https` unless talking to a local server.
    ///   - host: Host name or IP address.
    ///   - port: An explicit port, or `nil` for the scheme's default.
    public init(scheme: Scheme = .https, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `host` or `host:port`, as sent (and signed) in the `host` header. IPv6 hosts are bracketed.
    public var hostHeader: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let port else { return hostPart }
        return "\(hostPart):\(port)"
    }

    /// `scheme://hostHeader`, without a trailing slash, for example `https://dataworks.cn-zhangjiakou.aliyuncs.com`.
    public var url: String { "\(scheme.rawValue)://\(hostHeader)" }

    /// Same as ``url``.
    public var description: String { url }

    /// Regions whose DataWorks endpoint is the central `dataworks.aliyuncs.com` and which have no VPC endpoint.
    public static let centralEndpointRegions: Set<String> = ["cn-qingdao", "cn-huhehaote"]

    /// Resolves the endpoint for a region, or parses an explicit override.
    ///
    /// - An `override` wins and is used verbatim: `http://127.0.0.1:18089`, `https://proxy.example:8443`, or a bare
    ///   `host[:port]` (HTTPS). A trailing `/` is allowed; any other path, query, user info or scheme is rejected.
    /// - Otherwise `dataworks.{RegionId}.aliyuncs.com`, or `dataworks-vpc.{RegionId}.aliyuncs.com` for
    ///   ``Network/vpc``. `cn-qingdao` and `cn-huhehaote` always map to `dataworks.aliyuncs.com` (no VPC endpoint).
    ///
    /// - Parameters:
    ///   - regionId: The RegionId, for example `cn-zhangjiakou`; may be `nil` when `override` is given.
    ///   - network: Public or VPC.
    ///   - override: An explicit endpoint, or `nil`.
    /// - Returns: The endpoint (HTTPS unless the override says `http://`).
    /// - Throws: ``EndpointError`` when the RegionId is missing or malformed, or the override cannot be parsed.
    public static func resolve(
        regionId: String?,
        network: Network = .public,
        override: String? = nil
    ) throws(EndpointError) -> Endpoint {
        if let override, !override.trimmingWhitespace().isEmpty {
            return try parseOverride(override.trimmingWhitespace())
        }
        guard let regionId, !regionId.isEmpty else { throw .missingRegionId }
        guard isValidRegionId(regionId) else { throw .invalidRegionId(regionId) }
        if centralEndpointRegions.contains(regionId) {
            return Endpoint(host: "dataworks.aliyuncs.com")
        }
        switch network {
        case .public: return Endpoint(host: "dataworks.\(regionId).aliyuncs.com")
        case .vpc: return Endpoint(host: "dataworks-vpc.\(regionId).aliyuncs.com")
        }
    }

    /// Whether `regionId` looks like an Alibaba Cloud RegionId: lowercase letters and digits in `-`-separated
    /// groups, at least two groups, at most 64 characters (for example `cn-beijing-finance-1`).
    public static func isValidRegionId(_ regionId: String) -> Bool {
        guard regionId.utf8.count <= 64 else { return false }
        let groups = regionId.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count >= 2 else { return false }
        return groups.allSatisfy { group in
            !group.isEmpty
                && group.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || isDigit($0) }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func parseOverride(_ text: String) throws(EndpointError) -> Endpoint {
        var rest = Substring(text)
        var scheme = Scheme.https
        if let range = rest.firstRange(of: "://") {
            let name = rest[rest.startIndex..<range.lowerBound].lowercased()
            guard let parsed = Scheme(rawValue: name) else {
                throw .invalidOverride(text, reason: "scheme must be http or https")
            }
            scheme = parsed
            rest = rest[range.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty else { throw .invalidOverride(text, reason: "no host") }
        if rest.contains(where: { "/?#@ \t".contains($0) }) {
            throw .invalidOverride(text, reason: "only scheme://host[:port] is allowed (no path, query or user info)")
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidOverride(text, reason: "unclosed '['") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidOverride(text, reason: "unexpected text after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw .invalidOverride(text, reason: "no host") }
        let hostAllowed = host.utf8.allSatisfy { byte in
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":")
        }
        guard hostAllowed else {
            throw .invalidOverride(text, reason: "host has characters other than letters, digits, '-', '.', '_'")
        }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.utf8.allSatisfy(isDigit), portText.count <= 5, let value = Int(portText),
                (1...65535).contains(value)
            else { throw .invalidOverride(text, reason: "port must be a number from 1 to 65535") }
            port = value
        }
        return Endpoint(scheme: scheme, host: String(host), port: port)
    }
}

/// Why an endpoint could not be resolved.
public enum EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither a RegionId nor an endpoint override was given.
    case missingRegionId
    /// The RegionId is not of the form `cn-zhangjiakou` (lowercase letters and digits separated by `-`).
    case invalidRegionId(String)
    /// The endpoint override could not be parsed.
    case invalidOverride(String, reason: String)

    /// A one-line explanation naming the offending value.
    public var description: String {
        switch self {
        case .missingRegionId:
            "RegionId is empty and no endpoint override is set; set a RegionId such as cn-zhangjiakou"
        case .invalidRegionId(let regionId):
            "invalid RegionId '\(regionId)': expected lowercase letters and digits separated by '-', e.g. cn-zhangjiakou"
        case .invalidOverride(let text, let reason):
            "invalid endpoint override '\(text)': \(reason); expected [http[s]://]host[:port]"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// The endpoints of one ``DataWorksClient``: the override parsed once, or each region's endpoint resolved on its first
/// call and kept, so that a call costs a locked look-up instead of parsing (``Endpoint/resolve(regionId:network:override:)``
/// gives the same answers).
///
/// Thread safety: the kept endpoints are locked; shared by a client and its ``DataWorksClient/observed(by:)`` copies.
final class EndpointResolver: Sendable {
    private let network: Endpoint.Network
    /// The parsed override; `nil` when none is set.
    private let override: Result<Endpoint, EndpointError>?
    private let regional = Locked<[String: Endpoint]>([:])

    /// Parses `override` (when set) now.
    init(network: Endpoint.Network, override: String?) {
        self.network = network
        if let override, !override.trimmingWhitespace().isEmpty {
            self.override = Result { () throws(EndpointError) in
                try Endpoint.resolve(regionId: nil, network: network, override: override)
            }
        } else {
            self.override = nil
        }
    }

    /// The endpoint for `regionId`, as ``Endpoint/resolve(regionId:network:override:)``.
    ///
    /// - Throws: ``EndpointError`` (an invalid override, or an empty or invalid RegionId without one).
    func endpoint(regionId: String) throws(EndpointError) -> Endpoint {
        if let override {
            return try override.get()
        }
        if let kept = regional.withLock({ $0[regionId] }) {
            return kept
        }
        let endpoint = try Endpoint.resolve(regionId: regionId, network: network)
        regional.withLock { $0[regionId] = endpoint }
        return endpoint
    }
}
