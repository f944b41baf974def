import Foundation
import Testing

/// A throwaway PKI made with the `openssl` command in a fresh temporary directory: a CA, a server certificate for
/// 127.0.0.1 and localhost, a client certificate from the same CA, and a client certificate from another CA.
struct TestCertificates {
    let directory: URL

    var caFile: String { path("ca.crt") }
    var serverCertificateFile: String { path("server.crt") }
    var serverKeyFile: String { path("server.key") }
    var clientCertificateFile: String { path("client.crt") }
    var clientKeyFile: String { path("client.key") }
    /// Signed by a CA the server does not trust.
    var rogueCertificateFile: String { path("rogue-client.crt") }
    var rogueKeyFile: String { path("rogue-client.key") }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Makes every certificate (EC P-256, valid for a day).
    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pki = TestCertificates(directory: directory)
        try pki.makeCA("ca", subject: "/CN=dataworks-exporter test CA")
        try pki.makeCA("rogue-ca", subject: "/CN=rogue test CA")
        try pki.makeLeaf(
            "server",
            subject: "/CN=localhost",
            ca: "ca",
            extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        )
        try pki.makeLeaf("client", subject: "/CN=prometheus", ca: "ca", extensions: "extendedKeyUsage=clientAuth\n")
        try pki.makeLeaf(
            "rogue-client",
            subject: "/CN=rogue",
            ca: "rogue-ca",
            extensions: "extendedKeyUsage=clientAuth\n"
        )
        return pki
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeCA(_ name: String, subject: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", subject, "-keyout", path("\(name).key"), "-out", path("\(name).crt"),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private func makeLeaf(_ name: String, subject: String, ca: String, extensions: String) throws {
        try openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", subject,
            "-keyout", path("\(name).key"), "-out", path("\(name).csr"),
        ])
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: path("\(name).ext")))
        try openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).crt"), "-CAkey", path("\(ca).key"),
            "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "1", "-extfile", path("\(name).ext"),
            "-out", path("\(name).crt"),
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "openssl \(arguments.joined(separator: " ")): \(String(decoding: data, as: UTF8.self))"
        )
    }
}
