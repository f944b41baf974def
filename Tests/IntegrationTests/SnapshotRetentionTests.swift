import Testing

@testable import DataWorksExporter

/// A served snapshot, with its rendered deployment families, is kept only while a later scrape may reuse it.
@Suite struct SnapshotRetentionTests {
    /// Collects a snapshot, renders it as a scrape does, and returns a weak view of its rendering.
    static func servedRendering(_ collector: Collector) async throws -> @Sendable () -> RenderedDeployments? {
        let snapshot = await collector.snapshot(scrapeTimeout: 5)
        _ = try snapshot.renderedDeployments.bytes(of: snapshot, format: .text)
        #expect(snapshot.renderedDeployments.keptCount == 1)
        let rendering = WeakRendering(snapshot.renderedDeployments)
        return { rendering.value }
    }

    final class WeakRendering: @unchecked Sendable {
        weak var value: RenderedDeployments?
        init(_ value: RenderedDeployments) { self.value = value }
    }

    @Test func scrapeModeWithoutCacheTTLKeepsNoSnapshot() async throws {
        try await withHarness { harness in
            let rendering = try await Self.servedRendering(harness.exporter.collector)
            #expect(rendering() == nil)
        }
    }

    @Test func scrapeModeWithCacheTTLKeepsTheSnapshotForTheNextScrape() async throws {
        try await withHarness(collector: "  cache_ttl: 1h") { harness in
            let rendering = try await Self.servedRendering(harness.exporter.collector)
            #expect(rendering() != nil)
            let next = await harness.exporter.collector.snapshot(scrapeTimeout: 5)
            #expect(next.renderedDeployments === rendering())
        }
    }
}
