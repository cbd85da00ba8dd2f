public import Hummingbird
import Logging
import NIOCore
import Synchronization

/// What `/ready` asks: each check names a dependency and says whether it is usable now.
public struct ReadinessCheck: Sendable {
    /// The dependency's name in the `/ready` answer (`postgres`, `amqp`, `migrations`).
    public let name: String
    /// Returns `true` when the dependency is usable; must answer within a couple of seconds.
    public let probe: @Sendable () async -> Bool

    /// Creates a check.
    public init(name: String, probe: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.probe = probe
    }
}

/// A flag a startup step raises once it has finished (e.g. migrations applied); `/ready` reads it.
public final class StartupFlag: Sendable {
    private let raised = Mutex(false)

    /// Creates a lowered flag.
    public init() {}

    /// Marks the step as done.
    public func raise() { raised.withLock { $0 = true } }

    /// Whether the step is done.
    public var isRaised: Bool { raised.withLock { $0 } }
}

extension Router {
    /// Adds `/health` (the process is alive), `/ready` (every ``ReadinessCheck`` passes; 503 otherwise, with the
    /// failing ones named) and `/metrics` (Prometheus text format).
    /// - Parameters:
    ///   - service: the service name reported by `/health`.
    ///   - checks: the dependencies `/ready` probes, concurrently.
    public func addHealthRoutes(service: String, checks: [ReadinessCheck]) {
        self.get("/health") { _, _ in
            jsonResponse(status: .ok, "{\"status\":\"ok\",\"service\":\"\(service)\"}")
        }
        self.get("/ready") { _, _ in
            let results = await withTaskGroup(of: (String, Bool).self) { group in
                for check in checks {
                    group.addTask { (check.name, await check.probe()) }
                }
                var results: [(String, Bool)] = []
                for await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }
            }
            let ready = results.allSatisfy(\.1)
            let members = results.map { "\"\($0.0)\":\"\($0.1 ? "up" : "down")\"" }.joined(separator: ",")
            return jsonResponse(
                status: ready ? .ok : .serviceUnavailable,
                "{\"status\":\"\(ready ? "ready" : "not ready")\",\"service\":\"\(service)\",\"checks\":{\(members)}}"
            )
        }
        self.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: PrometheusMetrics.render()))
            )
        }
    }
}

private func jsonResponse(status: HTTPResponse.Status, _ json: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
}
