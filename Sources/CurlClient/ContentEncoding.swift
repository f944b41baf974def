internal import CExporterShims

extension TransportError {
    /// The error for a body whose `Content-Encoding` libcurl cannot decode, naming the coding from `headers` (the
    /// response's header fields).
    static func contentEncoding(_ headers: [HTTPHeader]) -> TransportError {
        let coding = headers.last { $0.name.lowercased() == "content-encoding" }?.value ?? "?"
        return TransportError(
            kind: .contentEncoding,
            code: Int32(truncatingIfNeeded: CURLE_BAD_CONTENT_ENCODING.rawValue),
            message: "unsupported Content-Encoding \"\(coding)\" (libcurl decodes gzip and deflate)"
        )
    }
}
