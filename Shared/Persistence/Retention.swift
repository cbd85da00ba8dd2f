import Contracts
public import Foundation
public import Logging
import Metrics
public import PostgresNIO
public import ServiceLifecycle

/// How long the tables that only grow keep their rows, and how often ``RetentionPruner`` trims them.
///
/// Every service reads one from configuration at start (`RETENTION_*`, see docs/PLATFORM-DESIGN.md); the floors
/// below are what correctness needs, so configuration cannot go under them.
public struct RetentionPolicy: Sendable, Equatable {
    /// How long an ``Inbox`` row is kept after the message was claimed.
    ///
    /// A redelivery is recognised only while its inbox row exists. The broker redelivers an applied message when the
    /// consumer died between commit and ack (at once, or after RabbitMQ's 30-minute `consumer_timeout`), and a
    /// publisher republishes a confirmed event whose row it could not mark sent (on its next pass, or when it comes
    /// back from an outage); the copy may then wait in a queue for as long as its consumer is down. The consumer
    /// therefore parks any event older than this window (``isTooOldToDeduplicate(eventTime:now:)``): an event it
    /// may have forgotten is never applied a second time, only shown to an operator.
    public var inbox: Duration
    /// How long the reply to an `Idempotency-Key` is kept: at least 24 hours, what clients of Stripe-like keys expect;
    /// longer by default because the web app replays visits queued offline in a workshop.
    public var idempotencyKeys: Duration
    /// How long an ``Outbox`` row is kept after the broker confirmed it (for operators); unsent rows are never pruned.
    public var publishedOutbox: Duration
    /// How long the gateway keeps a failed login (far longer than the longest lockout window, 24 hours).
    public var loginFailures: Duration
    /// How long the gateway keeps a refresh token after it expired. A revoked token is kept until then too, so that
    /// presenting a token used up by rotation is still recognised as reuse while it could have been valid.
    public var expiredRefreshTokens: Duration
    /// After how long reporting's event log loses the personal data of its events (contact names, phones, e-mails);
    /// the rows themselves stay, because the projections are rebuilt by replaying them.
    public var eventLogPersonalData: Duration
    /// The pause between two pruning passes.
    public var interval: Duration
    /// Rows deleted or changed per statement, so that no statement holds many row locks for long.
    public var batchSize: Int

    /// The shortest inbox retention configuration may set: a week, far beyond any redelivery the broker or a
    /// relay makes in normal operation, so that only events held up by a long outage meet the age check.
    public static let minimumInbox: Duration = .seconds(7 * 86_400)
    /// The shortest idempotency-key retention: 24 hours.
    public static let minimumIdempotencyKeys: Duration = .seconds(86_400)
    /// The shortest login-failure retention: one day, the longest lockout window configuration allows.
    public static let minimumLoginFailures: Duration = .seconds(86_400)

    /// Finished timers (done, skipped or cancelled) are kept this long after they finished. A finished row is what
    /// stops an occurrence from firing twice, and ``ScheduledJob`` looks back only to a job's latest occurrence (a
    /// month at most), so 90 days leaves a wide margin; pending timers are never pruned, however old.
    public var finishedTimers: Duration

    /// The shortest finished-timer retention configuration may set: 45 days, beyond a monthly job's period.
    public static let minimumFinishedTimers: Duration = .seconds(45 * 86_400)

    /// The defaults: inbox 30 days, idempotency keys 7 days, published outbox rows 7 days, login failures 30 days,
    /// expired refresh tokens 7 days, event-log personal data 90 days, finished timers 90 days; hourly passes of
    /// 1,000-row batches.
    public init(
        inbox: Duration = .seconds(30 * 86_400),
        idempotencyKeys: Duration = .seconds(7 * 86_400),
        publishedOutbox: Duration = .seconds(7 * 86_400),
        loginFailures: Duration = .seconds(30 * 86_400),
        expiredRefreshTokens: Duration = .seconds(7 * 86_400),
        eventLogPersonalData: Duration = .seconds(90 * 86_400),
        finishedTimers: Duration = .seconds(90 * 86_400),
        interval: Duration = .seconds(3600),
        batchSize: Int = 1000
    ) {
        self.inbox = inbox
        self.idempotencyKeys = idempotencyKeys
        self.publishedOutbox = publishedOutbox
        self.loginFailures = loginFailures
        self.expiredRefreshTokens = expiredRefreshTokens
        self.eventLogPersonalData = eventLogPersonalData
        self.finishedTimers = finishedTimers
        self.interval = interval
        self.batchSize = max(batchSize, 1)
    }

    /// Whether an event is so old that its inbox row may already be pruned, so a copy of it can no longer be told
    /// from a first delivery.
    ///
    /// The inbox row of an event is written when it is applied, never before the event was created, and pruned
    /// ``inbox`` after that. So while `now - eventTime` is under ``inbox`` the row, if the event was ever applied,
    /// still exists; past it the consumer parks the event instead of applying it.
    /// - Parameters:
    ///   - eventTime: the envelope's `time`.
    ///   - now: the consumer's clock.
    public func isTooOldToDeduplicate(eventTime: Date, now: Date) -> Bool {
        now.timeIntervalSince(eventTime) >= Self.seconds(inbox)
    }

    /// The rules for the tables every schema has (kit migrations): inbox, idempotency keys, published outbox rows,
    /// finished timers.
    public var kitRules: [RetentionRule] {
        [
            .delete(name: "inbox", from: "inbox", where: "received_at < now() - make_interval(secs => $1)", age: inbox),
            .delete(
                name: "idempotency_keys",
                from: "idempotency_keys",
                where: "created_at < now() - make_interval(secs => $1)",
                age: idempotencyKeys
            ),
            .delete(
                name: "outbox",
                from: "outbox",
                where: "published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)",
                age: publishedOutbox
            ),
            .delete(
                name: "timers",
                from: "timers",
                where: "status <> 'pending' AND finished_at < now() - make_interval(secs => $1)",
                age: finishedTimers
            ),
        ]
    }

    /// A duration in seconds, as PostgreSQL's `make_interval(secs => …)` takes it.
    /// - Parameter duration: the duration.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// One table's retention: a statement that removes (or strips) up to a batch of rows past their age and says how
/// many it touched. ``RetentionPruner`` runs it until a batch comes back short.
public struct RetentionRule: Sendable {
    /// Names the rule in logs and in the `salesdesk_retention_rows_total{rule=…}` metric.
    public var name: String
    /// The rows past retention.
    public var age: Duration
    /// One batch: touches at most `batchSize` rows of the connection's schema older than `age` seconds; returns how
    /// many it touched. It must make progress (a touched row no longer qualifies), so repeating it ends.
    public var batch: @Sendable (_ connection: PostgresConnection, _ ageSeconds: Double, _ batchSize: Int, _ logger: Logger) async throws -> Int

    /// Creates a rule from its batch statement.
    /// - Parameters:
    ///   - name: the rule's name.
    ///   - age: rows older than this are past retention.
    ///   - batch: one batch, see ``batch``.
    public init(
        name: String,
        age: Duration,
        batch: @escaping @Sendable (_ connection: PostgresConnection, _ ageSeconds: Double, _ batchSize: Int, _ logger: Logger) async throws -> Int
    ) {
        self.name = name
        self.age = age
        self.batch = batch
    }

    /// A rule that deletes the rows of `table` matching `condition`, a batch at a time.
    ///
    /// Each batch picks row addresses with `FOR UPDATE SKIP LOCKED` and deletes exactly those, so replicas pruning
    /// at once share the work instead of waiting on each other, and no statement locks more than a batch.
    /// - Parameters:
    ///   - name: the rule's name.
    ///   - table: the table, in the connection's schema (a constant of the code, never input).
    ///   - condition: SQL selecting the expired rows, with `$1` as the age in seconds (a constant of the code).
    ///   - age: the retention.
    public static func delete(name: String, from table: String, where condition: String, age: Duration) -> RetentionRule {
        RetentionRule(name: name, age: age) { connection, ageSeconds, batchSize, logger in
            let sql = """
                WITH gone AS (
                    DELETE FROM \(table) WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM \(table) WHERE \(condition) LIMIT $2 FOR UPDATE SKIP LOCKED
                    ))
                    RETURNING 1
                )
                SELECT count(*)::int8 FROM gone
                """
            var bindings = PostgresBindings()
            bindings.append(ageSeconds)
            bindings.append(Int64(batchSize))
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}

/// Trims a schema's tables that only grow (``RetentionRule``s), on a schedule, as a `Service` every SalesDesk service
/// runs.
///
/// A pass runs each rule in batches until a batch comes back short. Several replicas may run passes at the same time:
/// each batch skips the rows another one holds. A failing rule is logged and retried on the next pass; it never stops
/// the service or the other rules. Tests call ``pass()`` directly.
public final class RetentionPruner: Service, Sendable {
    private let client: PostgresClient
    private let schema: String
    private let rules: [RetentionRule]
    private let interval: Duration
    private let batchSize: Int
    private let logger: Logger

    /// Creates a pruner.
    /// - Parameters:
    ///   - client: the service's client.
    ///   - schema: the schema whose tables the rules name (validated like ``PostgresSettings/schema``).
    ///   - rules: the rules, e.g. ``RetentionPolicy/kitRules`` plus the service's own.
    ///   - interval: the pause between passes.
    ///   - batchSize: rows per statement.
    ///   - logger: the pruner's logger.
    public init(client: PostgresClient, schema: String, rules: [RetentionRule], interval: Duration, batchSize: Int, logger: Logger) {
        self.client = client
        self.schema = schema
        self.rules = rules
        self.interval = interval
        self.batchSize = max(batchSize, 1)
        var logger = logger
        logger[metadataKey: "retention"] = "\(schema)"
        self.logger = logger
    }

    /// Creates a pruner for `policy`: its interval and batch size, the kit's rules and `rules`.
    public convenience init(client: PostgresClient, schema: String, policy: RetentionPolicy, rules: [RetentionRule] = [], logger: Logger) {
        self.init(
            client: client,
            schema: schema,
            rules: policy.kitRules + rules,
            interval: policy.interval,
            batchSize: policy.batchSize,
            logger: logger
        )
    }

    /// Prunes now and then every `interval` until graceful shutdown or cancellation.
    public func run() async throws {
        try PostgresSettings.validate(schema: schema)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await pass()
            } catch {
                logger.error("retention pass failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    /// One pass over every rule.
    /// - Returns: the rows each rule touched, by rule name.
    /// - Throws: the first rule's error after every rule had its turn.
    @discardableResult
    public func pass() async throws -> [String: Int] {
        try PostgresSettings.validate(schema: schema)
        var touched: [String: Int] = [:]
        var firstError: (any Error)?
        for rule in rules {
            do {
                touched[rule.name] = try await run(rule)
            } catch {
                logger.error("retention rule failed", metadata: ["rule": "\(rule.name)", "error": "\(String(reflecting: error))"])
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return touched
    }

    private func run(_ rule: RetentionRule) async throws -> Int {
        let ageSeconds = RetentionPolicy.seconds(rule.age)
        let counter = Counter(label: "salesdesk_retention_rows_total", dimensions: [("schema", schema), ("rule", rule.name)])
        var total = 0
        while !Task.isCancelled {
            let schema = self.schema
            let batchSize = self.batchSize
            let logger = self.logger
            let count = try await client.withTransaction(logger: logger) { connection in
                // The rules name their tables unqualified: pin this schema whatever the pool's search_path says.
                try await connection.query("SET LOCAL search_path TO \(unescaped: schema)", logger: logger)
                return try await rule.batch(connection, ageSeconds, batchSize, logger)
            }
            total += count
            counter.increment(by: count)
            if count < batchSize { break }
        }
        if total > 0 { logger.info("pruned rows past retention", metadata: ["rule": "\(rule.name)", "rows": "\(total)"]) }
        return total
    }
}
