internal import CServerShims
import Glibc

extension HTTPServer {
    /// HTTPS settings for ``HTTPServer/Configuration/tls``: libmicrohttpd over GnuTLS.
    ///
    /// Handshakes that fail (a plain-HTTP client, a refused version, a missing or untrusted client certificate) only
    /// close that connection.
    public struct TLSConfiguration: Sendable, Equatable {
        /// A TLS protocol version.
        public enum Version: Int, Sendable, Comparable, CaseIterable {
            /// TLS 1.0.
            case tls10
            /// TLS 1.1.
            case tls11
            /// TLS 1.2.
            case tls12
            /// TLS 1.3.
            case tls13

            /// GnuTLS's name of the version in a priority string, e.g. `VERS-TLS1.2`.
            var priorityName: String {
                switch self {
                case .tls10: "VERS-TLS1.0"
                case .tls11: "VERS-TLS1.1"
                case .tls12: "VERS-TLS1.2"
                case .tls13: "VERS-TLS1.3"
                }
            }

            /// Orders versions from oldest to newest.
            public static func < (lhs: Version, rhs: Version) -> Bool { lhs.rawValue < rhs.rawValue }
        }

        /// What the server asks of clients' certificates; the names follow Go's `tls.ClientAuthType`.
        public enum ClientCertificatePolicy: String, Sendable, CaseIterable {
            /// No certificate is requested (`NoClientCert`).
            case none = "NoClientCert"
            /// A certificate is requested, not required and not verified (`RequestClientCert`).
            case request = "RequestClientCert"
            /// A certificate is required but not verified (`RequireAnyClientCert`).
            case requireAny = "RequireAnyClientCert"
            /// A certificate is requested; one that is sent must verify against the client CAs
            /// (`VerifyClientCertIfGiven`).
            case verifyIfGiven = "VerifyClientCertIfGiven"
            /// A certificate that verifies against the client CAs is required (`RequireAndVerifyClientCert`).
            case requireAndVerify = "RequireAndVerifyClientCert"

            /// Whether a handshake without a client certificate fails.
            var requiresCertificate: Bool { self == .requireAny || self == .requireAndVerify }
            /// Whether a client certificate that is sent must chain to the client CAs.
            var verifiesCertificate: Bool { self == .verifyIfGiven || self == .requireAndVerify }
        }

        /// The server's certificate chain, PEM, leaf first.
        public var certificatePEM: String
        /// The server's private key, PEM, unencrypted.
        public var privateKeyPEM: String
        /// What is asked of client certificates. Default ``ClientCertificatePolicy/none``.
        public var clientCertificates: ClientCertificatePolicy
        /// The CA certificates (PEM) that client certificates must chain to; required by the verifying policies.
        public var clientCAPEM: String?
        /// The oldest version accepted. Default TLS 1.2.
        public var minVersion: Version
        /// The newest version accepted. Default TLS 1.3.
        public var maxVersion: Version
        /// Whether the server's cipher suite order wins over the client's (GnuTLS `%SERVER_PRECEDENCE`). Default
        /// `true`.
        public var prefersServerCipherSuites: Bool

        /// Creates TLS settings.
        ///
        /// - Parameters:
        ///   - certificatePEM: The server's certificate chain (PEM).
        ///   - privateKeyPEM: The server's private key (PEM).
        ///   - clientCertificates: What is asked of client certificates.
        ///   - clientCAPEM: The CAs client certificates must chain to (PEM).
        ///   - minVersion: The oldest TLS version accepted.
        ///   - maxVersion: The newest TLS version accepted.
        ///   - prefersServerCipherSuites: Whether the server's cipher order wins.
        public init(
            certificatePEM: String,
            privateKeyPEM: String,
            clientCertificates: ClientCertificatePolicy = .none,
            clientCAPEM: String? = nil,
            minVersion: Version = .tls12,
            maxVersion: Version = .tls13,
            prefersServerCipherSuites: Bool = true
        ) {
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCertificates = clientCertificates
            self.clientCAPEM = clientCAPEM
            self.minVersion = minVersion
            self.maxVersion = maxVersion
            self.prefersServerCipherSuites = prefersServerCipherSuites
        }

        /// The GnuTLS priority string (`MHD_OPTION_HTTPS_PRIORITIES`), e.g.
        /// `NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3:%SERVER_PRECEDENCE`.
        public var priorities: String {
            var text = "NORMAL:-VERS-ALL"
            for version in Version.allCases where version >= minVersion && version <= maxVersion {
                text += ":+" + version.priorityName
            }
            return prefersServerCipherSuites ? text + ":%SERVER_PRECEDENCE" : text
        }

        /// Checks the settings with GnuTLS itself, as libmicrohttpd will use them.
        ///
        /// - Throws: ``ServerError`` when the certificate and key do not load or do not match, when the client CA
        ///   text holds no certificate, when a verifying policy has no client CA, when `minVersion` is newer than
        ///   `maxVersion`, or when GnuTLS rejects the priority string; the message carries GnuTLS's reason.
        public func validate() throws(ServerError) {
            guard minVersion <= maxVersion else {
                throw ServerError("TLS: the minimum version is newer than the maximum version")
            }
            if clientCertificates.verifiesCertificate && clientCAPEM == nil {
                throw ServerError("TLS: client certificate policy \(clientCertificates.rawValue) needs client CAs")
            }
            var credentials: gnutls_certificate_credentials_t?
            let allocated = gnutls_certificate_allocate_credentials(&credentials)
            guard allocated >= 0, let credentials else {
                throw ServerError("TLS: \(gnutlsMessage(allocated))")
            }
            defer { gnutls_certificate_free_credentials(credentials) }
            let loaded = withDatum(certificatePEM) { certificate in
                withDatum(privateKeyPEM) { key in
                    gnutls_certificate_set_x509_key_mem(credentials, certificate, key, GNUTLS_X509_FMT_PEM)
                }
            }
            guard loaded >= 0 else {
                throw ServerError("TLS: cannot load the certificate and key: \(gnutlsMessage(loaded))")
            }
            if let clientCAPEM {
                let count = withDatum(clientCAPEM) {
                    gnutls_certificate_set_x509_trust_mem(credentials, $0, GNUTLS_X509_FMT_PEM)
                }
                guard count > 0 else {
                    let reason = count < 0 ? gnutlsMessage(count) : "no certificate found"
                    throw ServerError("TLS: cannot load the client CA certificates: \(reason)")
                }
            }
            var priority: gnutls_priority_t?
            var errorPosition: UnsafePointer<CChar>?
            let parsed = gnutls_priority_init(&priority, priorities, &errorPosition)
            guard parsed >= 0 else {
                throw ServerError("TLS: GnuTLS rejects the priorities \(priorities): \(gnutlsMessage(parsed))")
            }
            gnutls_priority_deinit(priority)
        }
    }
}

/// GnuTLS's text for an error code.
private func gnutlsMessage(_ code: Int32) -> String {
    String(cString: gnutls_strerror(code))
}

/// Runs `body` with a `gnutls_datum_t` over the UTF-8 bytes of `text` (valid only during the call).
private func withDatum<Result>(_ text: String, _ body: (UnsafePointer<gnutls_datum_t>) -> Result) -> Result {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBufferPointer { buffer in
        var datum = gnutls_datum_t(data: buffer.baseAddress, size: UInt32(buffer.count))
        return body(&datum)
    }
}

// MARK: - What one daemon hands to libmicrohttpd

/// C copies of the TLS strings of one daemon, which libmicrohttpd keeps pointers to.
///
/// Lifetime: owned by a `Listener`; ``free()`` runs once, after `MHD_stop_daemon` (or when the start failed).
final class TLSStrings: @unchecked Sendable {
    private let certificate: UnsafeMutablePointer<CChar>?
    private let key: UnsafeMutablePointer<CChar>?
    private let trust: UnsafeMutablePointer<CChar>?
    private let priorities: UnsafeMutablePointer<CChar>?
    private let policy: HTTPServer.TLSConfiguration.ClientCertificatePolicy

    init(_ configuration: HTTPServer.TLSConfiguration) {
        certificate = strdup(configuration.certificatePEM)
        key = strdup(configuration.privateKeyPEM)
        trust = configuration.clientCAPEM.flatMap { strdup($0) }
        priorities = strdup(configuration.priorities)
        policy = configuration.clientCertificates
    }

    /// The `MHD_OPTION_HTTPS_*` items, and the connection callback that sets the client-certificate policy on
    /// each new TLS session before its handshake.
    func options(context: UnsafeMutableRawPointer) -> [MHD_OptionItem] {
        var items = [
            MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: UnsafeMutableRawPointer(certificate)),
            MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: UnsafeMutableRawPointer(key)),
            MHD_OptionItem(option: .HTTPS_PRIORITIES, value: 0, ptr_value: UnsafeMutableRawPointer(priorities)),
        ]
        if let trust {
            // libmicrohttpd then requests (never requires) a certificate from every client; the callback below
            // sets what the policy says.
            items.append(MHD_OptionItem(option: .HTTPS_MEM_TRUST, value: 0, ptr_value: UnsafeMutableRawPointer(trust)))
        }
        // The policy travels in the callback's context pointer as its index + 1 (never a real address).
        let callback: MHD_NotifyConnectionCallback = configureClientCertificatePolicy
        let index = HTTPServer.TLSConfiguration.ClientCertificatePolicy.allCases.firstIndex(of: policy) ?? 0
        items.append(
            MHD_OptionItem(
                option: .NOTIFY_CONNECTION,
                value: unsafeBitCast(callback, to: Int.self),
                ptr_value: UnsafeMutableRawPointer(bitPattern: index + 1)
            )
        )
        return items
    }

    func free() {
        Glibc.free(certificate)
        Glibc.free(key)
        Glibc.free(trust)
        Glibc.free(priorities)
    }
}

// MARK: - Client certificates, per TLS session

// libmicrohttpd calls this on its own thread when a connection starts, after the GnuTLS session exists and before
// the handshake runs; `cls` carries the policy's index + 1.
private func configureClientCertificatePolicy(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ code: MHD_ConnectionNotificationCode
) {
    let policies = HTTPServer.TLSConfiguration.ClientCertificatePolicy.allCases
    let index = Int(bitPattern: cls) - 1
    guard policies.indices.contains(index) else { return }
    let policy = policies[index]
    let request: gnutls_certificate_request_t =
        policy.requiresCertificate ? GNUTLS_CERT_REQUIRE : (policy == .none ? GNUTLS_CERT_IGNORE : GNUTLS_CERT_REQUEST)
    configureSession(connection, code, request: request, verify: policy.verifiesCertificate ? verifyPeerIfPresent : nil)
}

private func configureSession(
    _ connection: OpaquePointer?,
    _ code: MHD_ConnectionNotificationCode,
    request: gnutls_certificate_request_t,
    verify: (@convention(c) (OpaquePointer?) -> Int32)?
) {
    guard code.rawValue == 0, let connection,
        let session = CServerShims_MHD_connection_gnutls_session(connection)
    else {
        return
    }
    gnutls_certificate_server_set_request(session, request)
    if let verify {
        gnutls_session_set_verify_function(session, verify)
    }
}

/// GnuTLS's verify hook: no certificate passes (the request mode decides whether one is required); a certificate
/// passes only if it chains to the trusted client CAs and is valid now. Nonzero fails the handshake.
private func verifyPeerIfPresent(_ session: OpaquePointer?) -> Int32 {
    guard let session else {
        return -1
    }
    var count: UInt32 = 0
    guard gnutls_certificate_get_peers(session, &count) != nil, count > 0 else {
        return 0
    }
    var status: UInt32 = 0
    guard gnutls_certificate_verify_peers2(session, &status) >= 0, status == 0 else {
        return -1
    }
    return 0
}
