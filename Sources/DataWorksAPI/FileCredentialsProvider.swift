import Foundation

/// AccessKeys read from two files (`dataworks.access_key_id_file`, `dataworks.access_key_secret_file`), as
/// Kubernetes secrets mount them. Surrounding white space is trimmed. The files are read once, at creation.
public struct FileCredentialsProvider: CredentialsProvider {
    /// Why the files could not be used. Messages name the file, never its content.
    public enum FileError: Error, Sendable, CustomStringConvertible {
        /// The file could not be read.
        case unreadable(path: String, reason: String)
        /// The file holds nothing but white space.
        case empty(path: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read credentials file \(path): \(reason)"
            case .empty(let path): "credentials file \(path) is empty"
            }
        }
    }

    public let name = "file"
    private let value: Credentials

    /// Reads both files.
    ///
    /// - Throws: ``FileError`` naming the file that is unreadable or empty.
    public init(accessKeyIdFile: String, accessKeySecretFile: String) throws {
        let accessKeyId = try Self.read(accessKeyIdFile)
        let secret = try Self.read(accessKeySecretFile)
        self.value = Credentials(accessKeyId: accessKeyId, accessKeySecret: Secret(secret), providerName: name)
    }

    public func credentials() async throws -> Credentials { value }

    private static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw FileError.empty(path: path) }
        return text
    }
}
