import Foundation
import Testing

@testable import DataWorksExporter

/// Inputs that crashed the config-loader fuzz target (`scripts/fuzz`), kept so the crash cannot come back.
@Suite struct ConfigFuzzRegressionTests {
    /// Lone CR line breaks and a repeated key: the repeated-key search read past the lines it had split.
    static let crLineBreaksWithRepeatedKey = Data(
        base64Encoded: [
            "DQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0N",
            "DQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDWV0czoKICA/IHJAZXRzOgogINs/IHJlZ2lvbl9pZDogIyB0YXJnZXRzOgogID8gcmV0czoK",
            "ICA/ICNnZXRzOgogID8gcmV0czoKICA/IHJlZ2lvbl9pZDogIyB0YXL///////////9nZXRzdGFyZ2V0czoKICA/ID8gcmV0czoK",
            "ICA/IHJlZ2lvbmV0czoKICA/IHJldHM6CiAgPyByZWdpb25faWQ6ICMgdGFy////////////Z2V0c3RhcmdldHM6CiAgPyByZXRz",
            "OgogINs/4I2amJaQkaFpZDogIyB0cmVnaW8gIyB0YXL///////////9nZXRzdGFyZ2V0czoKICA/ID8gcmV0czoKICA/IHJlZ2lv",
            "bl9pZDogIyB0YXJnZXRzdGFyZ2V0czoKICA/IHJAZXRzOgogagogID8gcmV0czoKINs/IHJlZ2lvbl9pZDogIyB0YXJnZXRzOgog",
            "ID8gcmV0czoKICA/IHJnZXRzOgogID8gcmV0czoKICA/IHJlZ2lvbl9pZDogIyB0YXL///////////9nZXRzdGFyZ2V0czoKICA/",
            "IHJldHM6Ck5PREVfRVhUUkFfQ0FfQ0VSVFMgINs/4I2amJaQkaFpZDogIyB0YXJnZXRzOgogID8gcmX//////////3RzOgogID8g",
            "cmVnP2lkOiAjIJOYlZaai4zFb25faWQ6IyAgbmdqCiAgPyByZXRzOgogID8gcmV3aW9uX2k6ZDogIyBuZ2ppJ2Frb2FpYWtvbmdq",
            "CiAgPyByZXRzagogID8gcmVldA==",
        ].joined()
    )

    @Test func crLineBreaksWithARepeatedKeyAreAnErrorNotACrash() throws {
        let bytes = try #require(Self.crLineBreaksWithRepeatedKey)
        let yaml = String(decoding: bytes, as: UTF8.self)
        #expect(throws: ConfigError.self) { try ExporterConfig.parse(yaml: yaml, file: "fuzz.yml") }
    }

    @Test func repeatedKeyAfterCRLineBreaksIsFoundOnItsLine() throws {
        let yaml = "targets:\r  - region_id: cn-zhangjiakou\r    region_id: cn-shanghai\r"
        let error = try #require(throws: ConfigError.self) { try ExporterConfig.parse(yaml: yaml, file: "cr.yml") }
        #expect(error.line == 3)
    }
}
