/// Sends one HTTP request and returns the final response: the seam between the DataWorks API client (signing,
/// retries, credentials) and the wire. ``CurlHTTPClient`` is the real one; tests may answer in memory.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the final response, whatever its status.
    ///
    /// - Throws: ``TransportError`` when no response arrived (connect, TLS, timeout, reset), `CancellationError`
    ///   when the task was cancelled.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

extension CurlHTTPClient: HTTPTransport {}
