/// A fault injected for some answers: which one, and for how many more answers (`nil`: every answer until the faults
/// are cleared). Deployments, pipeline runs, file versions and the listings each keep theirs in an optional or a
/// dictionary of these, and take one use per answer with ``Swift/Optional/take()``.
struct InjectedFault: Sendable {
    /// The fault to apply.
    var fault: SimulatedFault
    /// How many answers it still applies to; `nil` for no limit.
    var remaining: Int?
}

extension Optional where Wrapped == InjectedFault {
    /// The fault for one answer, if any, used up by one: the last use clears it.
    mutating func take() -> SimulatedFault? {
        guard let entry = self else { return nil }
        if let remaining = entry.remaining {
            self = remaining <= 1 ? nil : InjectedFault(fault: entry.fault, remaining: remaining - 1)
        }
        return entry.fault
    }
}
