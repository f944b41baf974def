internal import CurlClient
internal import Foundation

/// The HTTP calls credential providers make, with errors mapped to ``CredentialsError``.
///
/// URLs given to ``get(_:display:headers:connectTimeout:timeout:)`` may hold secrets in their query (STS
/// `Signature`, `SecurityToken`, `OIDCToken`); errors only ever name the `display` form (scheme, host, path).
struct CredentialsHTTP: Sendable {
    let client: any HTTPTransport
    let provider: String
    /// Whether requests go direct even when a proxy is configured in the environment.
    var bypassesProxy = false

    /// Sends one request.
    ///
    /// - Throws: ``CredentialsError/requestFailed(provider:endpoint:reason:)`` when no response arrives;
    ///   `CancellationError` when the task is cancelled.
    func send(
        method: String = "GET",
        _ url: String,
        display: String,
        headers: [HTTPHeader] = [],
        connectTimeout: Duration,
        timeout: Duration
    ) async throws -> HTTPResponse {
        let request = HTTPRequest(
            method: method,
            url: url,
            headers: headers,
            connectTimeout: connectTimeout,
            timeout: timeout,
            bypassesProxy: bypassesProxy
        )
        do {
            return try await client.send(request)
        } catch let error as TransportError {
            throw CredentialsError.requestFailed(provider: provider, endpoint: display, reason: error.kind.rawValue)
        }
    }

    /// Decodes a JSON body, mapping failures to ``CredentialsError/responseInvalid(provider:endpoint:reason:)``.
    func decode<Body: Decodable>(_ type: Body.Type, from response: HTTPResponse, display: String) throws -> Body {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw CredentialsError.responseInvalid(
                provider: provider,
                endpoint: display,
                reason: "body is not the expected JSON (\(JSONPlace.describe(error)))"
            )
        }
    }

    /// The `{"Code": …}` field of metadata-service and credentials-URI answers.
    private struct CodeBody: Decodable {
        var code: String?
        enum CodingKeys: String, CodingKey { case code = "Code" }
    }

    /// The `Code` of an answer, or nil when the body has none or is not JSON.
    func code(of response: HTTPResponse, display: String) -> String? {
        try? decode(CodeBody.self, from: response, display: display).code
    }

    /// Decodes temporary credentials from an answer whose `Code` must be `Success` (ECS metadata service,
    /// `ALIBABA_CLOUD_CREDENTIALS_URI`).
    ///
    /// - Throws: ``CredentialsError/responseInvalid(provider:endpoint:reason:)`` when `Code` is not `Success` or a
    ///   field is missing.
    func successfulTemporaryCredentials(
        from response: HTTPResponse,
        display: String,
        providerName: String
    ) throws -> ExpiringCredentials {
        let code = try decode(CodeBody.self, from: response, display: display).code
        guard code == "Success" else {
            throw CredentialsError.responseInvalid(
                provider: provider,
                endpoint: display,
                reason: "Code is \(code ?? "missing"), not Success"
            )
        }
        return try decode(TemporaryCredentialsBody.self, from: response, display: display).expiring(
            provider: provider,
            endpoint: display,
            place: "",
            providerName: providerName
        )
    }
}

/// Describes a `DecodingError` by its place and kind, never by the offending value.
enum JSONPlace {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) should be \(typeName(type)), not null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)) is malformed"
        @unknown default:
            return "not the expected JSON"
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "the document" : text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: "\(type)"
        }
    }
}

/// Whether an environment flag is set to `true` (case-insensitive), as the SDK reads `…_DISABLED` variables.
func environmentFlag(_ environment: [String: String], _ name: String) -> Bool {
    environment[name]?.lowercased() == "true"
}

/// An environment value, `nil` when unset or empty.
func environmentValue(_ environment: [String: String], _ name: String) -> String? {
    guard let value = environment[name], !value.isEmpty else { return nil }
    return value

}
