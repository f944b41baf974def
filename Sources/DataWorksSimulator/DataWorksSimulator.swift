import DataWorksAPI
import Foundation
public import HTTPServer

/// A local DataWorks OpenAPI that serves `GetDeployment`, `ListDeployments` and `GetFileVersion` (2020-05-18; a release
/// history on request, ``SimulatedReleaseHistory``) and the six pipeline-run reads of 2024-05-18
/// (``SimulatedPipelineRun``, ``SimulatedCrossProjectPipelineRun``; see `SimulatorHandler+PipelineRuns.swift`) over
/// libmicrohttpd.
///
/// It accepts only requests signed correctly, with V3 (`ACS3-HMAC-SHA256`) or V1 (`HMAC-SHA1`), by its own
/// AccessKey (``accessKeyId``, ``accessKeySecret``), and answers wrong signatures, unknown AccessKeys, replayed
/// nonces and stale dates with DataWorks' error codes. Faults can be injected per deployment (``inject(_:deploymentId:count:)``)
/// or over HTTP (`POST /-/simulator/faults?deployment_id=…&fault=…&count=…`); background faults drawn at random for
/// every answer with ``setBackground(delay:throttlingFraction:resetFraction:malformedFraction:delayFraction:)`` or
/// `POST /-/simulator/background?delay_ms=…&throttling=…&reset=…&malformed=…&delayed=…`.
///
/// It is the demo's embedded upstream (`dataworks-exporter --demo`) and the integration tests' upstream. It listens on
/// loopback only.
public final class DataWorksSimulator: Sendable {
    /// The AccessKey ID the simulator accepts. Not a real credential.
    public static let accessKeyId = "LTAI5tSIMULATOR00000000"
    /// The AccessKey secret the simulator accepts. Not a real credential.
    public static let accessKeySecret = "simulator-secret-0000000000000000"

    let state: SimulatorState
    /// `nil` for an in-memory simulator (``init(inMemory:pipelineRuns:crossProjectPipelineRuns:)``).
    private let server: HTTPServer?

    /// Starts serving on `listenAddress` (a loopback address; port 0 picks a free one).
    ///
    /// - Parameters:
    ///   - deployments: What `GetDeployment` and `ListDeployments` answer with.
    ///   - pipelineRuns: What the 2024-05-18 pipeline-run reads answer with (none by default).
    ///   - crossProjectPipelineRuns: What the 2024-05-18 cross-project reads answer with (none by default).
    ///   - releaseHistory: A release history to serve besides (``SimulatedReleaseHistory``, e.g. `.demo(now:)`): its
    ///     packages in `GetDeployment`/`ListDeployments` (a deployment of `deployments` with the same id wins), its
    ///     file versions in `GetFileVersion`, its pipeline runs with `pipelineRuns`; none by default.
    ///   - listenAddress: `127.0.0.1:0` by default.
    ///   - tls: HTTPS settings (e.g. a certificate from a private CA); `nil` (default) serves plain HTTP.
    /// - Throws: `ServerError` when the address cannot be bound.
    public convenience init(
        deployments: [SimulatedDeployment],
        pipelineRuns: [SimulatedPipelineRun] = [],
        crossProjectPipelineRuns: [SimulatedCrossProjectPipelineRun] = [],
        releaseHistory: SimulatedReleaseHistory? = nil,
        listenAddress: String = "127.0.0.1:0",
        tls: HTTPServer.TLSConfiguration? = nil
    ) throws {
        let state = SimulatorState(
            deployments: deployments,
            pipelineRunState: PipelineRunState(
                runs: pipelineRuns + (releaseHistory?.pipelineRuns ?? []),
                crossProjectRuns: crossProjectPipelineRuns
            ),
            releaseHistory: ReleaseHistoryState(releaseHistory)
        )
        let server = try HTTPServer(configuration: .init(listenAddresses: [listenAddress], tls: tls)) { request in
            await SimulatorHandler(state: state).handle(request)
        }
        self.init(state: state, server: server, scheme: tls == nil ? "http" : "https")
    }

    init(state: SimulatorState, server: HTTPServer?, scheme: String = "http") {
        self.state = state
        self.server = server
        self.scheme = scheme
    }

    private let scheme: String

    /// The port the simulator listens on.
    public var port: Int { server?.ports.first ?? 0 }

    /// The endpoint to configure as `dataworks.endpoint`, e.g. `http://127.0.0.1:41234` (`https://` with TLS).
    public var endpoint: String { "\(scheme)://127.0.0.1:\(port)" }

    /// Makes the next `count` answers for `deploymentId` (GetDeployment) be `fault`; `nil` means until cleared.
    public func inject(_ fault: SimulatedFault, deploymentId: Int64, count: Int? = 1) async {
        await state.inject(fault, deploymentId: deploymentId, count: count)
    }

    /// Makes the next `count` `ListDeployments` answers be `fault`; `nil` means until cleared.
    public func injectListFault(_ fault: SimulatedFault, count: Int? = 1) async {
        await state.injectListFault(fault, count: count)
    }

    /// Sets faults applied to every API call, whatever the action and deployment, each drawn at random per answer:
    /// the fraction (0...1) of answers replaced by `Throttling.User`, by a reset (``SimulatedFault/reset``), by a
    /// malformed body (``SimulatedFault/malformedBody``), and otherwise a `delay` before the answer (`nil` for none)
    /// for the fraction `delayFraction` of answers (all of them by default).
    public func setBackground(
        delay: Duration? = nil,
        throttlingFraction: Double = 0,
        resetFraction: Double = 0,
        malformedFraction: Double = 0,
        delayFraction: Double = 1
    ) async {
        await state.setBackground(
            BackgroundFaults(
                delay: delay,
                throttlingFraction: throttlingFraction,
                resetFraction: resetFraction,
                malformedFraction: malformedFraction,
                delayFraction: delayFraction
            )
        )
    }

    /// Removes every injected fault, background faults included.
    public func clearFaults() async {
        await state.clearFaults()
    }

    /// Adds or replaces a deployment.
    public func upsert(_ deployment: SimulatedDeployment) async {
        await state.upsert(deployment)
    }

    /// Deletes a deployment: from now on `GetDeployment` answers 404 `Invalid.Deployment.NotFound` for it, and
    /// listings leave it out.
    public func remove(deploymentId: Int64) async {
        await state.remove(deploymentId)
    }

    /// How many requests with a valid signature each action received.
    public func requestCounts() async -> [String: Int] {
        await state.requestCounts
    }

    /// The credential material of the most recent requests (at most 1,000), signed correctly or not: every
    /// `Authorization` header value, its `Signature=` part, the V1 `Signature` query value and every
    /// `x-acs-security-token`, so that tests can look for them where they must never appear (logs, pages, metrics).
    public func receivedCredentialMaterial() async -> [String] {
        await state.credentialMaterial
    }

    /// Stops serving. Idempotent.
    public func stop() async {
        await server?.stop()
    }
}

/// Faults drawn at random for every answer; fractions are clamped to 0...1.
struct BackgroundFaults: Sendable {
    var delay: Duration?
    var throttlingFraction = 0.0
    var resetFraction = 0.0
    var malformedFraction = 0.0
    var delayFraction = 1.0

    init(
        delay: Duration? = nil,
        throttlingFraction: Double = 0,
        resetFraction: Double = 0,
        malformedFraction: Double = 0,
        delayFraction: Double = 1
    ) {
        func clamped(_ value: Double) -> Double { value.isFinite ? min(1, max(0, value)) : 0 }
        self.delay = delay
        self.throttlingFraction = clamped(throttlingFraction)
        self.resetFraction = clamped(resetFraction)
        self.malformedFraction = clamped(malformedFraction)
        self.delayFraction = clamped(delayFraction)
    }
}

/// The simulator's mutable state.
actor SimulatorState {
    private(set) var deployments: [Int64: SimulatedDeployment]
    private var faults: [Int64: InjectedFault] = [:]
    private var listFault: InjectedFault?
    private var background = BackgroundFaults()
    private(set) var requestCounts: [String: Int] = [:]
    private(set) var credentialMaterial: [String] = []
    private var seenNonces: Set<String> = []
    private var nonceOrder: [String] = []
    /// The pipeline runs (2024-05-18) and their faults; see `SimulatorHandler+PipelineRuns.swift`.
    var pipelineRunState: PipelineRunState
    /// The release history's packages and file versions; see `SimulatorHandler+Releases.swift`.
    var releaseHistory: ReleaseHistoryState

    init(
        deployments: [SimulatedDeployment],
        pipelineRunState: PipelineRunState = PipelineRunState(),
        releaseHistory: ReleaseHistoryState = ReleaseHistoryState()
    ) {
        self.deployments = Dictionary(deployments.map { ($0.deploymentId, $0) }, uniquingKeysWith: { _, last in last })
        self.pipelineRunState = pipelineRunState
        self.releaseHistory = releaseHistory
    }

    func inject(_ fault: SimulatedFault, deploymentId: Int64, count: Int?) {
        faults[deploymentId] = InjectedFault(fault: fault, remaining: count)
    }

    func clearFaults() {
        faults = [:]
        listFault = nil
        pipelineRunState.clearFaults()
        releaseHistory.clearFaults()
        background = BackgroundFaults()
    }

    func injectListFault(_ fault: SimulatedFault, count: Int?) {
        listFault = InjectedFault(fault: fault, remaining: count)
    }

    func setBackground(_ faults: BackgroundFaults) {
        background = faults
    }

    /// The background fault for this answer: throttling, a reset or a malformed body with their probabilities,
    /// else the delay with its own.
    func takeBackgroundFault() -> SimulatedFault? {
        let draw = Double.random(in: 0..<1)
        var bound = background.throttlingFraction
        if draw < bound { return .throttlingUser }
        bound += background.resetFraction
        if draw < bound { return .reset }
        bound += background.malformedFraction
        if draw < bound { return .malformedBody }
        guard let delay = background.delay, Double.random(in: 0..<1) < background.delayFraction else { return nil }
        return .delay(delay)
    }

    /// Takes the fault to apply to this `ListDeployments` answer, if any.
    func takeListFault() -> SimulatedFault? {
        listFault.take()
    }

    func upsert(_ deployment: SimulatedDeployment) {
        deployments[deployment.deploymentId] = deployment
    }

    func remove(_ deploymentId: Int64) {
        deployments[deploymentId] = nil
    }

    func recordCredentialMaterial(_ values: [String]) {
        credentialMaterial.append(contentsOf: values)
        if credentialMaterial.count > 1_000 {
            credentialMaterial.removeFirst(credentialMaterial.count - 1_000)
        }
    }

    func countRequest(action: String) {
        requestCounts[action, default: 0] += 1
    }

    /// Records a nonce; false when it was seen before (DataWorks answers `SignatureNonceUsed`).
    func useNonce(_ nonce: String) -> Bool {
        guard seenNonces.insert(nonce).inserted else { return false }
        nonceOrder.append(nonce)
        if nonceOrder.count > 100_000 {
            seenNonces.subtract(nonceOrder.prefix(50_000))
            nonceOrder.removeFirst(50_000)
        }
        return true
    }

    /// Forgets `nonce` again: a request reset before it was answered counts as never processed, so libcurl's own
    /// retry of it on a fresh connection (same nonce) is not a replay.
    func forgetNonce(_ nonce: String) {
        seenNonces.remove(nonce)
    }

    /// Takes the fault to apply to this answer for `deploymentId`, if any.
    func takeFault(deploymentId: Int64) -> SimulatedFault? {
        faults[deploymentId].take()
    }
}
