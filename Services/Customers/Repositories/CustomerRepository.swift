public import Contracts
public import Foundation
public import Logging
public import Persistence
public import PostgresNIO
public import ServiceRuntime

/// Where customers are stored. Every write takes the transaction's connection, so the change and its outbox
/// event commit together.
///
/// Reads of many customers take the caller's ``DataScope`` and filter in SQL; a single customer is found by id
/// and the handler checks it against the scope, so that "out of scope" and "no such id" answer alike.
public protocol CustomerRepository: Sendable {
    func insert(_ customer: Customer, on connection: PostgresConnection) async throws
    func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Customer?
    func update(_ customer: Customer, on connection: PostgresConnection) async throws
    /// The customers in `scope` that match `filter`, newest first.
    func list(
        _ filter: CustomerFilter,
        scope: DataScope,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [Customer]
    /// Locks the customers with these ids (those that exist) for update, in id order so that two transfers
    /// over overlapping sets cannot deadlock.
    func lock(ids: [RecordID], on connection: PostgresConnection) async throws -> [Customer]
    /// Locks every customer in `scope` owned by `ownerID` for update, in id order.
    func lockOwned(by ownerID: String, scope: DataScope, on connection: PostgresConnection) async throws -> [Customer]
    /// The live (not merged-away) customers other than `excluding` that share the probe's credit code, normalized
    /// name or a contact mobile: at most `limit`, credit code first. Index lookups only (see migration 0006).
    func duplicates(
        of probe: DuplicateRule.Probe,
        excluding: RecordID?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> [DuplicateRule.Match]
    /// Serializes writes that could create the same duplicate (same credit code or normalized name) until the
    /// transaction ends, so two concurrent creates of one company cannot both pass the duplicate check.
    func lockDuplicateKeys(of probe: DuplicateRule.Probe, on connection: PostgresConnection) async throws
    /// Whether another customer already carries this external id.
    func externalIDTaken(_ externalID: String, excluding: RecordID?, on connection: PostgresConnection) async throws -> Bool
    /// Moves every line of `from`'s audit trail to `to` (a merge); returns how many moved.
    func moveHistory(from: RecordID, to: RecordID, on connection: PostgresConnection) async throws -> Int
    /// Appends a line to a customer's audit trail.
    func appendHistory(_ entry: CustomerHistoryEntry, customerID: RecordID, on connection: PostgresConnection) async throws
    /// A customer's audit trail, newest first (by time and line number), a page at a time.
    func history(customerID: RecordID, page: PageRequest, on connection: PostgresConnection) async throws -> [CustomerHistoryEntry]
}

/// List filters; `nil` means "any".
public struct CustomerFilter: Sendable, Equatable {
    public var region: String?
    public var industry: String?
    public var ownerID: String?
    /// Case-insensitive substring of the name.
    public var nameContains: String?
    /// `false` (the default): active customers only; `true`: archived ones only; `nil`: both. Merged-away
    /// customers are never listed.
    public var archived: Bool?
    public var level: CustomerLevel?

    public init(
        region: String? = nil,
        industry: String? = nil,
        ownerID: String? = nil,
        nameContains: String? = nil,
        archived: Bool? = false,
        level: CustomerLevel? = nil
    ) {
        self.region = region
        self.industry = industry
        self.ownerID = ownerID
        self.nameContains = nameContains
        self.archived = archived
        self.level = level
    }
}

/// The PostgreSQL implementation (tables in the service's own schema, found through `search_path`).
public struct PostgresCustomerRepository: CustomerRepository {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func insert(_ customer: Customer, on connection: PostgresConnection) async throws {
        let contacts = try Self.encodeContacts(customer.contacts)
        let latitude = customer.location.map { VisitRules.decimalText($0.latitude) }
        let longitude = customer.location.map { VisitRules.decimalText($0.longitude) }
        try await connection.query(
            """
            INSERT INTO customers (id, name, region, industry, address, notes, owner_id, contacts, version, created_at, updated_at,
                                   latitude, longitude, credit_code, level, source, external_id, merged_into, normalized_name)
            VALUES (\(customer.id), \(customer.name), \(customer.region), \(customer.industry), \(customer.address), \(customer.notes),
                    \(customer.ownerID), \(contacts)::jsonb, \(customer.version), \(customer.createdAt), \(customer.updatedAt),
                    \(latitude)::numeric(9,6), \(longitude)::numeric(9,6), \(customer.creditCode), \(customer.level?.rawValue),
                    \(customer.source?.rawValue), \(customer.externalID), \(customer.mergedInto?.uuid),
                    \(DuplicateRule.normalizedName(customer.name)))
            """,
            logger: logger
        )
        try await syncMobiles(customer, on: connection)
    }

    /// Keeps `customer_mobiles` equal to the live customer's contacts' mobiles (none once it is merged away).
    private func syncMobiles(_ customer: Customer, on connection: PostgresConnection) async throws {
        let mobiles = customer.mergedInto == nil ? DuplicateRule.mobiles(of: customer.contacts) : []
        try await connection.query(
            """
            WITH gone AS (
                DELETE FROM customer_mobiles WHERE customer_id = \(customer.id) AND NOT (mobile = ANY(\(mobiles)::text[]))
            )
            INSERT INTO customer_mobiles (customer_id, mobile)
            SELECT \(customer.id), mobile FROM unnest(\(mobiles)::text[]) AS mobile
            ON CONFLICT DO NOTHING
            """,
            logger: logger
        )
    }

    public func find(id: RecordID, on connection: PostgresConnection, forUpdate: Bool) async throws -> Customer? {
        let rows =
            forUpdate
            ? try await connection.query("SELECT \(unescaped: Self.columns) FROM customers WHERE id = \(id) FOR UPDATE", logger: logger)
            : try await connection.query("SELECT \(unescaped: Self.columns) FROM customers WHERE id = \(id)", logger: logger)
        for try await row in rows {
            return try Self.decode(row)
        }
        return nil
    }

    public func update(_ customer: Customer, on connection: PostgresConnection) async throws {
        let contacts = try Self.encodeContacts(customer.contacts)
        let latitude = customer.location.map { VisitRules.decimalText($0.latitude) }
        let longitude = customer.location.map { VisitRules.decimalText($0.longitude) }
        try await connection.query(
            """
            UPDATE customers SET name = \(customer.name), region = \(customer.region), industry = \(customer.industry),
                address = \(customer.address), notes = \(customer.notes), owner_id = \(customer.ownerID),
                contacts = \(contacts)::jsonb, version = \(customer.version), updated_at = \(customer.updatedAt),
                archived_at = \(customer.archivedAt), latitude = \(latitude)::numeric(9,6), longitude = \(longitude)::numeric(9,6),
                credit_code = \(customer.creditCode), level = \(customer.level?.rawValue), source = \(customer.source?.rawValue),
                external_id = \(customer.externalID), merged_into = \(customer.mergedInto?.uuid),
                normalized_name = \(DuplicateRule.normalizedName(customer.name))
            WHERE id = \(customer.id)
            """,
            logger: logger
        )
        try await syncMobiles(customer, on: connection)
    }

    public func list(
        _ filter: CustomerFilter,
        scope: DataScope,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [Customer] {
        let cursor = page.cursor
        let pattern = filter.nameContains.map { "%" + Self.escapeLike($0) + "%" }
        // A name fragment is found through an index (customers migration 0011): pg_trgm for ILIKE from three characters
        // on; a one- or two-character fragment (common in Chinese) also names its own entry in `name_grams(name)`, which
        // every name containing it has. The conditions fold to constants when planned with the bound values.
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM customers
            WHERE (\(scope.soleOwnerID)::text IS NOT NULL OR \(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.soleOwnerID)::text IS NULL OR owner_id = \(scope.soleOwnerID))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
              AND (\(filter.region)::text IS NULL OR region = \(filter.region))
              AND (\(filter.industry)::text IS NULL OR industry = \(filter.industry))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(pattern)::text IS NULL OR name ILIKE \(pattern))
              AND (\(filter.nameContains)::text IS NULL OR char_length(lower(\(filter.nameContains)::text)) NOT IN (1, 2)
                  OR name_grams(name) @> ARRAY[lower(\(filter.nameContains)::text)])
              AND (\(filter.archived)::boolean IS NULL OR (archived_at IS NOT NULL) = \(filter.archived))
              AND (\(filter.level?.rawValue)::text IS NULL OR level = \(filter.level?.rawValue))
              AND merged_into IS NULL
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (created_at, id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var customers: [Customer] = []
        for try await row in rows {
            customers.append(try Self.decode(row))
        }
        return customers
    }

    public func lock(ids: [RecordID], on connection: PostgresConnection) async throws -> [Customer] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM customers WHERE id = ANY(\(ids.map(\.uuid))::uuid[]) ORDER BY id FOR UPDATE",
            logger: logger
        )
        var customers: [Customer] = []
        for try await row in rows { customers.append(try Self.decode(row)) }
        return customers
    }

    public func lockOwned(by ownerID: String, scope: DataScope, on connection: PostgresConnection) async throws -> [Customer] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM customers
            WHERE owner_id = \(ownerID)
              AND (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
            ORDER BY id
            FOR UPDATE
            """,
            logger: logger
        )
        var customers: [Customer] = []
        for try await row in rows { customers.append(try Self.decode(row)) }
        return customers
    }

    public func duplicates(
        of probe: DuplicateRule.Probe,
        excluding: RecordID?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> [DuplicateRule.Match] {
        guard !probe.isEmpty else { return [] }
        // Three index lookups; a customer matching on several signs is reported once, by its strongest.
        let rows = try await connection.query(
            """
            SELECT DISTINCT ON (id) \(unescaped: Self.columns), reason FROM (
                SELECT c.*, 0 AS rank, 'credit_code' AS reason FROM customers c
                WHERE \(probe.creditCode)::text IS NOT NULL AND c.credit_code = \(probe.creditCode) AND c.merged_into IS NULL
                UNION ALL
                SELECT c.*, 1, 'name' FROM customers c
                WHERE \(probe.normalizedName)::text IS NOT NULL AND c.normalized_name = \(probe.normalizedName) AND c.merged_into IS NULL
                UNION ALL
                SELECT c.*, 2, 'mobile' FROM customers c
                WHERE c.id IN (SELECT customer_id FROM customer_mobiles WHERE mobile = ANY(\(probe.mobiles)::text[])) AND c.merged_into IS NULL
            ) AS candidates
            WHERE (\(excluding?.uuid)::uuid IS NULL OR id <> \(excluding?.uuid))
            ORDER BY id, rank
            """,
            logger: logger
        )
        var matches: [DuplicateRule.Match] = []
        for try await row in rows {
            let reason = try Array(row)[19].decode(String.self)
            matches.append(
                DuplicateRule.Match(
                    reason: try DuplicateRule.Reason(stored: reason, column: "duplicates.reason"),
                    customer: try Self.decode(row)
                )
            )
        }
        return Array(matches.sorted { ($0.reason, $0.customer.createdAt) < ($1.reason, $1.customer.createdAt) }.prefix(limit))
    }

    public func lockDuplicateKeys(of probe: DuplicateRule.Probe, on connection: PostgresConnection) async throws {
        let keys = [probe.creditCode.map { "credit_code:" + $0 }, probe.normalizedName.map { "name:" + $0 }].compactMap { $0 }.sorted()
        for key in keys {
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 10))", logger: logger)
        }
    }

    public func externalIDTaken(_ externalID: String, excluding: RecordID?, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT 1 FROM customers WHERE external_id = \(externalID) AND (\(excluding?.uuid)::uuid IS NULL OR id <> \(excluding?.uuid))
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    public func moveHistory(from: RecordID, to: RecordID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            WITH moved AS (UPDATE customer_history SET customer_id = \(to) WHERE customer_id = \(from) RETURNING 1)
            SELECT count(*) FROM moved
            """,
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    public func appendHistory(_ entry: CustomerHistoryEntry, customerID: RecordID, on connection: PostgresConnection) async throws {
        let changes = String(decoding: try JSONCoding.encoder.encode(entry.changes), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO customer_history (customer_id, at, actor_id, action, changes)
            VALUES (\(customerID), \(entry.at), \(entry.actorID), \(entry.action.rawValue), \(changes)::jsonb)
            """,
            logger: logger
        )
    }

    public func history(customerID: RecordID, page: PageRequest, on connection: PostgresConnection) async throws -> [CustomerHistoryEntry] {
        let after = page.cursor.map { ($0.boundTime, $0.number) }
        let rows = try await connection.query(
            """
            SELECT id, at, actor_id, action, changes::text FROM customer_history
            WHERE customer_id = \(customerID)
              AND (\(after?.0)::timestamptz IS NULL OR (at, id) < (\(after?.0), \(after?.1)))
            ORDER BY at DESC, id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        var entries: [CustomerHistoryEntry] = []
        for try await (entryID, at, actorID, action, changes) in rows.decode((Int64, Date, String, String, String).self) {
            let action = try CustomerHistoryEntry.Action(stored: action, column: "customer_history.action")
            entries.append(
                CustomerHistoryEntry(
                    at: at,
                    actorID: actorID,
                    action: action,
                    changes: try JSONCoding.decoder.decode([String: JSONValue].self, from: Data(changes.utf8)),
                    entryID: entryID
                )
            )
        }
        return entries
    }

    private static let columns =
        "id, name, region, industry, address, notes, owner_id, contacts::text, version, created_at, updated_at, archived_at, latitude::text, longitude::text, "
        + "credit_code, level, source, external_id, merged_into"

    private static func decode(_ row: PostgresRow) throws -> Customer {
        let (id, name, region, industry, address, notes, ownerID, contacts, version, createdAt, updatedAt, archivedAt, latitude, longitude) =
            try row.decode((RecordID, String, String, String, String?, String?, String?, String, Int64, Date, Date, Date?, String?, String?).self)
        let (creditCode, level, source, externalID, mergedInto) = try Self.decodeMasterData(row)
        return Customer(
            id: id,
            name: name,
            region: region,
            industry: industry,
            address: address,
            notes: notes,
            ownerID: ownerID,
            contacts: try JSONCoding.decoder.decode([CustomerContact].self, from: Data(contacts.utf8)),
            version: version,
            createdAt: createdAt,
            updatedAt: updatedAt,
            archived: archivedAt != nil,
            archivedAt: archivedAt,
            location: try GeoPoint(storedLatitude: latitude, longitude: longitude),
            creditCode: creditCode,
            level: try level.map { try CustomerLevel(stored: $0, column: "customers.level") },
            source: try source.map { try CustomerSource(stored: $0, column: "customers.source") },
            externalID: externalID,
            mergedInto: mergedInto
        )
    }

    /// Columns 14…18 (the master data of issue 10); PostgresNIO decodes tuples of at most 15 columns at once.
    private static func decodeMasterData(_ row: PostgresRow) throws -> (String?, String?, String?, String?, RecordID?) {
        let cells = Array(row)
        return (
            try cells[14].decode(String?.self),
            try cells[15].decode(String?.self),
            try cells[16].decode(String?.self),
            try cells[17].decode(String?.self),
            try cells[18].decode(RecordID?.self)
        )
    }

    private static func encodeContacts(_ contacts: [CustomerContact]) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(contacts), as: UTF8.self)
    }

    private static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
