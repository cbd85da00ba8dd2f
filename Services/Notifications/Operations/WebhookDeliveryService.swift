public import AsyncHTTPClient
import Contracts
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import Persistence
public import PostgresNIO
public import ServiceLifecycle

/// How webhooks are sent: attempts, backoff, timeout and which hosts may receive them.
public struct WebhookSettings: Sendable {
    /// Attempts before a delivery is `failed` (it can still be replayed).
    public var maxAttempts: Int
    /// The pause after the first failure; it doubles with each further one (see ``WebhookBackoff``).
    public var retryBase: Duration
    /// How long one POST may take before it counts as failed.
    public var timeout: Duration
    /// Which URLs may receive webhooks.
    public var policy: WebhookURLPolicy

    public init(maxAttempts: Int = 8, retryBase: Duration = .seconds(10), timeout: Duration = .seconds(10), policy: WebhookURLPolicy = .init()) {
        self.maxAttempts = max(maxAttempts, 1)
        self.retryBase = retryBase
        self.timeout = timeout
        self.policy = policy
    }
}

/// Sends due webhook deliveries, several instances side by side.
///
/// The shape of ``DeliveryService`` (WeCom): each round claims up to `batchSize` due `pending` rows of enabled
/// endpoints in one short statement (`FOR UPDATE SKIP LOCKED`, so one row is never sent by two senders at once): the
/// claim counts the attempt and moves `next_attempt_at` a lease ahead. The POSTs go out with no transaction open, each
/// signed at its own moment, and each outcome is written by its own statement. A 2xx answer marks the row `delivered`;
/// anything else (another status, a timeout, a refused connection, a redirect — redirects are not followed) schedules
/// the next attempt after ``WebhookBackoff`` until `maxAttempts`, then marks it `failed`. A sender killed between a POST
/// and its record sends the row again when the lease runs out: receivers de-duplicate by event id.
public struct WebhookDeliveryService: Service {
    let client: PostgresClient
    let settings: WebhookSettings
    let pollInterval: Duration
    let batchSize: Int
    let logger: Logger

    public init(
        client: PostgresClient,
        settings: WebhookSettings,
        pollInterval: Duration = .milliseconds(500),
        batchSize: Int = 16,
        logger: Logger
    ) {
        self.client = client
        self.settings = settings
        self.pollInterval = pollInterval
        self.batchSize = max(batchSize, 1)
        self.logger = logger
    }

    public func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
        await SenderRounds.run(table: "webhook_deliveries", client: client, pollInterval: pollInterval, logger: logger) {
            try await sendDue(http: http)
        }
        try await http.shutdown()
        if Task.isCancelled && !Task.isShuttingDownGracefully { throw CancellationError() }
    }

    struct Claimed {
        var id: UUID
        var eventID: UUID
        var eventType: String
        var body: String
        var attempts: Int
        var url: String
        var secret: String
    }

    /// Sends one batch of due deliveries.
    /// - Returns: how many were attempted.
    @discardableResult
    func sendDue(http: HTTPClient) async throws -> Int {
        let leaseSeconds = Double(max(settings.timeout.components.seconds * 2, 60))
        let rows = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger, batchSize] in
            try await client.query(
                """
                UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => \(leaseSeconds))
                FROM webhook_endpoints e
                WHERE e.id = d.endpoint_id AND d.id IN (
                    SELECT w.id FROM webhook_deliveries w JOIN webhook_endpoints x ON x.id = w.endpoint_id
                    WHERE w.status = 'pending' AND w.next_attempt_at <= now() AND x.enabled
                    ORDER BY w.next_attempt_at
                    LIMIT \(batchSize)
                    FOR UPDATE OF w SKIP LOCKED
                )
                RETURNING d.id, d.event_id, d.event_type, d.body, d.attempts, e.url, e.secret
                """,
                logger: logger
            )
        }
        var due: [Claimed] = []
        for try await (id, event, type, body, attempts, url, secret) in rows.decode((UUID, UUID, String, String, Int, String, String).self) {
            due.append(Claimed(id: id, eventID: event, eventType: type, body: body, attempts: attempts, url: url, secret: secret))
        }
        for delivery in due {
            let outcome = await send(delivery, http: http)
            try await record(delivery, outcome)
        }
        return due.count
    }

    enum Outcome {
        case delivered(Int)
        case failed(code: Int?, reason: String)
    }

    func send(_ delivery: Claimed, http: HTTPClient) async -> Outcome {
        // The URL is checked again at each attempt: WEBHOOK_ALLOW_HOSTS may have shrunk since it was registered.
        if let refusal = settings.policy.refusal(of: delivery.url) { return .failed(code: nil, reason: "URL refused: \(refusal)") }
        let body = Array(delivery.body.utf8)
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "SalesDesk-Webhooks/1")
        request.headers.add(
            name: WebhookSignature.header,
            value: WebhookSignature.sign(body: body, secret: delivery.secret, timestamp: Int64(Date().timeIntervalSince1970))
        )
        request.headers.add(name: WebhookSignature.eventIDHeader, value: delivery.eventID.uuidString.lowercased())
        request.headers.add(name: WebhookSignature.eventTypeHeader, value: delivery.eventType)
        request.headers.add(name: WebhookSignature.deliveryIDHeader, value: delivery.id.uuidString.lowercased())
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let timeout = settings.timeout
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            let response = try await http.execute(request, timeout: .nanoseconds(nanoseconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            return (200..<300).contains(status) ? .delivered(status) : .failed(code: status, reason: "HTTP \(status)")
        } catch {
            return .failed(code: nil, reason: String(describing: error).prefix(500).description)
        }
    }

    private func record(_ delivery: Claimed, _ outcome: Outcome) async throws {
        let query: PostgresQuery
        switch outcome {
        case .delivered(let code):
            query = """
                UPDATE webhook_deliveries SET status = 'delivered', last_status_code = \(code), last_error = NULL, delivered_at = now()
                WHERE id = \(delivery.id) AND attempts = \(delivery.attempts)
                """
        case .failed(let code, let reason) where delivery.attempts < settings.maxAttempts:
            let delay = WebhookBackoff(base: settings.retryBase).delay(afterAttempt: delivery.attempts)
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            logger.warning(
                "webhook delivery failed, will retry",
                metadata: ["delivery": "\(delivery.id)", "attempt": "\(delivery.attempts)", "error": "\(reason)", "retryIn": "\(delay)"]
            )
            query = """
                UPDATE webhook_deliveries SET last_status_code = \(code), last_error = \(reason),
                    next_attempt_at = now() + make_interval(secs => \(seconds))
                WHERE id = \(delivery.id) AND attempts = \(delivery.attempts)
                """
        case .failed(let code, let reason):
            logger.error(
                "webhook delivery failed, giving up",
                metadata: ["delivery": "\(delivery.id)", "attempt": "\(delivery.attempts)", "error": "\(reason)"]
            )
            query = """
                UPDATE webhook_deliveries SET status = 'failed', last_status_code = \(code), last_error = \(reason)
                WHERE id = \(delivery.id) AND attempts = \(delivery.attempts)
                """
        }
        _ = try await withDeadline(PostgresSettings.defaultTransactionDeadline) { [client, logger] in
            try await client.query(query, logger: logger)
        }
    }
}
