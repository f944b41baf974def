internal import Foundation

extension APIError {
    /// This error with every form of `secrets` cut out of the texts that came from the server (the message and the
    /// body prefix), replaced by `<redacted>`.
    ///
    /// DataWorks echoes its string to sign in `SignatureDoesNotMatch` messages; for V1 that string holds the request's
    /// `SecurityToken`, percent-encoded twice. Each secret is removed as sent, percent-encoded once and twice.
    ///
    /// - Parameter secrets: The values to remove, for example the STS token of the request; empty ones are ignored.
    /// - Returns: The redacted error; transport errors (libcurl's own texts) are returned unchanged.
    public func redacting(_ secrets: [Secret]) -> APIError {
        var forms: [String] = []
        for secret in secrets where !secret.value.isEmpty {
            let once = PercentEncoding.pct(secret.value)
            forms += [PercentEncoding.pct(once), once, secret.value]
        }
        guard !forms.isEmpty else { return self }
        func clean(_ text: String) -> String {
            forms.reduce(text) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
        }
        switch self {
        case .service(var error):
            error.message = clean(error.message)
            return .service(error)
        case .httpStatus(let status, let requestId, let bodyPrefix):
            return .httpStatus(status: status, requestId: requestId, bodyPrefix: clean(bodyPrefix))
        case .parse(let reason, let status, let bodyPrefix):
            return .parse(reason: clean(reason), httpStatus: status, bodyPrefix: clean(bodyPrefix))
        case .transport:
            return self
        }
    }
}
