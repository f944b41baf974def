extension DataWorksClient {
    /// A client that shares this one's configuration, credentials, transport and rate limiter, and tells `observer`
    /// about every request and retry besides this client's own observer: so one piece of work (a collection cycle)
    /// can count its own calls while other callers of the same client go on.
    public func observed(by observer: any APIRequestObserver) -> DataWorksClient {
        DataWorksClient(
            configuration: configuration,
            credentialsProvider: credentialsProvider,
            transport: transport,
            observer: ObserverPair(first: self.observer, second: observer),
            rateLimiter: rateLimiter,
            logger: logger,
            endpoints: endpoints
        )
    }
}

/// Tells two observers, in order.
private struct ObserverPair: APIRequestObserver {
    let first: (any APIRequestObserver)?
    let second: any APIRequestObserver

    func requestFinished(action: String, duration: Duration, error: APIError?) async {
        await first?.requestFinished(action: action, duration: duration, error: error)
        await second.requestFinished(action: action, duration: duration, error: error)
    }

    func retryScheduled(action: String, reason: String) async {
        await first?.retryScheduled(action: action, reason: reason)
        await second.retryScheduled(action: action, reason: reason)
    }

    func callSkipped(action: String, reason: CallSkipReason) async {
        await first?.callSkipped(action: action, reason: reason)
        await second.callSkipped(action: action, reason: reason)
    }
}
