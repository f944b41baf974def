extension MetricsRenderer {
    /// The actions whose per-cycle request counts are always written (0 when unused).
    static let budgetActions = ["GetDeployment", "ListDeployments"]

    /// Writes the quota self-metrics: requests of the last collection by action, and per region the effective rate
    /// limit and whether calls are paused.
    func writeBudget(_ budget: QuotaBudget, into writer: inout ExpositionWriter) throws(ExpositionError) {
        try writer.family(
            "dataworks_cycle_api_requests",
            type: .gauge,
            help: "HTTP requests the last collection sent to the DataWorks API, retries included, by action."
        )
        let actions = Set(Self.budgetActions).union(budget.requestsByAction.keys).sorted()
        for action in actions {
            try writer.sample(
                "dataworks_cycle_api_requests",
                labels: [("action", action)],
                value: Double(budget.requestsByAction[action] ?? 0)
            )
        }
        try writer.family(
            "dataworks_api_rate_limit_per_second",
            type: .gauge,
            help:
                "The effective rate limit of calls to the DataWorks API of a region, in calls per second: dataworks.rate_limit, lowered after throttling; absent when unlimited."
        )
        for region in budget.regions {
            if let rate = region.effectiveRate {
                try writer.sample(
                    "dataworks_api_rate_limit_per_second",
                    labels: [("region_id", region.regionId)],
                    value: rate
                )
            }
        }
        try writer.family(
            "dataworks_api_region_paused",
            type: .gauge,
            help:
                "1 while calls to the region are paused after a daily or edition quota answer (Throttling.Api.Risk, Throttling.Resource), 0 otherwise."
        )
        for region in budget.regions {
            try writer.sample(
                "dataworks_api_region_paused",
                labels: [("region_id", region.regionId)],
                value: region.paused ? 1 : 0
            )
        }
    }
}
