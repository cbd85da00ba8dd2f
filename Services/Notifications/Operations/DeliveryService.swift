public import AsyncHTTPClient
import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceLifecycle

/// How hard a robot may be pushed: WeCom's group robot takes 20 messages a minute, and answers errcode 45009 when it
/// has had enough.
public struct RobotLimits: Sendable {
    /// Pushes per robot key in any rolling minute.
    public var perMinute: Int
    /// The pause after a first 45009; it doubles with each further one in a row.
    public var pauseBase: Duration
    /// The longest pause.
    public var pauseCap: Duration

    public init(perMinute: Int = 20, pauseBase: Duration = .seconds(5), pauseCap: Duration = .seconds(120)) {
        self.perMinute = max(perMinute, 1)
        self.pauseBase = pauseBase
        self.pauseCap = pauseCap
    }
}

/// Sends due push deliveries, several instances side by side.
///
/// Each round claims up to `batchSize` due `pending` rows in one short statement (`FOR UPDATE SKIP LOCKED`, so two
/// instances never claim the same row): the claim counts the attempt and moves the row's `next_attempt_at` a lease
/// ahead, then commits. The pushes are sent with no transaction open — a slow WeCom never holds a database lock or
/// connection in a transaction — one robot's one after another, app messages side by side; each outcome is written
/// by its own statement.
///
/// **Where a push goes.** To the recipient's WeCom id through the self-built app when one is configured and the org
/// replica knows the id; otherwise to the robot of the push's region (``WeComRobots``), else the default robot.
///
/// **Rate limit, durable.** Right before its push, each row takes a slot in a short transaction under an advisory lock
/// on its robot: the slots are the rows' own `sending_at` times for that robot in the last minute (``RobotLimits``), so
/// every instance and a restarted one see the same count, and no robot gets more than 20 in any rolling minute. A row
/// that finds the minute full, or its robot paused, is put back (its attempt uncounted) for when a slot frees. Taking
/// the slot also renews the row's lease, fenced by the attempt count the claim returned: a row whose renewal fails or
/// finds the row changed is not pushed.
///
/// **45009.** The same row is put back (the attempt uncounted: a refusal for rate is not a failure, and never makes a
/// push `failed`), and the robot is paused for `pauseBase × 2^(strikes−1)` capped at `pauseCap`; a success resets it.
/// No second row is ever created, and a `sent` row is never claimed again. A push made but not recorded (the sender
/// killed between the push and its record, or WeCom answering after the timeout) is pushed again when its lease runs
/// out or its retry is due: through the app, WeCom's duplicate check drops the repeat (``WeComApp/body(_:to:)``), so
/// the person gets it exactly once; the group robot's API has no idempotency of any kind, so a robot push keeps that
/// window (at least once rather than lost). Approvers with a WeCom id are pushed through the app.
///
/// **Quiet hours.** A row held by quiet hours (``PushPolicy``) is due at the next working start; it is not claimed
/// until that morning's digest has run (or an hour after), so that the digest can take over what it covers.
///
/// Other failures schedule the next attempt after `retryBaseDelay × 2^(attempts−1)` (capped at 10 minutes) until
/// `maxAttempts`, then mark the row `failed`.
public struct DeliveryService: Service {
    let client: PostgresClient
    let webhook: WeComWebhook?
    let app: WeComApp?
    let http: HTTPClient
    let maxAttempts: Int
    let retryBaseDelay: Duration
    let limits: RobotLimits
    let pollInterval: Duration
    let batchSize: Int
    let now: @Sendable () -> Date
    let logger: Logger

    /// Creates the sender.
    /// - Parameters:
    ///   - client: the service's PostgreSQL client.
    ///   - webhook: the group robots; `nil` with only the app configured.
    ///   - app: the self-built app, for messages to one person.
    ///   - http: the HTTP client (`HTTPClient.shared` in production).
    ///   - maxAttempts: attempts before a delivery is `failed`.
    ///   - retryBaseDelay: the pause after the first failure; it doubles with each further one.
    ///   - limits: the robots' rate limit and 45009 pause.
    ///   - pollInterval: how often to look for due deliveries when there were none.
    ///   - now: the wall clock (tests pass a controlled one).
    public init(
        client: PostgresClient,
        webhook: WeComWebhook?,
        app: WeComApp? = nil,
        http: HTTPClient = .shared,
        maxAttempts: Int = 8,
        retryBaseDelay: Duration = .seconds(2),
        limits: RobotLimits = RobotLimits(),
        pollInterval: Duration = .milliseconds(500),
        batchSize: Int = DeliveryService.defaultBatchSize,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.client = client
        self.webhook = webhook
        self.app = app
        self.http = http
        self.maxAttempts = max(maxAttempts, 1)
        self.retryBaseDelay = retryBaseDelay
        self.limits = limits
        self.pollInterval = pollInterval
        self.batchSize = min(max(batchSize, 1), Self.maxBatchSize)
        self.now = now
        self.logger = logger
    }

    /// Sends until graceful shutdown or cancellation. A graceful shutdown lets the push in flight finish and be
    /// recorded (cancelling it could leave a push made but unrecorded, sent again after its lease), and gives the
    /// rest of the round's claimed rows back at once.
    public func run() async throws {
        await SenderRounds.run(table: "deliveries", client: client, pollInterval: pollInterval, logger: logger) {
            try await sendDue()
        }
        if Task.isShuttingDownGracefully { logger.info("drain: push sender finished its round") }
    }

    /// Rows claimed per round (`notifications.delivery.batch.size`): app messages of a round go side by side, so a
    /// round takes about one WeCom round trip (~100 ms) and 64 a round is a few hundred pushes a second.
    public static let defaultBatchSize = 64
    /// The most rows a round claims (and connections the sender's HTTP client opens to WeCom).
    public static let maxBatchSize = 512

    /// The slot-holder name of the self-built app (it has no 20-a-minute limit of its own).
    static let appVia = "app"

    private var timeout: Duration { max(webhook?.timeout ?? .zero, app?.timeout ?? .zero) }

    /// Where one push goes.
    enum Route: Equatable {
        case robot(key: String)
        case app(userID: String)

        var isRobot: Bool {
            if case .robot = self { return true }
            return false
        }

        var via: String {
            switch self {
            case .robot(let key): WeComRobots.limiterName(forKey: key)
            case .app: DeliveryService.appVia
            }
        }
    }

    /// Sends one batch of due deliveries.
    /// - Returns: how many were claimed (sent, put back for the rate limit, or failed).
    @discardableResult
    public func sendDue() async throws -> Int {
        // The lease outlasts the timeouts and a database restart, so a claimed row is not claimed again while its push
        // is in flight or its outcome waits for the database.
        let leaseSeconds = Double(max(timeout.components.seconds * 2, 60))
        let claimedAt = now()
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger, batchSize] in
            try await client.query(
                """
                UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = \(claimedAt)::timestamptz + make_interval(secs => \(leaseSeconds))
                WHERE id IN (
                    SELECT id FROM deliveries held
                    WHERE status = 'pending' AND next_attempt_at <= \(claimedAt)
                      AND (held_until IS NULL OR urgent OR held_until <= \(claimedAt)::timestamptz - interval '1 hour'
                           OR EXISTS (SELECT 1 FROM timers WHERE kind = \(DailyDigestJob.name) AND status = 'done'
                                      AND due_at >= held.held_until))
                    ORDER BY next_attempt_at
                    LIMIT \(batchSize)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id, payload::text, attempts, region, recipient, created_at
                """,
                logger: logger
            )
        }
        var due: [Due] = []
        for try await (id, payload, attempts, region, recipient, createdAt) in rows.decode((UUID, String, Int, String?, String, Date).self) {
            due.append(Due(id: id, payload: payload, attempts: attempts, region: region, recipient: recipient, createdAt: createdAt))
        }
        due.sort { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
        // Lanes: one per robot, whose pushes go one after another in the order they arose (a robot takes 20 a minute
        // and answers a burst with 45009, so side by side would only earn refusals), and one per app message, side by
        // side (the app has no such limit). A round takes as long as its slowest lane. A failure (the database went
        // away) ends only its lane, whose rows stay leased; the round waits for the others, then reports it.
        var lanes: [[(row: Due, route: Route?)]] = []
        var robotLane: [String: Int] = [:]
        for row in due {
            let route = try await route(recipient: row.recipient, region: row.region)
            if case .robot(let key)? = route {
                if let lane = robotLane[key] {
                    lanes[lane].append((row, route))
                } else {
                    robotLane[key] = lanes.count
                    lanes.append([(row, route)])
                }
            } else {
                lanes.append([(row, route)])
            }
        }
        let failure = await withTaskGroup(of: (any Error)?.self) { group in
            for lane in lanes {
                group.addTask {
                    do {
                        for (index, push) in lane.enumerated() {
                            // A drain gives back what has not started; what is in flight finishes and is recorded.
                            guard !Task.isShuttingDownGracefully else {
                                try await giveBack(lane[index...].map { ($0.row.id, $0.row.attempts) })
                                break
                            }
                            try await send(push.row, route: push.route, leaseSeconds: leaseSeconds)
                        }
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var first: (any Error)?
            for await failure in group where first == nil { first = failure }
            return first
        }
        if let failure { throw failure }
        return due.count
    }

    /// A claimed delivery.
    struct Due: Sendable {
        var id: UUID
        var payload: String
        var attempts: Int
        var region: String?
        var recipient: String
        var createdAt: Date
    }

    /// Pushes one claimed delivery, if it has a route and its robot a free slot, and records what came of it.
    private func send(_ row: Due, route: Route?, leaseSeconds: Double) async throws {
        guard let route else {
            try await record(
                "UPDATE deliveries SET status = 'failed', attempts = \(row.attempts), last_error = 'no WeCom robot or app user for this push' WHERE id = \(row.id)",
                by: ContinuousClock.now + .seconds(leaseSeconds - 5)
            )
            return
        }
        // Taking a slot can throw (the database went away): this row and the rest of its lane stay leased.
        guard try await takeSlot(id: row.id, attempts: row.attempts, via: route.via, limited: route.isRobot, leaseSeconds: leaseSeconds)
        else { return }
        // Outcomes are recorded before the renewed lease runs out, with room for the recording itself.
        let recordBy = ContinuousClock.now + .seconds(leaseSeconds - 5)
        let outcome: PushOutcome
        switch route {
        case .robot(let key): outcome = await webhook?.send(row.payload, key: key, client: http) ?? .permanent("no robot configured")
        case .app(let userID): outcome = await app?.send(row.payload, to: userID, now: now(), client: http) ?? .permanent("no app configured")
        }
        try await record(outcome, of: row.id, attempts: row.attempts, via: route.via, by: recordBy)
    }

    /// Puts claimed rows that were not pushed back as they were (their attempt uncounted, due now), fenced by the
    /// attempt count of the claim, for another instance or the next start.
    private func giveBack(_ rows: [(id: UUID, attempts: Int)]) async throws {
        let at = now()
        for row in rows {
            _ = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger] in
                try await client.query(
                    """
                    UPDATE deliveries SET attempts = attempts - 1, next_attempt_at = \(at)
                    WHERE id = \(row.id) AND status = 'pending' AND attempts = \(row.attempts)
                    """,
                    logger: logger
                )
            }
        }
        if !rows.isEmpty { logger.info("drain: unsent pushes given back", metadata: ["count": "\(rows.count)"]) }
    }

    /// The app for a recipient whose WeCom id the org replica knows; else the robot of the push's region (the
    /// recipient's region when the push names none); `nil` when nothing is configured for it.
    private func route(recipient: String, region: String?) async throws -> Route? {
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger] in
            try await client.query("SELECT region, wecom_user_id FROM org_replica WHERE id = \(recipient)", logger: logger)
        }
        var recipientRegion: String?
        var wecomUserID: String?
        for try await (region, wecomID) in rows.decode((String?, String?).self) {
            recipientRegion = region
            wecomUserID = wecomID
        }
        if app != nil, let wecomUserID, !wecomUserID.isEmpty { return .app(userID: wecomUserID) }
        guard let key = webhook?.robots.key(forRegion: region ?? recipientRegion) else { return nil }
        return .robot(key: key)
    }

    /// Takes a rate-limit slot for a claimed row and renews its lease, if its robot has one free and is not paused and
    /// the row is still this claim's; otherwise puts the row back for when it may go.
    /// - Returns: whether the row may be pushed now.
    private func takeSlot(id: UUID, attempts: Int, via: String, limited: Bool, leaseSeconds: Double) async throws -> Bool {
        guard limited else { return try await renewLease(id: id, attempts: attempts, via: via, leaseSeconds: leaseSeconds) }
        let at = now()
        let perMinute = limits.perMinute
        let lockName = "wecom-slot:" + via
        let taken = try await client.withTransaction(deadline: PostgresSettings.defaultTransactionDeadline, logger: logger) {
            [logger] connection -> Bool? in
            // One slot-taker per robot at a time across instances: the count and the taking are one step.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockName)))", logger: logger)
            var until: Date?
            let paused = try await connection.query(
                "SELECT paused_until FROM wecom_throttle WHERE via = \(via) AND paused_until > \(at)",
                logger: logger
            )
            for try await pausedUntil in paused.decode(Date.self) { until = pausedUntil }
            if limited {
                let window = try await connection.query(
                    """
                    SELECT count(*)::bigint, min(sending_at) FROM deliveries
                    WHERE sent_via = \(via) AND sending_at > \(at)::timestamptz - interval '60 seconds'
                    """,
                    logger: logger
                )
                for try await (count, oldest) in window.decode((Int64, Date?).self) where count >= Int64(perMinute) {
                    if let oldest { until = max(until ?? oldest, oldest.addingTimeInterval(60)) }
                }
            }
            if let until {
                try await connection.query(
                    """
                    UPDATE deliveries SET attempts = attempts - 1, next_attempt_at = \(until)
                    WHERE id = \(id) AND status = 'pending' AND attempts = \(attempts)
                    """,
                    logger: logger
                )
                return nil
            }
            let rows = try await connection.query(
                """
                UPDATE deliveries SET sent_via = \(via), sending_at = \(at),
                    next_attempt_at = \(at)::timestamptz + make_interval(secs => \(leaseSeconds))
                WHERE id = \(id) AND status = 'pending' AND attempts = \(attempts)
                RETURNING id
                """,
                logger: logger
            )
            for try await _ in rows { return true }
            return false
        }
        if taken == false {
            logger.notice("a claimed push changed hands before it was sent; not sending it", metadata: ["delivery": "\(id)"])
        }
        return taken == true
    }

    /// ``takeSlot(id:attempts:via:limited:leaseSeconds:)`` for a sender without a rate limit (the app): one statement,
    /// no lock — pushes side by side must not queue for each other — that renews the lease unless `via` is paused
    /// (a 45009), and then puts the row back for when the pause ends.
    private func renewLease(id: UUID, attempts: Int, via: String, leaseSeconds: Double) async throws -> Bool {
        let at = now()
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger] in
            try await client.query(
                """
                WITH pause AS (
                    SELECT max(paused_until) AS until FROM wecom_throttle WHERE via = \(via) AND paused_until > \(at)
                ), taken AS (
                    UPDATE deliveries SET sent_via = \(via), sending_at = \(at),
                        next_attempt_at = \(at)::timestamptz + make_interval(secs => \(leaseSeconds))
                    WHERE id = \(id) AND status = 'pending' AND attempts = \(attempts) AND (SELECT until FROM pause) IS NULL
                    RETURNING id
                ), back AS (
                    UPDATE deliveries SET attempts = attempts - 1, next_attempt_at = (SELECT until FROM pause)
                    WHERE id = \(id) AND status = 'pending' AND attempts = \(attempts) AND (SELECT until FROM pause) IS NOT NULL
                    RETURNING id
                )
                SELECT (SELECT count(*) FROM taken)::bigint, (SELECT count(*) FROM back)::bigint
                """,
                logger: logger
            )
        }
        for try await (taken, back) in rows.decode((Int64, Int64).self) {
            if taken == 0 && back == 0 {
                logger.notice("a claimed push changed hands before it was sent; not sending it", metadata: ["delivery": "\(id)"])
            }
            return taken == 1
        }
        return false
    }

    private func record(_ outcome: PushOutcome, of id: UUID, attempts: Int, via: String, by recordBy: ContinuousClock.Instant) async throws {
        let at = now()
        switch outcome {
        case .sent:
            try await record(
                """
                WITH calm AS (DELETE FROM wecom_throttle WHERE via = \(via))
                UPDATE deliveries SET status = 'sent', attempts = \(attempts), sent_at = \(at), last_error = NULL WHERE id = \(id)
                """,
                by: recordBy
            )
        case .throttled(let reason):
            let base = Double(limits.pauseBase.components.seconds) + Double(limits.pauseBase.components.attoseconds) / 1e18
            let cap = Double(limits.pauseCap.components.seconds) + Double(limits.pauseCap.components.attoseconds) / 1e18
            logger.notice("WeCom asked to slow down (45009); pausing the robot", metadata: ["delivery": "\(id)", "via": "\(via)"])
            try await record(
                """
                WITH pause AS (
                    INSERT INTO wecom_throttle AS t (via, strikes, paused_until)
                    VALUES (\(via), 1, \(at)::timestamptz + make_interval(secs => \(base)))
                    ON CONFLICT (via) DO UPDATE SET strikes = t.strikes + 1,
                        paused_until = \(at)::timestamptz + make_interval(secs => LEAST(\(base) * power(2, t.strikes), \(cap)))
                    RETURNING paused_until
                )
                UPDATE deliveries SET attempts = \(attempts - 1), sending_at = NULL, last_error = \(reason),
                    next_attempt_at = (SELECT paused_until FROM pause)
                WHERE id = \(id)
                """,
                by: recordBy
            )
        case .retry(let reason) where attempts < maxAttempts:
            let delay = min(retryBaseDelay * (1 << min(attempts - 1, 20)), .seconds(600))
            let milliseconds = delay.components.seconds * 1_000 + delay.components.attoseconds / 1_000_000_000_000_000
            logger.warning("push failed, will retry", metadata: ["delivery": "\(id)", "attempt": "\(attempts)", "error": "\(reason)"])
            try await record(
                """
                UPDATE deliveries SET attempts = \(attempts), last_error = \(reason), sending_at = NULL,
                    next_attempt_at = \(at)::timestamptz + make_interval(secs => \(Double(milliseconds) / 1_000))
                WHERE id = \(id)
                """,
                by: recordBy
            )
        case .retry(let reason), .permanent(let reason):
            logger.error("push failed, giving up", metadata: ["delivery": "\(id)", "attempt": "\(attempts)", "error": "\(reason)"])
            try await record(
                "UPDATE deliveries SET status = 'failed', attempts = \(attempts), last_error = \(reason), sending_at = NULL WHERE id = \(id)",
                by: recordBy
            )
        }
    }

    /// Writes a push's outcome, retrying while the database is away (a restart) until `deadline`: an outcome left
    /// unwritten when the lease runs out makes the row due again, and the approver would be pushed twice.
    private func record(_ query: PostgresQuery, by deadline: ContinuousClock.Instant) async throws {
        var delay = Duration.milliseconds(100)
        while true {
            let remaining = deadline - ContinuousClock.now
            do {
                _ = try await withDeadline(max(remaining, .milliseconds(100))) { [client, logger] in
                    try await client.query(query, logger: logger)
                }
                return
            } catch {
                guard ContinuousClock.now + delay < deadline, !Task.isCancelled else { throw error }
                logger.warning(
                    "cannot record a push's outcome yet, retrying",
                    metadata: ["error": "\(String(reflecting: error))", "retryIn": "\(delay)"]
                )
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
