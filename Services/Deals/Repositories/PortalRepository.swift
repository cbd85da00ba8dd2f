import Contracts
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO
import ServiceRuntime

/// Portal links, and the queries behind a customer's public page.
struct PortalRepository: Sendable {
    let logger: Logger

    /// The customer's live link, if any.
    func liveLink(customerID: String, on connection: PostgresConnection) async throws -> PortalLink? {
        try await links(
            connection.query(
                "\(unescaped: Self.select) WHERE customer_id = \(customerID) AND revoked_at IS NULL",
                logger: logger
            )
        )
    }

    /// The live link holding `token`; a revoked or unknown token finds nothing.
    func liveLink(token: String, on connection: PostgresConnection) async throws -> PortalLink? {
        try await links(
            connection.query("\(unescaped: Self.select) WHERE token = \(token) AND revoked_at IS NULL", logger: logger)
        )
    }

    /// Revokes the customer's live link, if any.
    /// - Returns: whether there was one.
    @discardableResult
    func revoke(customerID: String, by actor: String, at time: Date, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE portal_links SET revoked_at = \(time), revoked_by = \(actor)
            WHERE customer_id = \(customerID) AND revoked_at IS NULL RETURNING 1
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    func setShowOwnerPhone(_ link: PortalLink, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE portal_links SET show_owner_phone = \(link.showOwnerPhone) WHERE id = \(link.id)", logger: logger)
    }

    func insert(_ link: PortalLink, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO portal_links (id, customer_id, token, show_owner_phone, created_by, created_at)
            VALUES (\(link.id), \(link.customerID), \(link.token), \(link.showOwnerPhone), \(link.createdBy), \(link.createdAt))
            """,
            logger: logger
        )
    }

    private static let select = "SELECT id, customer_id, token, show_owner_phone, created_by, created_at FROM portal_links"

    private func links(_ rows: PostgresRowSequence) async throws -> PortalLink? {
        for try await (id, customerID, token, showPhone, createdBy, createdAt) in rows.decode((RecordID, String, String, Bool, String, Date).self) {
            return PortalLink(id: id, customerID: customerID, token: token, showOwnerPhone: showPhone, createdBy: createdBy, createdAt: createdAt)
        }
        return nil
    }

    // MARK: The public page

    /// A signed contract of the customer, as the public page needs it.
    struct SignedContract: Sendable {
        var id: RecordID
        var number: String
        var signedAt: Date
        var amountFen: Fen
        var lines: [PricedLine]
        var deliveredAt: Date?
    }

    /// The customer's signed contracts, newest signature first.
    func signedContracts(customerID: String, on connection: PostgresConnection) async throws -> [SignedContract] {
        let rows = try await connection.query(
            """
            SELECT c.id, c.number, c.signed_at, c.amount_fen, c.lines::text, c.delivered_at
            FROM contracts c JOIN deals d ON d.id = c.deal_id
            WHERE d.customer_id = \(customerID) AND c.status = 'signed' AND c.signed_at IS NOT NULL
            ORDER BY c.signed_at DESC, c.id
            """,
            logger: logger
        )
        var contracts: [SignedContract] = []
        for try await (id, number, signedAt, amount, lines, deliveredAt) in rows.decode((RecordID, String, Date, Int64, String, Date?).self) {
            contracts.append(
                SignedContract(
                    id: id,
                    number: number,
                    signedAt: signedAt,
                    amountFen: amount,
                    lines: try JSONCoding.decoder.decode([PricedLine].self, from: Data(lines.utf8)),
                    deliveredAt: deliveredAt
                )
            )
        }
        return contracts
    }
}

/// Invoices and their electronic PDFs.
struct InvoiceRepository: Sendable {
    let logger: Logger

    private static let select = """
        SELECT id, contract_id, number, issued_on::text, amount_fen, pdf_bytes, pdf_uploaded_at, created_by, created_at FROM invoices
        """

    func insert(_ invoice: Invoice, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO invoices (id, contract_id, number, issued_on, amount_fen, created_by, created_at)
            VALUES (\(invoice.id), \(invoice.contractId), \(invoice.number), \(invoice.issuedOn)::date, \(invoice.amountFen),
                    \(invoice.createdBy), \(invoice.createdAt))
            """,
            logger: logger
        )
    }

    /// Whether an invoice already has this number (on any contract).
    func numberExists(_ number: String, on connection: PostgresConnection) async throws -> Bool {
        for try await _ in try await connection.query("SELECT 1 FROM invoices WHERE number = \(number)", logger: logger) { return true }
        return false
    }

    func invoicedFen(contractID: RecordID, on connection: PostgresConnection) async throws -> Fen {
        let rows = try await connection.query(
            "SELECT COALESCE(sum(amount_fen), 0)::bigint FROM invoices WHERE contract_id = \(contractID)",
            logger: logger
        )
        for try await (sum) in rows.decode(Int64.self) { return sum }
        return 0
    }

    /// The contract's invoices, oldest first.
    func list(contractID: RecordID, on connection: PostgresConnection) async throws -> [Invoice] {
        try await invoices(
            connection.query("\(unescaped: Self.select) WHERE contract_id = \(contractID) ORDER BY issued_on, created_at, id", logger: logger)
        )
    }

    func find(id: RecordID, on connection: PostgresConnection) async throws -> Invoice? {
        try await invoices(connection.query("\(unescaped: Self.select) WHERE id = \(id)", logger: logger)).first
    }

    func setPDF(id: RecordID, bytes: [UInt8], at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE invoices SET pdf = \(ByteBuffer(bytes: bytes)), pdf_bytes = \(bytes.count), pdf_uploaded_at = \(time) WHERE id = \(id)",
            logger: logger
        )
    }

    func pdf(id: RecordID, on connection: PostgresConnection) async throws -> [UInt8]? {
        let rows = try await connection.query("SELECT pdf FROM invoices WHERE id = \(id) AND pdf IS NOT NULL", logger: logger)
        for try await var buffer in rows.decode(ByteBuffer.self) { return buffer.readBytes(length: buffer.readableBytes) ?? [] }
        return nil
    }

    private func invoices(_ rows: PostgresRowSequence) async throws -> [Invoice] {
        var invoices: [Invoice] = []
        typealias Columns = (RecordID, RecordID, String, String, Int64, Int?, Date?, String, Date)
        for try await (id, contractID, number, issuedOn, amount, pdfBytes, uploadedAt, createdBy, createdAt) in rows.decode(Columns.self) {
            invoices.append(
                Invoice(
                    id: id,
                    contractId: contractID,
                    number: number,
                    issuedOn: issuedOn,
                    amountFen: amount,
                    hasPdf: pdfBytes != nil,
                    pdfBytes: pdfBytes,
                    pdfUploadedAt: uploadedAt,
                    createdBy: createdBy,
                    createdAt: createdAt
                )
            )
        }
        return invoices
    }
}

/// After-sales requests from the public page.
struct ServiceRequestRepository: Sendable {
    let logger: Logger

    private static let select = """
        SELECT s.id, s.customer_id, s.customer_name, s.contract_id, c.number, s.owner_id, s.region, s.contact_name, s.phone,
               s.description, s.status, s.submitted_at, s.done_at, s.done_by
        FROM service_requests s LEFT JOIN contracts c ON c.id = s.contract_id
        """

    func insert(_ request: ServiceRequest, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO service_requests (id, customer_id, customer_name, contract_id, owner_id, region, contact_name, phone, description,
                                          status, submitted_at)
            VALUES (\(request.id), \(request.customerId), \(request.customerName), \(request.contractId), \(request.ownerId), \(request.region),
                    \(request.contactName), \(request.phone), \(request.description), \(request.status), \(request.submittedAt))
            """,
            logger: logger
        )
    }

    func find(id: RecordID, forUpdate: Bool, on connection: PostgresConnection) async throws -> ServiceRequest? {
        let rows =
            forUpdate
            ? try await connection.query("\(unescaped: Self.select) WHERE s.id = \(id) FOR UPDATE OF s", logger: logger)
            : try await connection.query("\(unescaped: Self.select) WHERE s.id = \(id)", logger: logger)
        return try await requests(rows).first
    }

    func markDone(id: RecordID, by actor: String, at time: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE service_requests SET status = 'done', done_at = \(time), done_by = \(actor) WHERE id = \(id)",
            logger: logger
        )
    }

    /// The requests in `scope`, newest first, optionally only those with `status`.
    func list(status: String?, scope: DataScope, page: PageRequest, on connection: PostgresConnection) async throws -> [ServiceRequest] {
        let cursor = page.cursor
        return try await requests(
            connection.query(
                """
                \(unescaped: Self.select)
                WHERE (\(scope.ownerIDs)::text[] IS NULL OR s.owner_id = ANY(\(scope.ownerIDs)::text[]))
                  AND (\(scope.region)::text IS NULL OR s.region = \(scope.region))
                  AND (\(status)::text IS NULL OR s.status = \(status))
                  AND (\(cursor?.boundTime)::timestamptz IS NULL OR (s.submitted_at, s.id) < (\(cursor?.boundTime), \(cursor?.id)))
                ORDER BY s.submitted_at DESC, s.id DESC
                LIMIT \(page.fetchLimit)
                """,
                logger: logger
            )
        )
    }

    private func requests(_ rows: PostgresRowSequence) async throws -> [ServiceRequest] {
        var requests: [ServiceRequest] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            requests.append(
                ServiceRequest(
                    id: try cells["id"].decode(RecordID.self),
                    customerId: try cells["customer_id"].decode(String.self),
                    customerName: try cells["customer_name"].decode(String.self),
                    contractId: try cells["contract_id"].decode(RecordID?.self),
                    contractNumber: try cells["number"].decode(String?.self),
                    ownerId: try cells["owner_id"].decode(String?.self),
                    region: try cells["region"].decode(String.self),
                    contactName: try cells["contact_name"].decode(String.self),
                    phone: try cells["phone"].decode(String.self),
                    description: try cells["description"].decode(String.self),
                    status: try cells["status"].decode(String.self),
                    submittedAt: try cells["submitted_at"].decode(Date.self),
                    doneAt: try cells["done_at"].decode(Date?.self),
                    doneBy: try cells["done_by"].decode(String?.self)
                )
            )
        }
        return requests
    }
}
