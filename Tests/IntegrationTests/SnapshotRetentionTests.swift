import Testing

@testable import DataWorksExporter

/// A served snapshot's rendered deployment families are kept, beside the snapshot, only while a later scrape may
/// reuse them.
@Suite struct SnapshotRetentionTests {
    @Test func scrapeModeWithoutCacheTTLKeepsNoRendering() async throws {
        try await withHarness { harness in
            let scrape = try await harness.scrape()
            #expect(scrape.status == 200 && scrape.text.contains("dataworks_deployment_status"))
            #expect(!harness.exporter.renderedDeployments.isKeeping)
            #expect(harness.exporter.renderedDeployments.keptCount == 0)
        }
    }

    @Test func scrapeModeWithCacheTTLKeepsTheRenderingForTheNextScrape() async throws {
        try await withHarness(collector: "  cache_ttl: 1h") { harness in
            let first = try await harness.scrape()
            let rendered = harness.exporter.renderedDeployments
            let kept = try #require(rendered.keptSnapshot)
            #expect(rendered.keptCount == 1)
            let next = await harness.exporter.collector.snapshot(scrapeTimeout: 5)
            #expect(next.id == kept)
            let second = try await harness.scrape()
            #expect(second.text.contains("dataworks_deployment_status"))
            #expect(
                first.text.split(separator: "\n").filter { $0.hasPrefix("dataworks_deployment_status{") }
                    == second.text.split(separator: "\n").filter { $0.hasPrefix("dataworks_deployment_status{") }
            )
            #expect(rendered.keptSnapshot == kept && rendered.keptCount == 1)
        }
    }
}
