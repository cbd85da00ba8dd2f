public import AsyncHTTPClient
import Contracts
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import Persistence
public import PostgresNIO
public import ServiceLifecycle

/// Where the WeCom group robot lives: `POST <baseURL>/cgi-bin/webhook/send?key=<key>`.
public struct WeComWebhook: Sendable {
    public var baseURL: String
    public var key: String
    /// How long one push may take before it counts as failed (and is retried).
    public var timeout: Duration

    public init(baseURL: String, key: String, timeout: Duration = .seconds(5)) {
        self.baseURL = baseURL
        self.key = key
        self.timeout = timeout
    }

    var url: String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let key = key.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? key
        return "\(base)/cgi-bin/webhook/send?key=\(key)"
    }

    /// What one push came to.
    enum Outcome: Equatable {
        case sent
        /// HTTP 5xx, a timeout or connection error, or a non-zero `errcode`: worth another attempt.
        case retry(String)
        /// Any other HTTP status (4xx: a wrong URL or key) will not heal by itself.
        case permanent(String)
    }

    private struct Reply: Decodable {
        var errcode: Int
        var errmsg: String?
    }

    func send(_ payload: String, client: HTTPClient) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: payload))
        do {
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            let response = try await client.execute(request, timeout: .nanoseconds(nanoseconds))
            let body = try await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            if status >= 500 { return .retry("HTTP \(status)") }
            guard (200..<300).contains(status) else { return .permanent("HTTP \(status)") }
            guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(body.readableBytesView)) else {
                return .retry("HTTP \(status) with a body that is not a webhook reply")
            }
            return reply.errcode == 0 ? .sent : .retry("errcode \(reply.errcode): \(reply.errmsg ?? "")")
        } catch {
            return .retry("\(error)")
        }
    }
}

/// Sends due push deliveries, several instances side by side.
///
/// Each round claims up to `batchSize` due `pending` rows in one short statement (`FOR UPDATE SKIP LOCKED`, so two
/// instances never claim the same row): the claim counts the attempt and moves the row's `next_attempt_at` a lease
/// ahead, then commits. The pushes are sent one by one with no transaction open — a slow WeCom never holds a database
/// lock or connection in a transaction — and each outcome is written by its own statement.
///
/// Right before its push, each row's lease is renewed, fenced by the attempt count the claim returned: a row whose
/// renewal fails (the database is away) or finds the row changed is not pushed, and a pushed row has a whole lease —
/// not what the pushes before it in the batch left of one — to record its outcome while the database restarts. WeCom's
/// robot takes no idempotency key, so one window stays: a sender killed between a push and its record pushes that row
/// again when the lease runs out (at least once rather than lost). A success marks the row `sent`; a retryable failure
/// schedules the next attempt after `retryBaseDelay × 2^(attempts−1)` (capped at 10 minutes) until `maxAttempts`,
/// then marks it `failed`.
public struct DeliveryService: Service {
    let client: PostgresClient
    let webhook: WeComWebhook
    let http: HTTPClient
    let maxAttempts: Int
    let retryBaseDelay: Duration
    let pollInterval: Duration
    let batchSize: Int
    let logger: Logger

    /// Creates the sender.
    /// - Parameters:
    ///   - client: the service's PostgreSQL client.
    ///   - webhook: where pushes go.
    ///   - http: the HTTP client (`HTTPClient.shared` in production).
    ///   - maxAttempts: attempts before a delivery is `failed`.
    ///   - retryBaseDelay: the pause after the first failure; it doubles with each further one.
    ///   - pollInterval: how often to look for due deliveries when there were none.
    public init(
        client: PostgresClient,
        webhook: WeComWebhook,
        http: HTTPClient = .shared,
        maxAttempts: Int = 8,
        retryBaseDelay: Duration = .seconds(2),
        pollInterval: Duration = .milliseconds(500),
        batchSize: Int = 16,
        logger: Logger
    ) {
        self.client = client
        self.webhook = webhook
        self.http = http
        self.maxAttempts = max(maxAttempts, 1)
        self.retryBaseDelay = retryBaseDelay
        self.pollInterval = pollInterval
        self.batchSize = max(batchSize, 1)
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let handled: Int
                do {
                    handled = try await sendDue()
                } catch {
                    // The database may be restarting; the rows stay pending and the next round picks them up.
                    logger.warning("delivery round failed", metadata: ["error": "\(String(reflecting: error))"])
                    handled = 0
                }
                if handled == 0 { try await Task.sleep(for: pollInterval) }
            }
        }
    }

    /// Sends one batch of due deliveries.
    /// - Returns: how many were attempted.
    @discardableResult
    public func sendDue() async throws -> Int {
        // The lease outlasts the webhook's timeout and a database restart, so a claimed row is not claimed again while
        // its push is in flight or its outcome waits for the database.
        let leaseSeconds = Double(max(webhook.timeout.components.seconds * 2, 60))
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger, batchSize] in
            try await client.query(
                """
                    UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => \(leaseSeconds))
                WHERE id IN (
                    SELECT id FROM deliveries
                    WHERE status = 'pending' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at
                    LIMIT \(batchSize)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id, payload::text, attempts
                """,
                logger: logger
            )
        }
        var due: [(UUID, String, Int)] = []
        for try await row in rows.decode((UUID, String, Int).self) { due.append(row) }
        for (id, payload, attempts) in due {
            // Renewing can throw (the database went away): the round ends, and this row and the rest stay leased, unsent.
            guard try await renewLease(of: id, attempts: attempts, seconds: leaseSeconds) else { continue }
            // Outcomes are recorded before the renewed lease runs out, with room for the recording itself.
            let recordBy = ContinuousClock.now + .seconds(leaseSeconds - 5)
            let outcome = await webhook.send(payload, client: http)
            switch outcome {
            case .sent:
                try await record(
                    "UPDATE deliveries SET status = 'sent', attempts = \(attempts), sent_at = now(), last_error = NULL WHERE id = \(id)",
                    by: recordBy
                )
            case .retry(let reason) where attempts < maxAttempts:
                let delay = min(retryBaseDelay * (1 << min(attempts - 1, 20)), .seconds(600))
                let milliseconds = delay.components.seconds * 1_000 + delay.components.attoseconds / 1_000_000_000_000_000
                logger.warning("push failed, will retry", metadata: ["delivery": "\(id)", "attempt": "\(attempts)", "error": "\(reason)"])
                try await record(
                    """
                    UPDATE deliveries SET attempts = \(attempts), last_error = \(reason),
                        next_attempt_at = now() + make_interval(secs => \(Double(milliseconds) / 1_000))
                    WHERE id = \(id)
                    """,
                    by: recordBy
                )
            case .retry(let reason), .permanent(let reason):
                logger.error("push failed, giving up", metadata: ["delivery": "\(id)", "attempt": "\(attempts)", "error": "\(reason)"])
                try await record(
                    "UPDATE deliveries SET status = 'failed', attempts = \(attempts), last_error = \(reason) WHERE id = \(id)",
                    by: recordBy
                )
            }
        }
        return due.count
    }

    /// Moves a claimed row's lease a whole period ahead, if it is still this claim's (same attempt, still pending).
    /// - Returns: whether the row may be pushed.
    private func renewLease(of id: UUID, attempts: Int, seconds: Double) async throws -> Bool {
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger] in
            try await client.query(
                """
                UPDATE deliveries SET next_attempt_at = now() + make_interval(secs => \(seconds))
                WHERE id = \(id) AND status = 'pending' AND attempts = \(attempts)
                RETURNING id
                """,
                logger: logger
            )
        }
        for try await _ in rows { return true }
        logger.notice("a claimed push changed hands before it was sent; not sending it", metadata: ["delivery": "\(id)"])
        return false
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
