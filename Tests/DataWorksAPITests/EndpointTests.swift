import Testing

@testable import DataWorksAPI

struct EndpointTests {
    @Test func regionalEndpoints() throws {
        let publicEndpoint = try Endpoint.resolve(regionId: "cn-zhangjiakou")
        #expect(publicEndpoint.host == "dataworks.cn-zhangjiakou.aliyuncs.com")
        #expect(publicEndpoint.scheme == .https)
        #expect(publicEndpoint.port == nil)
        #expect(publicEndpoint.hostHeader == "dataworks.cn-zhangjiakou.aliyuncs.com")
        #expect(publicEndpoint.url == "https://dataworks.cn-zhangjiakou.aliyuncs.com")
        #expect(try Endpoint.resolve(regionId: "ap-southeast-7").host == "dataworks.ap-southeast-7.aliyuncs.com")
        #expect(
            try Endpoint.resolve(regionId: "cn-zhangjiakou", network: .vpc).host
                == "dataworks-vpc.cn-zhangjiakou.aliyuncs.com"
        )
        #expect(
            try Endpoint.resolve(regionId: "cn-beijing-finance-1").host == "dataworks.cn-beijing-finance-1.aliyuncs.com"
        )
    }

    @Test(arguments: ["cn-qingdao", "cn-huhehaote"])
    func centralRegions(regionId: String) throws {
        #expect(try Endpoint.resolve(regionId: regionId).host == "dataworks.aliyuncs.com")
        #expect(try Endpoint.resolve(regionId: regionId, network: .vpc).host == "dataworks.aliyuncs.com")
    }

    @Test func overrides() throws {
        let local = try Endpoint.resolve(regionId: nil, override: "http://127.0.0.1:18089")
        #expect(local == Endpoint(scheme: .http, host: "127.0.0.1", port: 18089))
        #expect(local.hostHeader == "127.0.0.1:18089")
        #expect(local.url == "http://127.0.0.1:18089")

        let proxy = try Endpoint.resolve(regionId: "cn-zhangjiakou", override: "https://proxy.example:8443/")
        #expect(proxy == Endpoint(scheme: .https, host: "proxy.example", port: 8443))
        #expect(proxy.url == "https://proxy.example:8443")

        let bare = try Endpoint.resolve(regionId: nil, override: "127.0.0.1:18089")
        #expect(bare == Endpoint(scheme: .https, host: "127.0.0.1", port: 18089))

        let hostOnly = try Endpoint.resolve(regionId: nil, override: "dataworks.cn-shanghai.aliyuncs.com")
        #expect(hostOnly.url == "https://dataworks.cn-shanghai.aliyuncs.com")

        let ipv6 = try Endpoint.resolve(regionId: nil, override: "http://[::1]:8080")
        #expect(ipv6.host == "::1")
        #expect(ipv6.hostHeader == "[::1]:8080")
    }

    @Test(arguments: ["", "CN-ZHANGJIAKOU", "cn_zhangjiakou", "zhangjiakou", "cn-", "cn-zhangjiakou/x", "a b-c"])
    func badRegions(regionId: String) {
        #expect(throws: EndpointError.self) { try Endpoint.resolve(regionId: regionId) }
    }

    @Test func missingRegionMessage() {
        #expect(throws: EndpointError.missingRegionId) { try Endpoint.resolve(regionId: nil) }
        #expect(EndpointError.missingRegionId.description.contains("RegionId"))
        #expect(EndpointError.invalidRegionId("Bad").description.contains("'Bad'"))
    }

    @Test(arguments: [
        "ftp://host", "http://", "https://host:0", "https://host:70000", "host:abc", "http://host/path",
        "http://user@host", "http://host?x=1", "ho st", "[::1", "https://host:",
    ])
    func badOverrides(override: String) {
        #expect(throws: EndpointError.self) { try Endpoint.resolve(regionId: "cn-zhangjiakou", override: override) }
        do {
            _ = try Endpoint.resolve(regionId: "cn-zhangjiakou", override: override)
        } catch {
            #expect(error.description.contains(override))
        }
    }
}
