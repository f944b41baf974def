import HTTPServer
import LockedValue

/// The deployment families of one ``Snapshot`` (``MetricsRenderer/renderDeployments(_:format:)``), rendered on first
/// use for each format and kept as long as the snapshot, so that every scrape answered from a cached snapshot sends
/// the same bytes without rendering or copying them again (issue 7's serving figures).
///
/// Thread safety: locked; two scrapes that ask at once for a format not yet rendered may both render it, and the
/// first result is kept.
final class RenderedDeployments: Sendable {
    private let kept = Locked<[ExpositionFormat: SharedBytes]>([:])

    /// The deployment families of `snapshot` in `format`, rendered now or on an earlier call.
    ///
    /// - Throws: ``ExpositionError`` from the renderer (a programming error).
    func bytes(of snapshot: Snapshot, format: ExpositionFormat) throws(ExpositionError) -> SharedBytes {
        if let bytes = kept.withLock({ $0[format] }) {
            return bytes
        }
        let rendered = SharedBytes(try MetricsRenderer().renderDeployments(snapshot, format: format))
        return kept.withLock { kept in
            if let earlier = kept[format] {
                return earlier
            }
            kept[format] = rendered
            return rendered
        }
    }

    /// How many formats are kept; for tests.
    var keptCount: Int {
        kept.withLock { $0.count }
    }
}

extension MetricsRenderer {
    /// A complete exposition as the segments of a response body: the snapshot's deployment families, rendered once
    /// per format and shared by every answer from the same snapshot, then the families rendered now
    /// (``renderSelfMetrics(snapshot:api:configReload:includeProcessMetrics:format:)``). Joined, the segments are
    /// ``render(snapshot:api:configReload:includeProcessMetrics:format:)``'s bytes.
    ///
    /// - Throws: ``ExpositionError`` only on a programming error (an invalid metric or label name).
    func segments(
        snapshot: Snapshot,
        api: APIMetrics.Values,
        configReload: ConfigReloadStatus? = nil,
        includeProcessMetrics: Bool = true,
        format: ExpositionFormat = .text
    ) throws(ExpositionError) -> [SharedBytes] {
        let deployments = try snapshot.renderedDeployments.bytes(of: snapshot, format: format)
        let rest = try renderSelfMetrics(
            snapshot: snapshot,
            api: api,
            configReload: configReload,
            includeProcessMetrics: includeProcessMetrics,
            format: format
        )
        return [deployments, SharedBytes(rest)]
    }
}
