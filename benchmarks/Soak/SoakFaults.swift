import AMQP
import Foundation
import Logging
import ServiceRuntime
import TestSupport

/// Runs a blocking call (a child process, `psql`, `rabbitmqctl`) on a thread of its own: the cooperative pool has one
/// thread per core, two here, and the workload must keep running while a server restarts.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}

/// One fault the soak injects, and how long the system took to serve again.
public struct SoakFault: Sendable {
    /// What was done, e.g. `SIGKILL deals`.
    public var name: String
    /// Seconds from the start of the soak to the injection.
    public var at: Double
    /// Seconds from the injection until every probe through the gateway succeeded (and, for the poison messages, until
    /// each was parked); `nil` when that never happened.
    public var recovery: Double?
}

/// The faults of a soak: one broker restart, one PostgreSQL restart, a SIGKILL (and start) of each service and one
/// poison message to each consumer queue, spread over the first 80 % of the run, one at a time.
struct SoakFaults: Sendable {
    let system: SalesDeskSystem
    let postgres: PrivatePostgres
    let rabbitmq: PrivateRabbitMQ
    let prober: SoakClient
    let probeUser: SoakUser
    let stats: SoakStats
    /// The message id of each poison message, by the queue it went to.
    let poison: PoisonMessages

    /// The consumer queues' services: every service but the gateway consumes events.
    static let consumers = ["customers", "deals", "approvals", "notifications", "reporting"]

    /// A read through the gateway that needs each service.
    static let probes = [
        "gateway": "/api/v1/me", "customers": "/api/v1/customers?limit=1", "deals": "/api/v1/deals?limit=1",
        "approvals": "/api/v1/approvals?limit=1", "notifications": "/api/v1/notifications?limit=1",
        "reporting": "/api/v1/reports/summary",
    ]

    enum Kind: Sendable {
        case restartRabbitMQ, restartPostgres
        case kill(String)
        case poison

        var name: String {
            switch self {
            case .restartRabbitMQ: "RabbitMQ restart (stop_app, start_app)"
            case .restartPostgres: "PostgreSQL restart (immediate)"
            case .kill(let service): "SIGKILL \(service)"
            case .poison: "poison message to each consumer queue"
            }
        }
    }

    static let schedule: [Kind] = [.restartRabbitMQ, .restartPostgres] + SalesDeskSystem.services.map { .kill($0) } + [.poison]

    /// Injects every fault in turn, each no earlier than its slot and after the previous one has recovered.
    func run(started: ContinuousClock.Instant, duration: Duration, logger: Logger) async -> [SoakFault] {
        var outcomes: [SoakFault] = []
        let first = duration * 0.1
        let step = (duration * 0.7) / Self.schedule.count
        for (index, kind) in Self.schedule.enumerated() {
            let slot = started + first + step * index
            if slot > .now { try? await Task.sleep(until: slot) }
            let injected = ContinuousClock.now
            logger.info("soak: injecting \(kind.name)")
            stats.enter(kind.name)
            let recovered = await inject(kind, logger: logger)
            let recovery = recovered ? Self.seconds(ContinuousClock.now - injected) : nil
            stats.enter("steady")
            logger.info("soak: \(kind.name) recovered: \(recovery.map { String(format: "%.1f s", $0) } ?? "never")")
            outcomes.append(SoakFault(name: kind.name, at: Self.seconds(injected - started), recovery: recovery))
        }
        return outcomes
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Injects one fault and waits (up to four minutes) until the system serves again.
    private func inject(_ kind: Kind, logger: Logger) async -> Bool {
        do {
            switch kind {
            case .restartRabbitMQ:
                try await offPool { [rabbitmq] in try rabbitmq.restart() }
                return await probed(Array(Self.probes.keys))
            case .restartPostgres:
                try await offPool { [postgres] in try postgres.restartImmediately() }
                return await probed(Array(Self.probes.keys))
            case .kill(let service):
                system.kill(service)
                try await system.restart(service)
                return await probed([service])
            case .poison:
                try await poison.deliver(to: system, broker: rabbitmq, consumers: Self.consumers, logger: logger)
                let parked = await eventually(timeout: .seconds(240), interval: .milliseconds(250)) {
                    await poison.parkedCount(on: system, broker: rabbitmq, logger: logger) >= Self.consumers.count
                }
                return await probed(Array(Self.probes.keys)) && parked
            }
        } catch {
            logger.error("soak: \(kind.name) failed: \(error)")
            return false
        }
    }

    /// Whether each service's probe answered 200 within four minutes.
    private func probed(_ services: [String]) async -> Bool {
        await eventually(timeout: .seconds(240), interval: .milliseconds(200)) {
            for service in services {
                guard let reply = await prober.send("GET", Self.probes[service]!, as: probeUser), reply.status == 200 else { return false }
            }
            return true
        }
    }
}
