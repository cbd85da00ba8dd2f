import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// The loop both push senders (``DeliveryService`` for WeCom, ``WebhookDeliveryService`` for webhooks) run.
///
/// A round sends what is due and answers how many rows it handled. While rounds find work the next one starts at
/// once; an empty round waits until a new row of `table` rings (notifications migration 0007 sends a NOTIFY on the
/// channel `<schema>_<table>` for each one) or `pollInterval` passes, which finds the retries that fell due. A failed
/// round is logged and counts as empty: the database may be restarting, and its rows stay pending for the next one.
/// A graceful shutdown lets the round in hand finish (its sends are recorded) and only cuts the wait short.
enum SenderRounds {
    static func run(
        table: String,
        client: PostgresClient,
        pollInterval: Duration,
        logger: Logger,
        round: () async throws -> Int
    ) async {
        let doorbell = Doorbell()
        let listener = NotificationListener(client: client, logger: logger) {
            "\(try await NotificationListener.currentSchema(on: $0))_\(table)"
        }
        await doorbell.ringing(by: listener) {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let handled: Int
                do {
                    handled = try await round()
                } catch {
                    logger.warning("\(table) round failed", metadata: ["error": "\(String(reflecting: error))"])
                    handled = 0
                }
                if handled == 0 {
                    await cancelWhenGracefulShutdown { await doorbell.wait(upTo: pollInterval) }
                }
            }
            doorbell.close()
        }
    }
}
