import AMQP
import Foundation
import Logging

/// The yardstick for the gateway benchmark: raw AMQP RPC round trips per second through the broker, with an
/// echo server and no HTTP or database in the way, at the same concurrency wrk uses.
///
/// Usage: `salesdesk-rpc-bench AMQP_URL [connections=32] [seconds=15]`; prints `rpc_round_trips_per_second=N`
/// and the p50/p99 latency in milliseconds.
@main
struct RPCBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: salesdesk-rpc-bench AMQP_URL [connections] [seconds]\n".utf8))
            exit(64)
        }
        let concurrency = arguments.count > 2 ? Int(arguments[2]) ?? 32 : 32
        let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 15 : 15
        var logger = Logger(label: "rpc-bench")
        logger.logLevel = .warning
        let queue = "bench.rpc.\(UUID().uuidString.prefix(8).lowercased())"
        let topology = AMQPTopology(
            exchanges: [],
            queues: [.init(name: queue, durable: false, exclusive: false, autoDelete: true)],
            bindings: []
        )
        let serverConnection = AMQPConnection(
            configuration: try AMQPConfiguration(url: arguments[1], connectionName: "rpc-bench-server"),
            topology: topology,
            logger: logger
        )
        let server = AMQPRPCServer(connection: serverConnection, queue: queue, prefetch: UInt16(concurrency * 2), logger: logger) { delivery in
            AMQPMessage(body: delivery.message.body, contentType: "application/json", persistent: false)
        }
        let client = AMQPRPCClient(configuration: try AMQPConfiguration(url: arguments[1], connectionName: "rpc-bench-client"), logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serverConnection.run() }
            group.addTask { try await server.run() }
            group.addTask { try await client.run() }
            try await serverConnection.waitUntilConnected(timeout: .seconds(10))
            _ = await waitFor { client.isConnected }
            // Warm up: the server's consumer must be registered before timing starts.
            let ping = AMQPMessage(body: Array(#"{"ping":true}"#.utf8), persistent: false)
            _ = await waitFor { (try? await client.call(ping, exchange: "", routingKey: queue, timeout: .seconds(1))) != nil }

            let clock = ContinuousClock()
            let end = clock.now.advanced(by: .seconds(seconds))
            let started = clock.now
            let (latencies, errors) = await withTaskGroup(of: ([Double], Int).self) { callers in
                for _ in 0..<concurrency {
                    callers.addTask {
                        var mine: [Double] = []
                        var failed = 0
                        while clock.now < end {
                            let start = clock.now
                            do {
                                _ = try await client.call(ping, exchange: "", routingKey: queue, timeout: .seconds(5))
                                mine.append(Self.milliseconds(clock.now - start))
                            } catch {
                                failed += 1
                            }
                        }
                        return (mine, failed)
                    }
                }
                var all: [Double] = []
                var failed = 0
                for await (mine, errors) in callers {
                    all += mine
                    failed += errors
                }
                return (all, failed)
            }
            let elapsed = Self.milliseconds(clock.now - started) / 1000
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            print("rpc_round_trips=\(sorted.count)")
            print("rpc_errors=\(errors)")
            print(String(format: "rpc_round_trips_per_second=%.0f", Double(sorted.count) / elapsed))
            print(String(format: "rpc_p50_ms=%.2f", percentile(0.50)))
            print(String(format: "rpc_p99_ms=%.2f", percentile(0.99)))
            group.cancelAll()
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func waitFor(_ condition: @Sendable () async -> Bool) async -> Bool {
        for _ in 0..<200 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
