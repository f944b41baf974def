public import CurlClient
internal import Foundation

/// Where STS is reached, as the SDK picks it.
///
/// Source: api-notes §4.3 (Endpoint).
public enum STSEndpoint {
    /// The region variable.
    public static let regionVariable = "ALIBABA_CLOUD_STS_REGION"
    /// The VPC endpoint flag variable.
    public static let vpcVariable = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"

    /// The base URL (scheme, host, optional port; no path) for STS calls.
    ///
    /// - Parameters:
    ///   - override: An explicit endpoint: a host (`sts.cn-hangzhou.aliyuncs.com`, HTTPS is used) or a URL
    ///     (`http://127.0.0.1:8080`, used as given, for tests). Wins over everything else.
    ///   - region: The STS region (`sts_region`); `nil` falls back to `ALIBABA_CLOUD_STS_REGION`.
    ///   - vpc: Whether to use `sts-vpc.<region>`; `nil` falls back to `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`.
    ///   - environment: Where the variables are read.
    /// - Returns: e.g. `https://sts-vpc.cn-shanghai.aliyuncs.com`, or `https://sts.aliyuncs.com` without a region.
    public static func resolve(
        override: String? = nil,
        region: String? = nil,
        vpc: Bool? = nil,
        environment: [String: String]
    ) -> String {
        if let override, !override.isEmpty {
            let trimmed = override.hasSuffix("/") ? String(override.dropLast()) : override
            return trimmed.contains("://") ? trimmed : "https://" + trimmed
        }
        let region = region.flatMap { $0.isEmpty ? nil : $0 } ?? environmentValue(environment, regionVariable)
        guard let region else { return "https://sts.aliyuncs.com" }
        let useVPC = vpc ?? environmentFlag(environment, vpcVariable)
        return "https://sts\(useVPC ? "-vpc" : "").\(region).aliyuncs.com"
    }
}

/// The role, session and policy of an STS `AssumeRole` or `AssumeRoleWithOIDC` call.
///
/// Source: api-notes §4.3 (AssumeRole query).
public struct AssumeRoleParameters: Sendable, Hashable {
    /// The shortest `DurationSeconds` STS accepts (900 s).
    public static let minimumDurationSeconds = 900
    /// `RoleArn`, e.g. `acs:ram::123456789012:role/exporter`.
    public var roleArn: String
    /// `RoleSessionName`; `nil` means `dataworks-exporter-<unix seconds>`.
    public var roleSessionName: String?
    /// `DurationSeconds`, at least 900; default 3600.
    public var durationSeconds: Int
    /// `Policy`: an optional policy JSON that narrows the role's permissions.
    public var policy: String?
    /// `ExternalId` (AssumeRole only).
    public var externalId: String?

    /// Creates parameters.
    ///
    /// - Throws: ``CredentialsError/argumentInvalid(name:reason:)`` when `durationSeconds` is below 900 or `roleArn`
    ///   is empty.
    public init(
        roleArn: String,
        roleSessionName: String? = nil,
        durationSeconds: Int = 3600,
        policy: String? = nil,
        externalId: String? = nil
    ) throws(CredentialsError) {
        guard !roleArn.isEmpty else { throw .argumentInvalid(name: "RoleArn", reason: "is empty") }
        guard durationSeconds >= Self.minimumDurationSeconds else {
            throw .argumentInvalid(
                name: "DurationSeconds",
                reason: "must be at least \(Self.minimumDurationSeconds) seconds, got \(durationSeconds)"
            )
        }
        self.roleArn = roleArn
        self.roleSessionName = roleSessionName.flatMap { $0.isEmpty ? nil : $0 }
        self.durationSeconds = durationSeconds
        self.policy = policy.flatMap { $0.isEmpty ? nil : $0 }
        self.externalId = externalId.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// STS `AssumeRole` (V1-signed GET) and `AssumeRoleWithOIDC` (unsigned GET), API version 2015-04-01.
///
/// Timeouts: connect 5 s, whole request 10 s. Errors never hold the query (which carries `Signature`,
/// `SecurityToken` or `OIDCToken`).
///
/// Source: api-notes §4.3.
public struct STSClient: Sendable {
    /// `Version`.
    public static let apiVersion = "2015-04-01"

    /// The base URL, e.g. `https://sts.aliyuncs.com` (see ``STSEndpoint/resolve(override:region:vpc:environment:)``).
    public let endpoint: String
    private let http: CredentialsHTTP
    private let now: @Sendable () -> Int64

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - endpoint: The base URL, without a path.
    ///   - httpClient: The libcurl client to send with.
    ///   - provider: The calling provider's name, for error messages.
    ///   - now: Seconds since the Unix epoch, for `Timestamp` and the default session name.
    public init(
        endpoint: String,
        httpClient: any HTTPTransport,
        provider: String,
        now: @escaping @Sendable () -> Int64 = RefreshPolicy.systemClock
    ) {
        self.endpoint = endpoint
        self.http = CredentialsHTTP(client: httpClient, provider: provider)
        self.now = now
    }

    /// The query parameters of a signed `AssumeRole` call, `Signature` included.
    ///
    /// - Parameters:
    ///   - parameters: Role, session, duration, policy, external ID.
    ///   - source: The credentials that assume the role (`AccessKeyId`, and `SecurityToken` when STS).
    ///   - nonce: `SignatureNonce`; `nil` means a new UUID.
    /// - Returns: Every query parameter, decoded.
    public func assumeRoleQuery(
        _ parameters: AssumeRoleParameters,
        source: Credentials,
        nonce: String? = nil
    ) -> [String: String] {
        let now = self.now()
        var query: [String: String] = [
            "Action": "AssumeRole",
            "Format": "JSON",
            "Version": Self.apiVersion,
            "DurationSeconds": String(parameters.durationSeconds),
            "RoleArn": parameters.roleArn,
            "RoleSessionName": parameters.roleSessionName ?? "dataworks-exporter-\(now)",
            "SignatureMethod": SignatureV1.signatureMethod,
            "SignatureVersion": SignatureV1.signatureVersion,
            "Timestamp": ACSTimestamp.format(epochSeconds: now),
            "SignatureNonce": nonce ?? UUID().uuidString,
            "AccessKeyId": source.accessKeyId,
        ]
        if let policy = parameters.policy { query["Policy"] = policy }
        if let externalId = parameters.externalId { query["ExternalId"] = externalId }
        if let token = source.securityToken { query["SecurityToken"] = token.value }
        query["Signature"] =
            SignatureV1.sign(method: "GET", parameters: query, accessKeySecret: source.accessKeySecret).signature
        return query
    }

    /// Calls `AssumeRole`, signed with `source`.
    ///
    /// - Returns: The role's credentials (provider name `providerName`) and their expiry.
    /// - Throws: ``CredentialsError`` (`requestFailed`, `requestRejected` with STS `Code`, `responseInvalid`).
    public func assumeRole(
        _ parameters: AssumeRoleParameters,
        source: Credentials,
        providerName: String
    ) async throws -> ExpiringCredentials {
        try await call(assumeRoleQuery(parameters, source: source), providerName: providerName)
    }

    /// Calls `AssumeRoleWithOIDC` (unsigned).
    ///
    /// - Parameters:
    ///   - parameters: Role, session, duration and policy (`externalId` is not sent).
    ///   - oidcProviderArn: `OIDCProviderArn`.
    ///   - oidcToken: `OIDCToken`, the token file's content.
    ///   - providerName: The name given to the returned credentials.
    /// - Throws: ``CredentialsError`` as ``assumeRole(_:source:providerName:)``.
    public func assumeRoleWithOIDC(
        _ parameters: AssumeRoleParameters,
        oidcProviderArn: String,
        oidcToken: Secret,
        providerName: String
    ) async throws -> ExpiringCredentials {
        let now = self.now()
        var query: [String: String] = [
            "Action": "AssumeRoleWithOIDC",
            "Format": "JSON",
            "Version": Self.apiVersion,
            "DurationSeconds": String(parameters.durationSeconds),
            "RoleArn": parameters.roleArn,
            "OIDCProviderArn": oidcProviderArn,
            "OIDCToken": oidcToken.value,
            "RoleSessionName": parameters.roleSessionName ?? "dataworks-exporter-\(now)",
            "Timestamp": ACSTimestamp.format(epochSeconds: now),
        ]
        if let policy = parameters.policy { query["Policy"] = policy }
        return try await call(query, providerName: providerName)
    }

    private struct Response: Decodable {
        var credentials: TemporaryCredentialsBody?
        var code: String?
        var requestId: String?

        enum CodingKeys: String, CodingKey {
            case credentials = "Credentials"
            case code = "Code"
            case requestId = "RequestId"
        }
    }

    private func call(_ query: [String: String], providerName: String) async throws -> ExpiringCredentials {
        let action = query["Action"] ?? ""
        let display = "\(endpoint)/ (\(action))"
        let encoded = sortedByCodePoint(query)
            .map { PercentEncoding.pct($0.key) + "=" + PercentEncoding.pct($0.value) }
            .joined(separator: "&")
        let response = try await http.send(
            endpoint + "/?" + encoded,
            display: display,
            connectTimeout: .seconds(5),
            timeout: .seconds(10)
        )
        guard response.status == 200 else {
            let body = try? JSONDecoder().decode(Response.self, from: Data(response.body))
            throw CredentialsError.requestRejected(
                provider: http.provider,
                endpoint: display,
                status: response.status,
                code: body?.code,
                requestId: body?.requestId
            )
        }
        let body = try http.decode(Response.self, from: response, display: display).credentials
        return try (body ?? TemporaryCredentialsBody()).expiring(
            provider: http.provider,
            endpoint: display,
            place: "Credentials.",
            providerName: providerName
        )
    }
}

/// `AccessKeyId`, `AccessKeySecret`, `SecurityToken`, `Expiration` as STS (under `Credentials`), the ECS metadata
/// service and credentials URIs return them.
///
/// Source: api-notes §4.1 step 6, §4.2, §4.3.
struct TemporaryCredentialsBody: Decodable {
    var accessKeyId: String?
    var accessKeySecret: String?
    var securityToken: String?
    var expiration: String?

    enum CodingKeys: String, CodingKey {
        case accessKeyId = "AccessKeyId"
        case accessKeySecret = "AccessKeySecret"
        case securityToken = "SecurityToken"
        case expiration = "Expiration"
    }

    /// Checks every field and builds the credentials.
    ///
    /// - Throws: ``CredentialsError/responseInvalid(provider:endpoint:reason:)`` naming the missing field.
    func expiring(
        provider: String,
        endpoint: String,
        place: String,
        providerName: String
    ) throws
        -> ExpiringCredentials
    {
        func invalid(_ reason: String) -> CredentialsError {
            .responseInvalid(provider: provider, endpoint: endpoint, reason: reason)
        }
        guard let accessKeyId, !accessKeyId.isEmpty else { throw invalid("\(place)AccessKeyId is missing") }
        guard let accessKeySecret, !accessKeySecret.isEmpty else {
            throw invalid("\(place)AccessKeySecret is missing")
        }
        guard let securityToken, !securityToken.isEmpty else { throw invalid("\(place)SecurityToken is missing") }
        guard let text = expiration, let seconds = ACSTimestamp.parse(text) else {
            throw invalid("\(place)Expiration is missing or not yyyy-MM-ddTHH:mm:ssZ")
        }
        return ExpiringCredentials(
            credentials: Credentials(
                accessKeyId: accessKeyId,
                accessKeySecret: Secret(accessKeySecret),
                securityToken: Secret(securityToken),
                providerName: providerName
            ),
            expiration: seconds
        )
    }
}
