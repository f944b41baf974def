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
/// A rendering is kept as segments of about `pieceSize` bytes
/// (``MetricsRenderer/renderDeploymentPieces(_:format:pieceSize:)``), each piece copied into its ``SharedBytes`` and
/// released in turn: rendering 100,000 deployments (~140 MB) adds one piece to what is resident, not a second copy
/// of the whole (issue 16's memory figures, `scripts/bench-scale`).
///
/// Thread safety: locked; two scrapes that ask at once for a format not yet rendered may both render it, and the
/// first result is kept.
final class RenderedDeployments: Sendable {
    private struct Kept {
        var snapshot: Snapshot.ID?
        var segments: [ExpositionFormat: [SharedBytes]] = [:]
    }

    /// Whether renderings are kept for later scrapes of the same snapshot.
    let isKeeping: Bool
    /// The size in bytes of the segments an exposition is rendered into (``defaultPieceSize`` by default).
    let pieceSize: Int

    /// 4 MiB: above the mmap threshold that `MallocTuning` fixes at 1 MiB, so glibc's malloc takes every piece from
    /// `mmap` and gives it back to the kernel once copied, instead of leaving a hole in the heap that stays resident;
    /// small enough that the piece being copied adds little to what is resident (32 MiB pieces made the peak of a
    /// 100,000-deployment run 12 MiB higher, `scripts/bench-scale`); the exposition of 100,000 deployments is 35
    /// segments of one response.
    static let defaultPieceSize = 4 << 20
    private let kept = Locked(Kept())

    /// Creates an empty cache.
    ///
    /// - Parameters:
    ///   - keeping: Whether the served snapshot may be served again (``CollectorSettings/reusesSnapshots``).
    ///   - pieceSize: The size in bytes of the segments of a rendering, at least 1; ``defaultPieceSize`` by default.
    init(keeping: Bool, pieceSize: Int = defaultPieceSize) {
        self.isKeeping = keeping
        self.pieceSize = pieceSize
    }

    /// The deployment families of `snapshot` in `format` as consecutive segments, rendered now or on an earlier
    /// call for the same snapshot. A snapshot newer than the kept one replaces it (the old bytes are released before
    /// the new ones are rendered); an older one is rendered without being kept.
    ///
    /// - Throws: ``ExpositionError`` from the renderer (a programming error).
    func segments(of snapshot: Snapshot, format: ExpositionFormat) throws(ExpositionError) -> [SharedBytes] {
        guard isKeeping else {
            return try render(snapshot, format: format)
        }
        let found = kept.withLock { kept -> [SharedBytes]? in
            if kept.snapshot == snapshot.id {
                return kept.segments[format]
            }
            if kept.snapshot.map({ $0 < snapshot.id }) ?? true {
                kept = Kept(snapshot: snapshot.id)
            }
            return nil
        }
        if let found {
            return found
        }
        let rendered = try render(snapshot, format: format)
        return kept.withLock { kept in
            guard kept.snapshot == snapshot.id else { return rendered }
            if let earlier = kept.segments[format] {
                return earlier
            }
            kept.segments[format] = rendered
            return rendered
        }
    }

    /// Renders the deployment families in pieces and copies each into its segment, releasing the piece once copied.
    private func render(_ snapshot: Snapshot, format: ExpositionFormat) throws(ExpositionError) -> [SharedBytes] {
        var pieces = try MetricsRenderer().renderDeploymentPieces(snapshot, format: format, pieceSize: pieceSize)
        var segments: [SharedBytes] = []
        segments.reserveCapacity(pieces.count)
        for index in pieces.indices {
            segments.append(SharedBytes(pieces[index]))
            pieces[index] = []
        }
        return segments
    }

    /// How many formats are kept; for tests.
    var keptCount: Int {
        kept.withLock { $0.segments.count }
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
        let deploymentSegments = try deployments.segments(of: snapshot, format: format)
        let rest = try renderSelfMetrics(
            snapshot: snapshot,
            api: api,
            configReload: configReload,
            includeProcessMetrics: includeProcessMetrics,
            format: format
        )
        return deploymentSegments + [SharedBytes(rest)]
    }
}
