import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// An installment with money outstanding on a day, with everything the reports and the overdue alerts name.
struct OpenInstallment: Sendable, Equatable {
    var id: RecordID
    var contractID: RecordID
    var contractNumber: String
    var dealID: RecordID
    var customerID: String
    var customerName: String
    var ownerID: String
    /// The owner's display name from the org replica; their id when the replica does not know them.
    var ownerName: String
    var region: String
    var sequence: Int
    var label: String
    var amountFen: Fen
    var dueOn: CalendarDay?
    var outstandingFen: Fen
    /// On the day asked about; `nil` without a due date.
    var daysOverdue: Int?

    var bucket: Ageing.Bucket { Ageing.Bucket(daysOverdue: daysOverdue) }

    var party: ContractParty {
        ContractParty(
            contractID: contractID.description,
            dealID: dealID.description,
            customerID: customerID,
            customerName: customerName,
            ownerID: ownerID,
            region: region
        )
    }
}

/// Filters of the receivables drill-down; `nil` means "any". They narrow the caller's scope, never widen it.
struct ReceivablesFilter: Sendable, Equatable {
    var bucket: Ageing.Bucket?
    var customerID: String?
    var ownerID: String?
    var region: String?
}

/// What signed contracts still have to collect, read from the installments, receipts and write-offs (deals
/// migration 0005) as they stood at the end of a Shanghai day, and the overdue alerts already sent (0008).
struct ReceivablesRepository: Sendable {
    let logger: Logger

    /// Every installment in `scope` with money outstanding at the end of `asOf`: receipts received by then and not
    /// reversed by then count, write-offs made by then count, installments created after it do not exist yet.
    func open(scope: DataScope, asOf: CalendarDay, on connection: PostgresConnection) async throws -> [OpenInstallment] {
        try await query(scope: scope, filter: ReceivablesFilter(), asOf: asOf, page: nil, on: connection)
    }

    /// A page of the open installments in `scope` matching `filter`, most overdue first (by due date, undated last).
    func page(
        scope: DataScope,
        filter: ReceivablesFilter,
        asOf: CalendarDay,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [OpenInstallment] {
        try await query(scope: scope, filter: filter, asOf: asOf, page: page, on: connection)
    }

    /// The far day undated installments sort on, after every real due date.
    static let undatedSortDay = CalendarDay(year: 2199, month: 12, day: 31)

    /// The cursor after an installment of the drill-down.
    static func cursor(after installment: OpenInstallment) -> PageCursor {
        PageCursor(createdAt: BusinessCalendar.start(of: installment.dueOn ?? undatedSortDay), id: installment.id.uuid)
    }

    private func query(
        scope: DataScope,
        filter: ReceivablesFilter,
        asOf: CalendarDay,
        page: PageRequest?,
        on connection: PostgresConnection
    ) async throws -> [OpenInstallment] {
        let day = asOf.description
        let end = BusinessCalendar.start(of: asOf).addingTimeInterval(86_400)
        let days = filter.bucket?.days
        let notDueOnly = filter.bucket == .notDue
        let afterDay = page?.cursor.map { BusinessCalendar.day(of: $0.createdAt).description }
        let afterID = page?.cursor?.id
        let limit = page?.fetchLimit ?? Int(Int32.max)
        let rows = try await connection.query(
            """
            SELECT * FROM (
                SELECT i.id, i.contract_id, c.number, c.deal_id, d.customer_id, d.customer_name, d.owner_id,
                       COALESCE(o.display_name, d.owner_id) AS owner_name, d.region, i.sequence, i.label, i.amount_fen,
                       i.due_on::text AS due_on, (\(day)::date - i.due_on) AS days_overdue,
                       i.amount_fen - COALESCE(paid.fen, 0)
                           - CASE WHEN i.written_off_at IS NOT NULL AND i.written_off_at >= \(end) THEN 0 ELSE i.written_off_fen END
                           AS outstanding_fen,
                       COALESCE(i.due_on, \(Self.undatedSortDay.description)::date) AS sort_day
                FROM payment_installments i
                JOIN contracts c ON c.id = i.contract_id
                JOIN deals d ON d.id = c.deal_id
                LEFT JOIN org_replica o ON o.id = d.owner_id
                LEFT JOIN LATERAL (
                    SELECT SUM(a.amount_fen)::bigint AS fen
                    FROM receipt_allocations a JOIN receipts r ON r.id = a.receipt_id
                    WHERE a.installment_id = i.id AND r.received_on <= \(day)::date
                      AND (r.reversed_at IS NULL OR r.reversed_at >= \(end))
                ) paid ON true
                WHERE c.status = 'signed' AND i.created_at < \(end)
                  AND (\(scope.ownerIDs)::text[] IS NULL OR d.owner_id = ANY(\(scope.ownerIDs)::text[]))
                  AND (\(scope.region)::text IS NULL OR d.region = \(scope.region))
                  AND (\(filter.customerID)::text IS NULL OR d.customer_id = \(filter.customerID))
                  AND (\(filter.ownerID)::text IS NULL OR d.owner_id = \(filter.ownerID))
                  AND (\(filter.region)::text IS NULL OR d.region = \(filter.region))
            ) open
            WHERE outstanding_fen > 0
              AND (NOT \(notDueOnly)::boolean OR days_overdue IS NULL OR days_overdue <= 0)
              AND (\(days?.lowerBound)::integer IS NULL OR days_overdue BETWEEN \(days?.lowerBound) AND \(days?.upperBound))
              AND (\(afterDay)::date IS NULL OR (sort_day, id) > (\(afterDay)::date, \(afterID)::uuid))
            ORDER BY sort_day, id
            LIMIT \(limit)
            """,
            logger: logger
        )
        var installments: [OpenInstallment] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let dueOn = try cells["due_on"].decode(String?.self)
            installments.append(
                OpenInstallment(
                    id: try cells["id"].decode(RecordID.self),
                    contractID: try cells["contract_id"].decode(RecordID.self),
                    contractNumber: try cells["number"].decode(String.self),
                    dealID: try cells["deal_id"].decode(RecordID.self),
                    customerID: try cells["customer_id"].decode(String.self),
                    customerName: try cells["customer_name"].decode(String.self),
                    ownerID: try cells["owner_id"].decode(String.self),
                    ownerName: try cells["owner_name"].decode(String.self),
                    region: try cells["region"].decode(String.self),
                    sequence: try cells["sequence"].decode(Int.self),
                    label: try cells["label"].decode(String.self),
                    amountFen: try cells["amount_fen"].decode(Int64.self),
                    dueOn: dueOn.flatMap(CalendarDay.init),
                    outstandingFen: try cells["outstanding_fen"].decode(Int64.self),
                    daysOverdue: try cells["days_overdue"].decode(Int?.self)
                )
            )
        }
        return installments
    }

    /// Records that an installment's alert at `thresholdDays` went out; `false` when it had gone out before.
    func recordAlert(
        installmentID: RecordID,
        thresholdDays: Int,
        daysOverdue: Int,
        at time: Date,
        on connection: PostgresConnection
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO payment_overdue_alerts (installment_id, threshold_days, days_overdue, alerted_at)
            VALUES (\(installmentID), \(thresholdDays), \(daysOverdue), \(time))
            ON CONFLICT (installment_id, threshold_days) DO NOTHING
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }
}
