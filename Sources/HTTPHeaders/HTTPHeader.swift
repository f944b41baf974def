/// One HTTP header field, as sent or received: the header type of both C bridges (`CurlClient`'s requests and
/// responses, `HTTPServer`'s requests and responses), in a module of its own so that neither bridge depends on the
/// other.
public struct HTTPHeader: Sendable, Hashable {
    /// The field name, as written on the wire (case preserved; `HTTPServer` hands request names in lower case).
    public var name: String
    /// The field value, without surrounding white space.
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
