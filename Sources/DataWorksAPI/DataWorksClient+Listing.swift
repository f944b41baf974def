/// Every page of one `ListDeployments` listing of a workspace, as walked by
/// ``DataWorksClient/listAllDeployments(in:status:pageSize:maxPages:deadline:)``.
///
/// Source: api-notes §6.1.
public struct DeploymentListing: Sendable, Equatable {
    /// The items of every page, in page order (`Data.Deployments[]`).
    public var deployments: [Deployment]
    /// `Data.TotalCount` of the last page that carried it; `nil` if none did.
    public var totalCount: Int64?

    /// Creates a listing.
    public init(deployments: [Deployment] = [], totalCount: Int64? = nil) {
        self.deployments = deployments
        self.totalCount = totalCount
    }
}

extension DataWorksClient {
    /// The most pages ``listAllDeployments(in:status:pageSize:maxPages:deadline:)`` walks by default: 10,000
    /// deployments at 100 a page.
    public static let maximumListingPages = 100

    /// Walks the pages of `ListDeployments` for `workspace`, one after the other, until a page is short, the pages
    /// seen cover `TotalCount`, or `maxPages` pages were read.
    ///
    /// - Parameters:
    ///   - workspace: The RegionId (selects the endpoint) and the `ProjectId` or `ProjectIdentifier`.
    ///   - status: The `Status` filter; `nil` for every status.
    ///   - pageSize: `PageSize`, 1…100; 100 by default.
    ///   - maxPages: The most pages read.
    ///   - deadline: No attempt starts, and no attempt runs, past this instant.
    /// - Returns: The items of every page read and the last `TotalCount`.
    /// - Throws: The first failing page's error, as ``listDeployments(regionId:request:deadline:)``; pages read before
    ///   it are dropped.
    public func listAllDeployments(
        in workspace: Workspace,
        status: DeploymentStatus?,
        pageSize: Int = ListDeploymentsRequest.maximumPageSize,
        maxPages: Int = DataWorksClient.maximumListingPages,
        deadline: ContinuousClock.Instant
    ) async throws -> DeploymentListing {
        var listing = DeploymentListing()
        var page = 1
        while page <= maxPages {
            var request = ListDeploymentsRequest(pageNumber: page, pageSize: pageSize, status: status)
            switch workspace.project {
            case .id(let id): request.projectId = id
            case .identifier(let identifier): request.projectIdentifier = identifier
            }
            let answer = try await listDeployments(regionId: workspace.regionId, request: request, deadline: deadline)
            listing.deployments += answer.deployments
            listing.totalCount = answer.totalCount ?? listing.totalCount
            if answer.deployments.count < pageSize || Int64(page * pageSize) >= listing.totalCount ?? 0 {
                break
            }
            page += 1
        }
        return listing
    }
}
