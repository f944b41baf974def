/// A secret string (AccessKey secret, STS security token) whose textual forms never show the value.
///
/// `description`, `debugDescription` and the reflection mirror (used by `dump`, `print` of enclosing values and
/// string interpolation) all render as `<secret>`. Read ``value`` only to sign a request or to send the token.
///
/// Source: api-notes §4 (credentials).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret value; read it only to sign.
    public let value: String

    /// Wraps a value.
    ///
    /// - Parameter value: The secret text, for example an AccessKey secret.
    public init(_ value: String) { self.value = value }

    /// Always `<secret>`.
    public var description: String { "<secret>" }

    /// Always `<secret>`.
    public var debugDescription: String { "<secret>" }

    /// A mirror without children, so `dump` and reflection never reach ``value``.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
