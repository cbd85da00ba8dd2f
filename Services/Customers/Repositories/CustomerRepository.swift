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
    /// `false` (the default): active customers only; `true`: archived ones only; `nil`: both.
    public var archived: Bool?

    public init(region: String? = nil, industry: String? = nil, ownerID: String? = nil, nameContains: String? = nil, archived: Bool? = false) {
        self.region = region
        self.industry = industry
        self.ownerID = ownerID
        self.nameContains = nameContains
        self.archived = archived
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
                                   latitude, longitude)
            VALUES (\(customer.id), \(customer.name), \(customer.region), \(customer.industry), \(customer.address), \(customer.notes),
                    \(customer.ownerID), \(contacts)::jsonb, \(customer.version), \(customer.createdAt), \(customer.updatedAt),
                    \(latitude)::numeric(9,6), \(longitude)::numeric(9,6))
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
                archived_at = \(customer.archivedAt), latitude = \(latitude)::numeric(9,6), longitude = \(longitude)::numeric(9,6)
            WHERE id = \(customer.id)
            """,
            logger: logger
        )
    }

    public func list(
        _ filter: CustomerFilter,
        scope: DataScope,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [Customer] {
        let cursor = page.cursor
        let pattern = filter.nameContains.map { "%" + Self.escapeLike($0) + "%" }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM customers
            WHERE (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
              AND (\(scope.region)::text IS NULL OR region = \(scope.region))
              AND (\(filter.region)::text IS NULL OR region = \(filter.region))
              AND (\(filter.industry)::text IS NULL OR industry = \(filter.industry))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(pattern)::text IS NULL OR name ILIKE \(pattern))
              AND (\(filter.archived)::boolean IS NULL OR (archived_at IS NOT NULL) = \(filter.archived))
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
        "id, name, region, industry, address, notes, owner_id, contacts::text, version, created_at, updated_at, archived_at, latitude::text, longitude::text"

    private static func decode(_ row: PostgresRow) throws -> Customer {
        let (id, name, region, industry, address, notes, ownerID, contacts, version, createdAt, updatedAt, archivedAt, latitude, longitude) =
            try row.decode((RecordID, String, String, String, String?, String?, String?, String, Int64, Date, Date, Date?, String?, String?).self)
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
            location: try GeoPoint(storedLatitude: latitude, longitude: longitude)
        )
    }

    private static func encodeContacts(_ contacts: [CustomerContact]) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(contacts), as: UTF8.self)
    }

    private static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
