public import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceRuntime

/// Where visits are stored. Writes take the transaction's connection, so a visit and its outbox event commit
/// together. Reads join the customer for its name and its current region (the region part of the data scope).
public protocol VisitRepository: Sendable {
    /// Stores a new visit; its customer's `last_visit_at` moves forward by trigger (customers migration 0012).
    func insert(_ visit: Visit, on connection: PostgresConnection) async throws
    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Visit?
    /// Records the check-out (time, duration, version).
    func checkOut(_ visit: Visit, on connection: PostgresConnection) async throws
    /// Records a new version of the visit (a photo was added).
    func setVersion(_ visit: Visit, on connection: PostgresConnection) async throws
    /// The visits in `scope` that match `filter`, newest check-in first.
    func list(_ filter: VisitFilter, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [Visit]
    /// Moves every visit of customer `from` to customer `to` (a merge); returns how many moved.
    func moveVisits(from: RecordID, to: RecordID, on connection: PostgresConnection) async throws -> Int
}

/// List filters; `nil` means "any".
public struct VisitFilter: Sendable, Equatable {
    public var customerID: RecordID?
    public var repID: String?
    /// Checked in at or after this instant.
    public var from: Date?
    /// Checked in before this instant.
    public var until: Date?
    /// Only visits with at least one flag.
    public var flaggedOnly: Bool

    public init(customerID: RecordID? = nil, repID: String? = nil, from: Date? = nil, until: Date? = nil, flaggedOnly: Bool = false) {
        self.customerID = customerID
        self.repID = repID
        self.from = from
        self.until = until
        self.flaggedOnly = flaggedOnly
    }
}

/// The PostgreSQL implementation.
public struct PostgresVisitRepository: VisitRepository {
    public func moveVisits(from: RecordID, to: RecordID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "WITH moved AS (UPDATE visits SET customer_id = \(to) WHERE customer_id = \(from) RETURNING 1) SELECT count(*) FROM moved",
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func insert(_ visit: Visit, on connection: PostgresConnection) async throws {
        let latitude = VisitRules.decimalText(visit.latitude)
        let longitude = VisitRules.decimalText(visit.longitude)
        let followUp = visit.nextFollowUpOn?.description
        try await connection.query(
            """
            INSERT INTO visits (id, customer_id, rep_id, checked_in_at, latitude, longitude, accuracy_meters, purpose, notes,
                                contact_name, next_follow_up_on, distance_meters, flags, version)
            VALUES (\(visit.id), \(visit.customerID), \(visit.repID), \(visit.checkedInAt), \(latitude)::numeric(9,6),
                    \(longitude)::numeric(9,6), \(visit.accuracyMeters), \(visit.purpose.rawValue), \(visit.notes), \(visit.contactName),
                    \(followUp)::date, \(visit.distanceMeters), \(visit.flags.map(\.rawValue))::text[], \(visit.version))
            """,
            logger: logger
        )
        // The customer's `last_visit_at` (for "not visited for N days" and completeness) moves forward by the visits'
        // trigger (customers migration 0012), in this transaction; the check-in holds the customer's row lock.
    }

    public func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Visit? {
        let rows =
            forUpdate
            ? try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables) WHERE v.id = \(id) FOR UPDATE OF v",
                logger: logger
            )
            : try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables) WHERE v.id = \(id)",
                logger: logger
            )
        for try await row in rows {
            return try Self.decode(row)
        }
        return nil
    }

    public func checkOut(_ visit: Visit, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE visits SET checked_out_at = \(visit.checkedOutAt), duration_minutes = \(visit.durationMinutes), version = \(visit.version)
            WHERE id = \(visit.id)
            """,
            logger: logger
        )
    }

    public func setVersion(_ visit: Visit, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE visits SET version = \(visit.version) WHERE id = \(visit.id)", logger: logger)
    }

    public func list(_ filter: VisitFilter, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [Visit] {
        let cursor = page.cursor
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables)
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR v.rep_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
              AND (\(filter.customerID?.uuid)::uuid IS NULL OR v.customer_id = \(filter.customerID?.uuid))
              AND (\(filter.repID)::text IS NULL OR v.rep_id = \(filter.repID))
              AND (\(filter.from)::timestamptz IS NULL OR v.checked_in_at >= \(filter.from))
              AND (\(filter.until)::timestamptz IS NULL OR v.checked_in_at < \(filter.until))
              AND (NOT \(filter.flaggedOnly) OR cardinality(v.flags) > 0)
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (v.checked_in_at, v.id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY v.checked_in_at DESC, v.id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var visits: [Visit] = []
        for try await row in rows {
            visits.append(try Self.decode(row))
        }
        return visits
    }

    /// A visit with its customer and its rep's replica row (absent until a `user.*` event about them arrived).
    static let tables = "visits v JOIN customers c ON c.id = v.customer_id LEFT JOIN org_replica u ON u.id = v.rep_id"

    /// The columns ``decode(_:)`` reads, over ``tables``.
    static let columns = """
        v.id, v.customer_id, c.name, c.region, v.rep_id, v.checked_in_at, v.checked_out_at, v.duration_minutes, v.latitude::text, \
        v.longitude::text, v.accuracy_meters, v.purpose, v.notes, v.contact_name, v.next_follow_up_on::text, v.distance_meters, \
        v.flags, v.version, COALESCE(NULLIF(u.display_name, ''), v.rep_id), c.latitude::text, c.longitude::text,
        (SELECT count(*)::int FROM visit_photos p WHERE p.visit_id = v.id)
        """

    static func decode(_ row: PostgresRow) throws -> Visit {
        let (
            id, customerID, customerName, region, repID, checkedInAt, checkedOutAt, duration, latitude, longitude, accuracy, purpose, notes,
            contactName, followUp, distance, flags, version, repName, customerLatitude, customerLongitude, photoCount
        ) = try row.decode(
            (
                RecordID, RecordID, String, String, String, Date, Date?, Int?, String, String, Int, String, String?, String?, String?, Int?,
                [String], Int64, String, String?, String?, Int
            ).self
        )
        guard let point = try GeoPoint(storedLatitude: latitude, longitude: longitude) else {
            throw UnknownValue(column: "visits.latitude", value: latitude)
        }
        return Visit(
            id: id,
            customerID: customerID,
            customerName: customerName,
            repID: repID,
            checkedInAt: checkedInAt,
            checkedOutAt: checkedOutAt,
            durationMinutes: duration,
            latitude: point.latitude,
            longitude: point.longitude,
            accuracyMeters: accuracy,
            purpose: try VisitPurpose(stored: purpose, column: "visits.purpose"),
            notes: notes,
            contactName: contactName,
            nextFollowUpOn: try followUp.map { text in
                guard let day = CalendarDay(text) else { throw UnknownValue(column: "visits.next_follow_up_on", value: text) }
                return day
            },
            distanceMeters: distance,
            flags: try flags.map { try VisitFlag(stored: $0, column: "visits.flags") },
            photoCount: photoCount,
            version: version,
            customerRegion: region,
            repName: repName,
            customerLocation: try GeoPoint(storedLatitude: customerLatitude, longitude: customerLongitude)
        )
    }
}

extension GeoPoint {
    /// A point read from two `numeric(9,6)` columns as text; `nil` when both are null.
    init?(storedLatitude latitude: String?, longitude: String?) throws {
        guard let latitude, let longitude else { return nil }
        guard let lat = Double(latitude), let lon = Double(longitude) else {
            throw UnknownValue(column: "latitude, longitude", value: "\(latitude), \(longitude)")
        }
        self.init(latitude: lat, longitude: lon)
    }
}
