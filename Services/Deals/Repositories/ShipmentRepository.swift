import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// A recorded shipment, as the API shows it (no prices).
struct ShipmentView: Sendable, Encodable, Equatable {
    struct Line: Sendable, Codable, Equatable {
        var lineNumber: Int
        var quantity: Int64
    }

    var id: RecordID
    /// `YYYY-MM-DD`.
    var shippedOn: String
    var carrier: String
    @ExplicitNull var trackingNumber: String?
    @ExplicitNull var note: String?
    var recordedBy: String
    var recordedAt: Date
    var lines: [Line]

    static func == (lhs: ShipmentView, rhs: ShipmentView) -> Bool {
        lhs.id == rhs.id && lhs.shippedOn == rhs.shippedOn && lhs.carrier == rhs.carrier && lhs.trackingNumber == rhs.trackingNumber
            && lhs.note == rhs.note && lhs.recordedBy == rhs.recordedBy && lhs.recordedAt == rhs.recordedAt && lhs.lines == rhs.lines
    }
}

/// A signed contract's delivery: each line's ordered, shipped and remaining quantity and every shipment, oldest first.
/// Price-free, so the warehouse reads it as everyone else does.
struct ContractShipments: Sendable, Encodable {
    var contractId: RecordID
    var number: String
    var dealId: RecordID
    var customerName: String
    var status: Contract.Status
    @ExplicitNull var signedAt: Date?
    @ExplicitNull var deliveredAt: Date?
    var lines: [LineProgress]
    var shipments: [ShipmentView]
}

/// One signed contract waiting to ship, in the warehouse's queue.
struct ShippingQueueItem: Sendable, Encodable {
    var contractId: RecordID
    var number: String
    var customerName: String
    var region: String
    var signedAt: Date
    var lineCount: Int
    var ordered: Int64
    var shipped: Int64
    var remaining: Int64
    /// `YYYY-MM-DD` of the latest shipment, `null` before the first.
    @ExplicitNull var lastShippedOn: String?
}

/// An installment of the payment plan as the delivery needs it.
struct DeliveryInstallment: Sendable, Equatable {
    var id: RecordID
    var sequence: Int
    var label: String
    var amountFen: Fen
    var dueOn: CalendarDay?
    var dueAfterDeliveryDays: Int?
}

/// Shipments and their lines, a contract's delivery date, and what the delivery needs of the payment plan.
struct ShipmentRepository: Sendable {
    let logger: Logger

    /// Line number → quantity shipped so far on the contract.
    func shipped(contractID: RecordID, on connection: PostgresConnection) async throws -> [Int: Int64] {
        let rows = try await connection.query(
            """
            SELECT l.line_number, sum(l.quantity)::bigint
            FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id
            WHERE s.contract_id = \(contractID)
            GROUP BY l.line_number
            """,
            logger: logger
        )
        var shipped: [Int: Int64] = [:]
        for try await (line, quantity) in rows.decode((Int, Int64).self) { shipped[line] = quantity }
        return shipped
    }

    func insert(_ shipment: ShipmentView, contractID: RecordID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO shipments (id, contract_id, shipped_on, carrier, tracking_number, note, recorded_by, recorded_at)
            VALUES (\(shipment.id), \(contractID), \(shipment.shippedOn)::date, \(shipment.carrier), \(shipment.trackingNumber), \(shipment.note),
                    \(shipment.recordedBy), \(shipment.recordedAt))
            """,
            logger: logger
        )
        for line in shipment.lines {
            try await connection.query(
                "INSERT INTO shipment_lines (shipment_id, line_number, quantity) VALUES (\(shipment.id), \(line.lineNumber), \(line.quantity))",
                logger: logger
            )
        }
    }

    /// The contract's shipments, oldest first.
    func list(contractID: RecordID, on connection: PostgresConnection) async throws -> [ShipmentView] {
        let rows = try await connection.query(
            """
            SELECT s.id, to_char(s.shipped_on, 'YYYY-MM-DD'), s.carrier, s.tracking_number, s.note, s.recorded_by, s.recorded_at,
                   coalesce((SELECT json_agg(json_build_object('lineNumber', l.line_number, 'quantity', l.quantity) ORDER BY l.line_number)
                             FROM shipment_lines l WHERE l.shipment_id = s.id), '[]')::text
            FROM shipments s
            WHERE s.contract_id = \(contractID)
            ORDER BY s.shipped_on, s.recorded_at, s.id
            """,
            logger: logger
        )
        var shipments: [ShipmentView] = []
        for try await (id, day, carrier, tracking, note, by, at, lines) in rows.decode(
            (RecordID, String, String, String?, String?, String, Date, String).self
        ) {
            shipments.append(
                ShipmentView(
                    id: id,
                    shippedOn: day,
                    carrier: carrier,
                    trackingNumber: tracking,
                    note: note,
                    recordedBy: by,
                    recordedAt: at,
                    lines: try JSONCoding.decoder.decode([ShipmentView.Line].self, from: Data(lines.utf8))
                )
            )
        }
        return shipments
    }

    /// When the contract was delivered (everything shipped), if it was.
    func deliveredAt(contractID: RecordID, on connection: PostgresConnection) async throws -> Date? {
        let rows = try await connection.query("SELECT delivered_at FROM contracts WHERE id = \(contractID)", logger: logger)
        for try await (at) in rows.decode(Date?.self) { return at }
        return nil
    }

    /// The latest `shipped_on` of the contract: its delivery day once everything has shipped.
    func lastShippedOn(contractID: RecordID, on connection: PostgresConnection) async throws -> CalendarDay? {
        let rows = try await connection.query(
            "SELECT to_char(max(shipped_on), 'YYYY-MM-DD') FROM shipments WHERE contract_id = \(contractID)",
            logger: logger
        )
        for try await (day) in rows.decode(String?.self) { return day.flatMap { CalendarDay($0) } }
        return nil
    }

    /// Writes the contract's version after a shipment, and its delivery time when the shipment completed it.
    func update(contractID: RecordID, version: Int64, deliveredAt: Date?, at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE contracts SET version = \(version), updated_at = \(time), delivered_at = coalesce(delivered_at, \(deliveredAt))
            WHERE id = \(contractID)
            """,
            logger: logger
        )
    }

    /// The contract's payment plan, by sequence.
    func installments(contractID: RecordID, on connection: PostgresConnection) async throws -> [DeliveryInstallment] {
        let rows = try await connection.query(
            """
            SELECT id, sequence, label, amount_fen, to_char(due_on, 'YYYY-MM-DD'), due_after_delivery_days
            FROM payment_installments WHERE contract_id = \(contractID) ORDER BY sequence
            """,
            logger: logger
        )
        var installments: [DeliveryInstallment] = []
        for try await (id, sequence, label, amount, due, after) in rows.decode(
            (RecordID, Int, String, Int64, String?, Int?).self
        ) {
            installments.append(
                DeliveryInstallment(
                    id: id,
                    sequence: sequence,
                    label: label,
                    amountFen: amount,
                    dueOn: due.flatMap { CalendarDay($0) },
                    dueAfterDeliveryDays: after
                )
            )
        }
        return installments
    }

    func setDueOn(installmentID: RecordID, _ day: CalendarDay, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE payment_installments SET due_on = \(day.description)::date WHERE id = \(installmentID)",
            logger: logger
        )
    }

    /// Signed contracts of open deals with something left to ship, oldest signature first; `scope` `nil` is the
    /// warehouse's company-wide view.
    func queue(scope: DataScope?, page: PageRequest, on connection: PostgresConnection) async throws -> [ShippingQueueItem] {
        let unrestricted = scope == nil
        let ownerIDs = scope?.ownerIDs
        let region = scope?.region
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT c.id, c.number, d.customer_name, d.region, c.signed_at, jsonb_array_length(c.lines),
                   (SELECT coalesce(sum((l ->> 'quantity')::bigint), 0) FROM jsonb_array_elements(c.lines) l)::bigint,
                   (SELECT coalesce(sum(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                    WHERE s.contract_id = c.id)::bigint,
                   (SELECT to_char(max(s.shipped_on), 'YYYY-MM-DD') FROM shipments s WHERE s.contract_id = c.id)
            FROM contracts c JOIN deals d ON d.id = c.deal_id
            WHERE c.status = 'signed' AND c.delivered_at IS NULL AND c.signed_at IS NOT NULL AND d.stage <> 'lost'
              AND (\(unrestricted) OR \(ownerIDs)::text[] IS NULL OR d.owner_id = ANY(\(ownerIDs)::text[]))
              AND (\(unrestricted) OR \(region)::text IS NULL OR d.region = \(region))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (c.signed_at, c.id) > (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY c.signed_at, c.id
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var items: [ShippingQueueItem] = []
        for try await (id, number, customer, region, signedAt, lineCount, ordered, shipped, last) in rows.decode(
            (RecordID, String, String, String, Date, Int, Int64, Int64, String?).self
        ) {
            items.append(
                ShippingQueueItem(
                    contractId: id,
                    number: number,
                    customerName: customer,
                    region: region,
                    signedAt: signedAt,
                    lineCount: lineCount,
                    ordered: ordered,
                    shipped: shipped,
                    remaining: max(0, ordered - shipped),
                    lastShippedOn: last
                )
            )
        }
        return items
    }
}
