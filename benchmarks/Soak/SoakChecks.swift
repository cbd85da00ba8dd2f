import AMQP
import Contracts
import Foundation
import Logging
import Synchronization
import TestSupport

/// One count the soak checks against the database, the broker or the WeCom stand-in; every one must be 0.
public struct SoakCheck: Sendable {
    /// The column it belongs to: `lost`, `doubled`, `stuck`, `unpublished`, `wecom` or `poison`.
    public var column: String
    /// What is counted.
    public var name: String
    /// How many offenders were found.
    public var count: Int
    /// A sample of them, for a failure message.
    public var detail: String = ""
}

/// Reads what the system holds once the soak has drained and counts what went wrong.
struct SoakChecker: Sendable {
    let system: SalesDeskSystem
    let rabbitmq: PrivateRabbitMQ
    let ledger: SoakLedger
    let wecom: WeComStandIn
    let poison: PoisonMessages
    /// `now()` on the database when the system was ready: events before it predate the consumers' queues.
    let since: String
    let tag: String
    let logger: Logger

    static let schemas = ["gateway", "customers", "deals", "approvals", "notifications", "reporting"]

    private func sql(_ query: String) async throws -> String {
        try await offPool { [system] in try system.sql(query) }
    }

    private func lines(_ query: String) async throws -> [String] {
        try await sql(query).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func count(_ query: String) async throws -> Int { Int(try await sql(query)) ?? -1 }

    /// The events in every outbox since the soak began, as one SQL relation `(id, type)`.
    private var events: String {
        "(" + Self.schemas.map { "SELECT id, type, created_at FROM \($0).outbox" }.joined(separator: " UNION ALL ") + ") AS events"
    }

    /// Waits until nothing is in flight: every outbox published, every event queue empty (exact counts, from a
    /// passive declare), every push sent or given up; twice, five seconds apart.
    func drain(timeout: Duration) async -> Bool {
        let unpublished = Self.schemas.map { "(SELECT count(*) FROM \($0).outbox WHERE published_at IS NULL)" }.joined(separator: " + ")
        let quiet: () async -> Bool = {
            guard (try? await count("SELECT \(unpublished)")) == 0,
                (try? await count("SELECT count(*) FROM notifications.deliveries WHERE status = 'pending'")) == 0
            else { return false }
            let queued = try? await PoisonMessages.withConnection(system, rabbitmq, logger: logger) { connection in
                var total = 0
                for service in SoakFaults.consumers { total += try await connection.messageCount(queue: "\(service).events") }
                return total
            }
            return queued == 0
        }
        let giveUp = ContinuousClock.now + timeout
        while ContinuousClock.now < giveUp {
            if await quiet() {
                try? await Task.sleep(for: .seconds(5))
                if await quiet() { return true }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    func run() async throws -> [SoakCheck] {
        var checks: [SoakCheck] = []
        let accepted = ledger.state.withLock { $0 }

        // Lost: everything answered 2xx is in its service's schema.
        func missing(_ name: String, _ expected: some Collection<String>, _ query: String) async throws {
            let stored = Set(try await lines(query).map { $0.lowercased() })
            let lost = expected.filter { !stored.contains($0) }
            checks.append(SoakCheck(column: "lost", name: name, count: lost.count, detail: lost.prefix(5).joined(separator: ", ")))
        }
        try await missing("customers answered 201, not in customers.customers", accepted.customers.keys, "SELECT id FROM customers.customers")
        try await missing("deals answered 201, not in deals.deals", accepted.deals.keys, "SELECT id FROM deals.deals")
        try await missing("contracts answered 201, not in deals.contracts", accepted.contracts.keys, "SELECT id FROM deals.contracts")
        try await missing(
            "contracts submitted (2xx) without an approval",
            accepted.submitted,
            "SELECT DISTINCT contract_id FROM approvals.approval_instances"
        )
        try await missing(
            "approvals answered 2xx, step not approved by that approver",
            accepted.decisions.map { "\($0.approval)/\($0.approver)" },
            "SELECT approval_id || '/' || lower(approver_id) FROM approvals.approval_steps WHERE status = 'approved'"
        )

        // Lost events: every event bound to a consumer's queue since the start is in that consumer's inbox.
        let bindings = try await offPool { [rabbitmq, system] in
            try rabbitmq.rabbitmqctl("-s", "list_bindings", "-p", system.vhost, "source_name", "destination_name", "routing_key")
        }
        for consumer in SoakFaults.consumers {
            let types = bindings.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(whereSeparator: \.isWhitespace)
                guard fields.count == 3, fields[0] == "sales.events", fields[1] == "\(consumer).events" else { return nil }
                return String(fields[2])
            }
            let list = types.map { "'\($0)'" }.joined(separator: ",")
            guard !list.isEmpty else { continue }
            let query = """
                SELECT type || ' ' || id FROM \(events) WHERE created_at >= '\(since)' AND type IN (\(list))
                AND NOT EXISTS (SELECT 1 FROM \(consumer).inbox i WHERE i.message_id = events.id)
                """
            let lost = try await lines(query)
            checks.append(
                SoakCheck(
                    column: "lost",
                    name: "events not applied by \(consumer)",
                    count: lost.count,
                    detail: lost.prefix(5).joined(separator: ", ")
                )
            )
            if consumer == "reporting" {
                let unlogged = try await lines(
                    """
                    SELECT type || ' ' || id FROM \(events) WHERE created_at >= '\(since)' AND type IN (\(list))
                    AND NOT EXISTS (SELECT 1 FROM reporting.event_log l WHERE l.id = events.id)
                    """
                )
                checks.append(
                    SoakCheck(
                        column: "lost",
                        name: "events missing from reporting's event log",
                        count: unlogged.count,
                        detail: unlogged.prefix(5).joined(separator: ", ")
                    )
                )
            }
        }

        // Doubled: one row per accepted write, one approval per contract, one event per aggregate version.
        checks.append(
            SoakCheck(
                column: "doubled",
                name: "customers stored twice (same name)",
                count: try await count("SELECT count(*) - count(DISTINCT name) FROM customers.customers WHERE name LIKE '浸泡精工\(tag)-%'")
            )
        )
        checks.append(
            SoakCheck(
                column: "doubled",
                name: "deals stored twice (same title)",
                count: try await count("SELECT count(*) - count(DISTINCT title) FROM deals.deals WHERE title LIKE '年度采购 \(tag)-%'")
            )
        )
        checks.append(
            SoakCheck(
                column: "doubled",
                name: "contracts made twice from one quote",
                count: try await count("SELECT count(*) - count(DISTINCT quote_id) FROM deals.contracts")
            )
        )
        checks.append(
            SoakCheck(
                column: "doubled",
                name: "approvals started twice for one contract",
                count: try await count("SELECT count(*) - count(DISTINCT contract_id) FROM approvals.approval_instances")
            )
        )
        let doubledEvents = try await lines(
            """
            SELECT type || ' ' || subject || ' #' || sequence FROM reporting.event_log WHERE received_at >= '\(since)'
            GROUP BY type, subject, sequence HAVING count(*) > 1
            """
        )
        checks.append(
            SoakCheck(
                column: "doubled",
                name: "events in reporting's log twice (same type, subject, sequence)",
                count: doubledEvents.count,
                detail: doubledEvents.prefix(5).joined(separator: ", ")
            )
        )

        // Stuck: a pending approval has a pending current step with a live escalation timer; a contract waiting for
        // approval has a pending approval; a decided approval has reached its contract.
        let stuck = try await lines(
            """
            SELECT a.id FROM approvals.approval_instances a WHERE a.status = 'pending' AND NOT EXISTS (
                SELECT 1 FROM approvals.approval_steps s
                JOIN approvals.timers t ON t.kind = 'approvals.step_escalation' AND t.key = s.timers_key AND t.status = 'pending'
                WHERE s.approval_id = a.id AND s.step = a.current_step AND s.status = 'pending')
            """
        )
        checks.append(
            SoakCheck(
                column: "stuck",
                name: "pending approvals without a pending step and its timer",
                count: stuck.count,
                detail: stuck.prefix(5).joined(separator: ", ")
            )
        )
        checks.append(
            SoakCheck(
                column: "stuck",
                name: "contracts pending approval without a pending approval",
                count: try await count(
                    """
                    SELECT count(*) FROM deals.contracts c WHERE c.status = 'pending_approval' AND NOT EXISTS (
                        SELECT 1 FROM approvals.approval_instances a WHERE a.contract_id = c.id::text AND a.status = 'pending')
                    """
                )
            )
        )
        checks.append(
            SoakCheck(
                column: "stuck",
                name: "approved approvals whose contract is not approved",
                count: try await count(
                    """
                    SELECT count(*) FROM approvals.approval_instances a JOIN deals.contracts c ON c.id::text = a.contract_id
                    WHERE a.status = 'approved' AND c.status NOT IN ('approved', 'signed')
                    """
                )
            )
        )

        // Unpublished outbox rows.
        for schema in Self.schemas {
            checks.append(
                SoakCheck(
                    column: "unpublished",
                    name: "\(schema).outbox rows unpublished",
                    count: try await count("SELECT count(*) FROM \(schema).outbox WHERE published_at IS NULL")
                )
            )
        }

        checks += try await wecomChecks()
        checks += try await poisonChecks()
        return checks
    }

    /// Every step assigned since the start has a WeCom delivery; every delivery was sent; the stand-in received each
    /// sent payload exactly as often as it was sent, and nothing else.
    private func wecomChecks() async throws -> [SoakCheck] {
        var checks: [SoakCheck] = []
        checks.append(
            SoakCheck(
                column: "wecom",
                name: "steps assigned without a WeCom delivery",
                count: try await count(
                    """
                    SELECT count(*) FROM approvals.outbox o WHERE o.type = 'approval.step_assigned' AND o.created_at >= '\(since)'
                    AND NOT EXISTS (SELECT 1 FROM notifications.deliveries d WHERE d.event_id = o.id AND d.channel = 'wecom')
                    """
                )
            )
        )
        let unsent = try await lines(
            "SELECT status || ' ' || coalesce(last_error, '') FROM notifications.deliveries WHERE channel = 'wecom' AND status <> 'sent' AND created_at >= '\(since)'"
        )
        checks.append(
            SoakCheck(
                column: "wecom",
                name: "WeCom deliveries not sent",
                count: unsent.count,
                detail: unsent.prefix(3).joined(separator: "; ")
            )
        )
        // A push is who it reached (a WeCom id through the app, "" for a robot) and its words: the app's request
        // carries the robot message's content, addressed to one person.
        func push(to person: String, _ message: JSONValue) -> JSONValue {
            .object(["to": .string(person), "content": message["markdown"]?["content"] ?? message["text"]?["content"] ?? message])
        }
        let sent = try await lines(
            """
            SELECT CASE WHEN d.sent_via = 'app' THEN coalesce(o.wecom_user_id, '') ELSE '' END || E'\\t' || d.payload::text
            FROM notifications.deliveries d LEFT JOIN notifications.org_replica o ON o.id::text = d.recipient::text
            WHERE d.channel = 'wecom' AND d.status = 'sent'
            """
        ).map { line in
            let (person, payload) = line.firstIndex(of: "\t").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) } ?? ("", line)
            return push(to: person, (try? JSONCoding.decoder.decode(JSONValue.self, from: Data(payload.utf8))) ?? .string(payload))
        }
        let received =
            await wecom.successes.map { push(to: "", $0.body) }
            + wecom.appMessages.map { push(to: $0.body["touser"]?.stringValue ?? "", $0.body) }
        var expected: [(payload: JSONValue, count: Int)] = []
        for payload in sent {
            if let index = expected.firstIndex(where: { $0.payload == payload }) { expected[index].count += 1 } else { expected.append((payload, 1)) }
        }
        var missing = 0
        var doubled = 0
        var matched = 0
        for (payload, count) in expected {
            let times = received.filter { $0 == payload }.count
            matched += times
            if times < count { missing += count - times }
            if times > count { doubled += times - count }
        }
        checks.append(SoakCheck(column: "wecom", name: "WeCom pushes recorded as sent, never received", count: missing))
        checks.append(SoakCheck(column: "wecom", name: "WeCom pushes received more than once", count: doubled))
        checks.append(SoakCheck(column: "wecom", name: "WeCom pushes received without a sent delivery", count: received.count - matched))
        return checks
    }

    /// Each poison message was parked with a reason, and nothing else was.
    private func poisonChecks() async throws -> [SoakCheck] {
        let parked = try await PoisonMessages.drainParked(system, rabbitmq, consumers: SoakFaults.consumers, logger: logger)
        let sent = poison.ids
        let notParked = sent.filter { service, id in
            !parked.contains { $0.queue == "\(service).events.dead" && $0.messageID == id && !($0.error ?? "").isEmpty }
        }
        let others = parked.filter { message in !sent.values.contains { $0 == message.messageID } }
        return [
            SoakCheck(
                column: "poison",
                name: "poison messages not parked with a reason (of \(sent.count))",
                count: sent.count < SoakFaults.consumers.count ? SoakFaults.consumers.count - sent.count + notParked.count : notParked.count,
                detail: notParked.keys.sorted().joined(separator: ", ")
            ),
            SoakCheck(
                column: "lost",
                name: "events parked (other than the poison)",
                count: others.count,
                detail: others.prefix(3).map { "\($0.queue): \($0.error ?? "")" }.joined(separator: "; ")
            ),
        ]
    }
}
