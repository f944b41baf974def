/// Recognising answers that mean the workspace was configured with the wrong API version.
///
/// DataWorks' guidance is that "selecting the wrong version may cause query failures" (api-notes §6.2, "Which version
/// to use"): an action sent with a version that does not have it is answered by the gateway as an unknown API
/// (`InvalidAction.NotFound`, "Specified api is not found."), and an unknown version as `InvalidVersion`. The same
/// action name can also mean another operation in the other version (the "Naming clash" of §6.2), which then fails on
/// its parameters. Those answers keep their own ``APIError/errorClass``; this property lets a caller say "set
/// api_version" next to them.
extension APIError {
    /// The gateway codes that mean the action does not exist in the version sent, or the version is unknown.
    public static let apiVersionErrorCodes: Set<String> = [
        "InvalidAction.NotFound", "InvalidAction", "InvalidVersion", "InvalidApi.NotFound",
    ]

    /// Whether the answer means the action is unknown for the API version sent (or the version itself is unknown):
    /// a service error whose code is one of ``apiVersionErrorCodes``. Such a call will not succeed until the
    /// workspace's API version is changed; it is never retried.
    public var indicatesWrongAPIVersion: Bool {
        guard case .service(let error) = self else { return false }
        return Self.apiVersionErrorCodes.contains(error.code)
    }
}
