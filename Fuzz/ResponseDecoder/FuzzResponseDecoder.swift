import CurlClient
import DataWorksAPI
import FuzzDriver

/// libFuzzer entry point: every input is a response body, decoded as JSON and as XML, as GetDeployment,
/// ListDeployments and GetFileVersion and as the six 2024-05-18 pipeline-run reads, under success and error statuses.
/// Decoding may fail; it must never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseDecoder(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    let body = Array(UnsafeBufferPointer(start: data, count: count))
    for contentType in ["application/json;charset=utf-8", "text/xml;charset=utf-8"] {
        for status in [200, 400, 429, 503] {
            let response = HTTPResponse(
                status: status,
                headers: [
                    HTTPHeader(name: "Content-Type", value: contentType),
                    HTTPHeader(name: "x-acs-retry-after", value: String(count)),
                ],
                body: body
            )
            _ = try? ResponseDecoder.decodeGetDeployment(response)
            _ = try? ResponseDecoder.decodeListDeployments(response)
            _ = try? ResponseDecoder.decodeGetFileVersion(response)
            _ = try? ResponseDecoder.decodeGetPipelineRun(response)
            _ = try? ResponseDecoder.decodeListPipelineRuns(response)
            _ = try? ResponseDecoder.decodeListPipelineRunItems(response)
            _ = try? ResponseDecoder.decodeGetCrossProjectPipelineRun(response)
            _ = try? ResponseDecoder.decodeListCrossProjectPipelineRuns(response)
            _ = try? ResponseDecoder.decodeListCrossProjectPipelineRunItems(response)
        }
    }
    return 0
}

/// The executable's entry point (SwiftPM renames `main` to `<module>_main`): runs libFuzzer on ``fuzzResponseDecoder(_:_:)``.
@_cdecl("fuzz_response_decoder_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzResponseDecoder)
}
