import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Invoices (发票) against a signed contract. Finance (and admin) issue them and upload the electronic invoice's PDF;
/// whoever sees the contract sees its invoices (404 outside the scope).
/// - `deals.createInvoice` (`POST /contracts/{id}/invoices`, `{number, issuedOn, amountFen}`): 201; the number is
///   unique (409), the invoices of a contract never sum past its amount (422), the contract must be signed (409).
/// - `deals.listInvoices` (`GET /contracts/{id}/invoices`).
/// - `deals.uploadInvoicePDF` (`PUT /invoices/{id}/pdf`, the PDF's bytes, at most 10 MB, starting `%PDF-`).
/// - `deals.getInvoicePDF` (`GET /invoices/{id}/pdf`).
struct InvoiceHandlers: Sendable {
    static let create = "deals.createInvoice"
    static let list = "deals.listInvoices"
    static let upload = "deals.uploadInvoicePDF"
    static let pdf = "deals.getInvoicePDF"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func register(on router: inout RPCRouter) {
        router.on(Self.create, create)
        router.on(Self.list, list)
        router.on(Self.upload, upload)
        router.on(Self.pdf, pdf)
    }

    /// The caller when they may issue invoices (403 otherwise).
    static func issuer(_ request: RPCRequest) throws(Problem) -> CallerIdentity {
        let identity = try request.requireIdentity()
        guard identity.role == .finance || identity.role == .admin else { throw Problem.forbidden("Only finance issues invoices.") }
        return identity
    }

    func create(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try Self.issuer(request)
        let scope = try request.dataScope()
        let contractID = try request.pathRecordID("contract")
        let draft = try request.decode(InvoiceDraft.self).checked()
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let contract = try scope.visible(
                try await store.contracts.find(id: contractID, on: connection, forUpdate: true),
                "contract",
                id: contractID
            )
            guard contract.status == .signed else { throw Problem.conflict("Only a signed contract is invoiced.") }
            guard try await !store.invoices.numberExists(draft.number, on: connection) else {
                throw Problem.conflict("An invoice numbered \(draft.number) already exists.")
            }
            let invoiced = try await store.invoices.invoicedFen(contractID: contract.id, on: connection)
            try InvoiceRules.check(amountFen: draft.amountFen, alreadyInvoicedFen: invoiced, contractAmountFen: contract.amountFen)
            let invoice = Invoice(
                id: RecordID(),
                contractId: contract.id,
                number: draft.number,
                issuedOn: draft.issuedOn,
                amountFen: draft.amountFen,
                hasPdf: false,
                pdfBytes: nil,
                pdfUploadedAt: nil,
                createdBy: caller.userID,
                createdAt: Date()
            )
            try await store.invoices.insert(invoice, on: connection)
            return try .json(invoice, status: 201)
        }
    }

    func list(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let contractID = try request.pathRecordID("contract")
        let invoices = try await postgres.withConnection { connection in
            _ = try scope.visible(try await store.contracts.find(id: contractID, on: connection, forUpdate: false), "contract", id: contractID)
            return try await store.invoices.list(contractID: contractID, on: connection)
        }
        return try .json(InvoiceList(items: invoices))
    }

    /// An invoice whose contract is in `scope`, or a 404.
    func invoice(_ request: RPCRequest, scope: DataScope, on connection: PostgresConnection) async throws -> Invoice {
        let id = try request.pathRecordID("invoice")
        let notFound = Problem.notFound("No invoice \(id).")
        guard let invoice = try await store.invoices.find(id: id, on: connection),
            let contract = try await store.contracts.find(id: invoice.contractId, on: connection, forUpdate: false),
            scope.contains(ownerID: contract.scopeOwnerID, region: contract.scopeRegion)
        else { throw notFound }
        return invoice
    }

    func upload(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try Self.issuer(request)
        let scope = try request.dataScope()
        let bytes = request.body
        guard bytes.count <= InvoiceRules.maxPDFBytes else { throw Problem.payloadTooLarge(limit: InvoiceRules.maxPDFBytes) }
        guard InvoiceRules.isPDF(bytes) else {
            throw Problem.validation([.init(field: "body", message: "is not a PDF file (it must start with %PDF-)")])
        }
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var invoice = try await invoice(request, scope: scope, on: connection)
            let now = Date()
            try await store.invoices.setPDF(id: invoice.id, bytes: bytes, at: now, on: connection)
            invoice.hasPdf = true
            invoice.pdfBytes = bytes.count
            invoice.pdfUploadedAt = now
            return try .json(invoice)
        }
    }

    func pdf(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        return try await postgres.withConnection { connection in
            let invoice = try await invoice(request, scope: scope, on: connection)
            guard let bytes = try await store.invoices.pdf(id: invoice.id, on: connection) else {
                throw Problem.notFound("Invoice \(invoice.number) has no PDF yet.")
            }
            return Self.pdfResponse(invoice, bytes: bytes)
        }
    }

    /// An invoice's PDF as a download named after its number.
    static func pdfResponse(_ invoice: Invoice, bytes: [UInt8]) -> RPCResponse {
        let name = invoice.number.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" ? String($0) : "_" }.joined()
        return RPCResponse(
            status: 200,
            body: bytes,
            contentType: "application/pdf",
            headers: [
                "content-disposition": "attachment; filename=\"invoice-\(name).pdf\"",
                "cache-control": "private, no-store",
                "x-content-type-options": "nosniff",
            ]
        )
    }
}

/// The answer of `deals.listInvoices`: every invoice of the contract (a contract has a handful).
struct InvoiceList: Encodable {
    var items: [Invoice]
}

/// The owner's after-sales tasks, in the caller's scope (404 outside it):
/// - `deals.listServiceRequests` (`GET /service-requests?status=open|done`, paged, newest first).
/// - `deals.completeServiceRequest` (`POST /service-requests/{id}/done`): marks it done (again: no change).
struct ServiceRequestHandlers: Sendable {
    static let list = "deals.listServiceRequests"
    static let complete = "deals.completeServiceRequest"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func register(on router: inout RPCRouter) {
        router.on(Self.list, list)
        router.on(Self.complete, complete)
    }

    func list(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let status = request.query["status"].flatMap { $0.isEmpty ? nil : $0 }
        if let status, !["open", "done"].contains(status) {
            throw Problem.validation([.init(field: "status", message: "must be open or done")])
        }
        let rows = try await postgres.withConnection { connection in
            try await store.serviceRequests.list(status: status, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.submittedAt, id: $0.id.uuid) })
    }

    func complete(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let id = try request.pathRecordID("service request")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var serviceRequest = try scope.visible(
                try await store.serviceRequests.find(id: id, forUpdate: true, on: connection),
                "service request",
                id: id
            )
            guard serviceRequest.status == "open" else { return try .json(serviceRequest) }
            let now = Date()
            try await store.serviceRequests.markDone(id: id, by: scope.caller.userID, at: now, on: connection)
            serviceRequest.status = "done"
            serviceRequest.doneAt = now
            serviceRequest.doneBy = scope.caller.userID
            return try .json(serviceRequest)
        }
    }
}
