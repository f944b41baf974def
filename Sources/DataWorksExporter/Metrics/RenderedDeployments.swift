import HTTPServer
import LockedValue

/// The deployment families (``MetricsRenderer/renderDeployments(_:format:)``) of the snapshot served last, rendered
/// on first use for each format and kept, keyed by ``Snapshot/ID``, until a newer snapshot is served: every scrape
/// answered from a reused snapshot sends the same bytes without rendering or copying them again (issue 7's serving
/// figures). The snapshot stays plain data; one cache serves one collector (a ``Generation``).
///
/// A cache made with `keeping: false` (``CollectorSettings/reusesSnapshots`` false: every scrape collects anew)
/// renders each time and keeps nothing, so no rendered exposition stays resident between scrapes.
///
/// Thread safety: locked; two scrapes that ask at once for a format not yet rendered may both render it, and the
/// first result is kept.
final class RenderedDeployments: Sendable {
    private struct Kept {
        var snapshot: Snapshot.ID?
        var bytes: [ExpositionFormat: SharedBytes] = [:]
    }

    /// Whether renderings are kept for later scrapes of the same snapshot.
    let isKeeping: Bool
    private let kept = Locked(Kept())

    /// Creates an empty cache.
    ///
    /// - Parameter keeping: Whether the served snapshot may be served again (``CollectorSettings/reusesSnapshots``).
    init(keeping: Bool) {
        self.isKeeping = keeping
    }

    /// The deployment families of `snapshot` in `format`, rendered now or on an earlier call for the same snapshot.
    /// A snapshot newer than the kept one replaces it (the old bytes are released before the new ones are
    /// rendered); an older one is rendered without being kept.
    ///
    /// - Throws: ``ExpositionError`` from the renderer (a programming error).
    func bytes(of snapshot: Snapshot, format: ExpositionFormat) throws(ExpositionError) -> SharedBytes {
        guard isKeeping else {
            return SharedBytes(try MetricsRenderer().renderDeployments(snapshot, format: format))
        }
        let found = kept.withLock { kept -> SharedBytes? in
            if kept.snapshot == snapshot.id {
                return kept.bytes[format]
            }
            if kept.snapshot.map({ $0 < snapshot.id }) ?? true {
                kept = Kept(snapshot: snapshot.id)
            }
            return nil
        }
        if let found {
            return found
        }
        let rendered = SharedBytes(try MetricsRenderer().renderDeployments(snapshot, format: format))
        return kept.withLock { kept in
            guard kept.snapshot == snapshot.id else { return rendered }
            if let earlier = kept.bytes[format] {
                return earlier
            }
            kept.bytes[format] = rendered
            return rendered
        }
    }

    /// How many formats are kept; for tests.
    var keptCount: Int {
        kept.withLock { $0.bytes.count }
    }

    /// The snapshot whose renderings are kept; for tests.
    var keptSnapshot: Snapshot.ID? {
        kept.withLock { $0.snapshot }
    }
}

extension MetricsRenderer {
    /// A complete exposition as the segments of a response body: the snapshot's deployment families from
    /// `deployments` (rendered once per format and snapshot, shared by every answer from the same snapshot), then
    /// the families rendered now (``renderSelfMetrics(snapshot:api:configReload:includeProcessMetrics:format:)``).
    /// Joined, the segments are ``render(snapshot:api:configReload:includeProcessMetrics:format:)``'s bytes.
    ///
    /// - Throws: ``ExpositionError`` only on a programming error (an invalid metric or label name).
    func segments(
        snapshot: Snapshot,
        deployments: RenderedDeployments,
        api: APIMetrics.Values,
        configReload: ConfigReloadStatus? = nil,
        includeProcessMetrics: Bool = true,
        format: ExpositionFormat = .text
    ) throws(ExpositionError) -> [SharedBytes] {
        let deploymentBytes = try deployments.bytes(of: snapshot, format: format)
        let rest = try renderSelfMetrics(
            snapshot: snapshot,
            api: api,
            configReload: configReload,
            includeProcessMetrics: includeProcessMetrics,
            format: format
        )
        return [deploymentBytes, SharedBytes(rest)]
    }
}
