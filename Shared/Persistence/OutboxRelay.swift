import Contracts
import Foundation
public import Logging
import Metrics
public import PostgresNIO
public import ServiceLifecycle

/// Publishes the events in a schema's ``Outbox`` and marks them published.
///
/// Each pass locks a batch of unpublished rows with `FOR UPDATE SKIP LOCKED`, publishes it through an
/// ``OutboxPublisher`` and, in the same transaction, marks the confirmed rows published and records the failures.
/// Any number of relays (service instances) can run against one schema: a row locked by one is invisible to the
/// others, so each event is published once in the normal case. If the process dies between the broker's confirm and
/// the commit, the event is published again later: delivery is at least once and consumers dedupe with ``Inbox``.
///
/// A relay wakes on `NOTIFY <schema>_outbox` (sent by ``Outbox/append(_:on:logger:)`` at commit) and also polls every
/// `pollInterval`, because notifications are lost while the listening connection is down. After a failure (broker
/// down, database down) it backs off exponentially up to 30 seconds and keeps going. Published rows are deleted by
/// ``RetentionPruner`` (``RetentionPolicy/publishedOutbox``).
///
/// Each pass runs under a watchdog (`transactionDeadline`, see ``PostgresClient/withTransaction(deadline:logger:_:)``):
/// a pass whose connection or broker stops answering is abandoned, its connection closed (so its row locks go with
/// it), and the next pass starts after the usual backoff. The relay never waits on one pass forever.
public final class OutboxRelay: Service, Sendable {
    private let client: PostgresClient
    private let schema: String
    private let publisher: any OutboxPublisher
    private let batchSize: Int
    private let pollInterval: Duration
    private let transactionDeadline: Duration
    private let logger: Logger
    private let doorbell = Doorbell()
    private let publishedCounter: Counter
    private let failedCounter: Counter
    private let lagGauge: Gauge

    private static let maximumBackoff: Duration = .seconds(30)

    /// Creates a relay.
    /// - Parameters:
    ///   - client: the service's client (it runs in the same `ServiceGroup`, before the relay).
    ///   - schema: the schema whose outbox is relayed.
    ///   - publisher: publishes batches to the broker.
    ///   - batchSize: rows per pass and transaction.
    ///   - pollInterval: the longest pause between passes when no notification arrives.
    ///   - transactionDeadline: the longest one batch (lock, publish, mark) may take before it is abandoned.
    ///   - logger: the relay's logger.
    public init(
        client: PostgresClient,
        schema: String,
        publisher: any OutboxPublisher,
        batchSize: Int = 200,
        pollInterval: Duration = .seconds(2),
        transactionDeadline: Duration = PostgresSettings.defaultTransactionDeadline,
        logger: Logger
    ) {
        precondition(batchSize > 0, "batchSize must be positive")
        self.client = client
        self.schema = schema
        self.publisher = publisher
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.transactionDeadline = transactionDeadline
        var logger = logger
        logger[metadataKey: "outbox"] = "\(schema)"
        self.logger = logger
        let dimensions = [("schema", schema)]
        self.publishedCounter = Counter(label: "salesdesk_outbox_published_total", dimensions: dimensions)
        self.failedCounter = Counter(label: "salesdesk_outbox_publish_failures_total", dimensions: dimensions)
        self.lagGauge = Gauge(label: "salesdesk_outbox_lag_seconds", dimensions: dimensions)
    }

    /// Relays until graceful shutdown or cancellation.
    ///
    /// On graceful shutdown the current pass finishes, then one last flush publishes what is committed by then: the
    /// service's group stops the relay after the parts that write events (RPC server, consumer, timers), so a drained
    /// service leaves nothing in its outbox unless the broker refuses it (then the rows wait for the next start).
    public func run() async throws {
        try PostgresSettings.validate(schema: schema)
        // Missed notifications are harmless: the poll picks the rows up.
        let listener = NotificationListener(client: client, channel: Outbox.channel(schema: schema), logger: logger)
        await doorbell.ringing(by: listener) {
            await withGracefulShutdownHandler {
                await self.relayLoop()
            } onGracefulShutdown: {
                self.doorbell.close()
            }
        }
        if !Task.isCancelled { await flush() }
    }

    /// The last passes of a drain: batches until the outbox is empty, a publish fails or the task is cancelled.
    private func flush() async {
        var total = PassResult(published: 0, failed: 0)
        do {
            while !Task.isCancelled {
                let (result, fetched) = try await publishBatch()
                total.published += result.published
                total.failed += result.failed
                if fetched < batchSize || result.failed > 0 { break }
            }
            logger.info("drain: outbox flushed", metadata: ["published": "\(total.published)", "failed": "\(total.failed)"])
        } catch {
            logger.error(
                "drain: outbox flush failed; the events stay for the next start",
                metadata: ["published": "\(total.published)", "error": "\(String(reflecting: error))"]
            )
        }
    }

    /// What one call to ``publishPending()`` did.
    public struct PassResult: Sendable, Equatable {
        /// Events the broker confirmed and that are now marked published.
        public var published: Int
        /// Events whose publish failed; they stay in the outbox with `attempts` bumped.
        public var failed: Int

        /// Creates a result.
        public init(published: Int, failed: Int) {
            self.published = published
            self.failed = failed
        }
    }

    /// Publishes unpublished events batch by batch until a batch comes back short or has failures.
    ///
    /// ``run()`` calls this; tests and tools may call it directly.
    /// - Throws: a database error; events published before it are marked (their transactions committed).
    @discardableResult
    public func publishPending() async throws -> PassResult {
        var total = PassResult(published: 0, failed: 0)
        while true {
            let (result, fetched) = try await publishBatch()
            total.published += result.published
            total.failed += result.failed
            if fetched < batchSize || result.failed > 0 || doorbell.isClosed { return total }
        }
    }

    private func relayLoop() async {
        var consecutiveFailures = 0
        while !doorbell.isClosed && !Task.isCancelled {
            do {
                let result = try await publishPending()
                if result.failed > 0 {
                    consecutiveFailures += 1
                    let delay = backoff(consecutiveFailures)
                    logger.warning(
                        "broker did not confirm events, retrying later",
                        metadata: ["failed": "\(result.failed)", "retryIn": "\(delay)"]
                    )
                    await doorbell.wait(upTo: delay, wakeOnRing: false)
                    continue
                }
                consecutiveFailures = 0
                await doorbell.wait(upTo: pollInterval)
            } catch {
                consecutiveFailures += 1
                let delay = backoff(consecutiveFailures)
                logger.error("outbox pass failed", metadata: ["error": "\(String(reflecting: error))", "retryIn": "\(delay)"])
                await doorbell.wait(upTo: delay, wakeOnRing: false)
            }
        }
    }

    private func backoff(_ failures: Int) -> Duration {
        let exponent = min(failures - 1, 10)
        return min(.milliseconds(250) * (1 << exponent), Self.maximumBackoff)
    }

    private func publishBatch() async throws -> (PassResult, fetched: Int) {
        let schema = self.schema
        let batchSize = self.batchSize
        let publisher = self.publisher
        let logger = self.logger
        return try await client.withTransaction(deadline: transactionDeadline, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, envelope::text, EXTRACT(EPOCH FROM now() - created_at)::float8
                FROM \(unescaped: schema).outbox
                WHERE published_at IS NULL
                ORDER BY position
                LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            )
            var envelopes: [EventEnvelope] = []
            var undecodable: [UUID] = []
            var oldestAge = 0.0
            for try await (id, json, age) in rows.decode((UUID, String, Double).self) {
                oldestAge = max(oldestAge, age)
                do {
                    envelopes.append(try EventEnvelope.decode(from: Array(json.utf8)))
                } catch {
                    logger.error("outbox row is not an event envelope", metadata: ["id": "\(id)", "error": "\(error)"])
                    undecodable.append(id)
                }
            }
            let fetched = envelopes.count + undecodable.count
            guard fetched > 0 else { return (PassResult(published: 0, failed: 0), fetched: 0) }
            self.lagGauge.record(oldestAge)

            let confirmations = await publisher.publish(envelopes)
            var confirmed: [UUID] = []
            var failed: [UUID] = []
            for (index, envelope) in envelopes.enumerated() {
                if index < confirmations.count, confirmations[index] {
                    confirmed.append(envelope.id)
                } else {
                    failed.append(envelope.id)
                }
            }
            if !confirmed.isEmpty {
                try await connection.query(
                    "UPDATE \(unescaped: schema).outbox SET published_at = now(), last_error = NULL WHERE id = ANY(\(confirmed))",
                    logger: logger
                )
            }
            if !failed.isEmpty {
                try await connection.query(
                    """
                    UPDATE \(unescaped: schema).outbox SET attempts = attempts + 1, last_error = 'broker did not confirm'
                    WHERE id = ANY(\(failed))
                    """,
                    logger: logger
                )
            }
            if !undecodable.isEmpty {
                try await connection.query(
                    """
                    UPDATE \(unescaped: schema).outbox SET attempts = attempts + 1, last_error = 'not an event envelope'
                    WHERE id = ANY(\(undecodable))
                    """,
                    logger: logger
                )
            }
            self.publishedCounter.increment(by: confirmed.count)
            self.failedCounter.increment(by: failed.count)
            return (PassResult(published: confirmed.count, failed: failed.count), fetched: fetched)
        }
    }
}
