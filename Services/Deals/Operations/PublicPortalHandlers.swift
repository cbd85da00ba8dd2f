import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// The customer's public page, reached without a login through the gateway's rate-limited public routes; the path id
/// is the link's token, and an unknown, malformed or revoked token answers 404 like a page that does not exist.
/// The caller identity is the gateway's anonymous visitor and is not used: the token alone decides what is shown.
/// - `deals.getPublicPortal` (`GET /public/portal/{id}`): ``PublicPortalView``.
/// - `deals.getPublicInvoicePDF` (`GET /public/portal/{id}/invoice.pdf?invoiceId=`): one of the customer's invoices.
/// - `deals.submitServiceRequest` (`POST /public/portal/{id}/service-requests`): an after-sales request (201), a task
///   for the customer's owner, published as `service_request.submitted`.
struct PublicPortalHandlers: Sendable {
    static let view = "deals.getPublicPortal"
    static let invoicePDF = "deals.getPublicInvoicePDF"
    static let submitServiceRequest = "deals.submitServiceRequest"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func register(on router: inout RPCRouter) {
        router.on(Self.view, view)
        router.on(Self.invoicePDF, invoicePDF)
        router.on(Self.submitServiceRequest, submit)
    }

    static let notFound = Problem.notFound("This self-service link does not exist or was revoked.")

    /// The live link of the path's token.
    func link(_ request: RPCRequest, on connection: PostgresConnection) async throws -> PortalLink {
        guard let token = request.pathID, PortalLink.isWellFormed(token),
            let link = try await store.portal.liveLink(token: token, on: connection)
        else { throw Self.notFound }
        return link
    }

    func view(_ request: RPCRequest) async throws -> RPCResponse {
        let view = try await postgres.withConnection { connection in
            let link = try await link(request, on: connection)
            return try await publicView(of: link, on: connection)
        }
        return try RPCResponse.json(view).with(headers: ["cache-control": "no-store"])
    }

    /// What the customer of `link` may see, on `today` (Asia/Shanghai).
    func publicView(
        of link: PortalLink,
        today: CalendarDay = BusinessCalendar.day(of: Date()),
        on connection: PostgresConnection
    ) async throws
        -> PublicPortalView
    {
        guard let customer = try await store.customers.find(id: link.customerID, on: connection) else { throw Self.notFound }
        var owner: PublicPortalView.Owner?
        if let ownerID = customer.ownerID, let user = try await store.org.user(id: ownerID, on: connection) {
            owner = .init(name: user.displayName, phone: link.showOwnerPhone ? user.mobile : nil)
        }
        var contracts: [PublicPortalView.Contract] = []
        for contract in try await store.portal.signedContracts(customerID: customer.id, on: connection) {
            let shipped = try await store.shipments.shipped(contractID: contract.id, on: connection)
            let lines = contract.lines.enumerated().map { index, line in
                let sent = min(shipped[index + 1] ?? 0, line.quantity)
                return PublicPortalView.Line(name: line.productName, quantity: line.quantity, shipped: sent, remaining: line.quantity - sent)
            }
            // The payments' own rules: what is paid and outstanding, and the due day of one that follows the delivery.
            let deliveredOn = try await store.shipments.deliveredAt(contractID: contract.id, on: connection).map(BusinessCalendar.day(of:))
            let installments = try await PaymentRepository(logger: store.logger).installments(contractID: contract.id, on: connection).map {
                stored in
                let outstanding = max(0, stored.outstandingFen)
                let dueOn = stored.dueDay(deliveredOn: deliveredOn)?.description
                return PublicPortalView.Installment(
                    label: stored.label,
                    amountFen: stored.amountFen,
                    dueOn: dueOn,
                    paidFen: stored.paidFen,
                    outstandingFen: outstanding,
                    status: PublicPortalView.installmentStatus(outstandingFen: outstanding, dueOn: dueOn, today: today.description)
                )
            }
            let paid = installments.reduce(Fen(0)) { $0 + $1.paidFen }
            let invoices = try await store.invoices.list(contractID: contract.id, on: connection).map { invoice in
                PublicPortalView.Invoice(
                    id: invoice.id.description,
                    number: invoice.number,
                    issuedOn: invoice.issuedOn,
                    amountFen: invoice.amountFen,
                    hasPdf: invoice.hasPdf
                )
            }
            contracts.append(
                PublicPortalView.Contract(
                    id: contract.id.description,
                    number: contract.number,
                    signedOn: BusinessCalendar.day(of: contract.signedAt).description,
                    amountFen: contract.amountFen,
                    deliveryStatus: PublicPortalView.deliveryStatus(lines, delivered: contract.deliveredAt != nil),
                    deliveredOn: contract.deliveredAt.map { BusinessCalendar.day(of: $0).description },
                    lines: lines,
                    paidFen: paid,
                    outstandingFen: installments.isEmpty
                        ? contract.amountFen : installments.reduce(Fen(0)) { $0 + $1.outstandingFen },
                    installments: installments,
                    invoices: invoices
                )
            )
        }
        return PublicPortalView(customerName: customer.name, owner: owner, contracts: contracts)
    }

    func invoicePDF(_ request: RPCRequest) async throws -> RPCResponse {
        guard let invoiceID = request.query["invoiceId"].flatMap(RecordID.init) else {
            throw Problem.validation([.init(field: "invoiceId", message: "is not an invoice id")])
        }
        return try await postgres.withConnection { connection in
            let link = try await link(request, on: connection)
            let notFound = Problem.notFound("No invoice \(invoiceID).")
            guard let invoice = try await store.invoices.find(id: invoiceID, on: connection),
                try await store.portal.signedContracts(customerID: link.customerID, on: connection).contains(where: { $0.id == invoice.contractId }),
                let bytes = try await store.invoices.pdf(id: invoiceID, on: connection)
            else { throw notFound }
            return InvoiceHandlers.pdfResponse(invoice, bytes: bytes)
        }
    }

    func submit(_ request: RPCRequest) async throws -> RPCResponse {
        let draft = try request.decode(ServiceRequestDraft.self).checked()
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let link = try await link(request, on: connection)
            guard let customer = try await store.customers.find(id: link.customerID, on: connection) else { throw Self.notFound }
            var contractNumber: String?
            if let contractID = draft.contractId.flatMap(RecordID.init) {
                guard
                    let contract = try await store.portal.signedContracts(customerID: customer.id, on: connection).first(where: {
                        $0.id == contractID
                    })
                else { throw Problem.validation([.init(field: "contractId", message: "is not one of your contracts")]) }
                contractNumber = contract.number
            }
            let serviceRequest = ServiceRequest(
                id: RecordID(),
                customerId: customer.id,
                customerName: customer.name,
                contractId: draft.contractId.flatMap(RecordID.init),
                contractNumber: contractNumber,
                ownerId: customer.ownerID,
                region: customer.region,
                contactName: draft.contactName,
                phone: draft.phone,
                description: draft.description,
                status: "open",
                submittedAt: Date()
            )
            try await store.serviceRequests.insert(serviceRequest, on: connection)
            let event = ServiceRequestSubmitted(
                requestID: serviceRequest.id.description,
                customerID: customer.id,
                customerName: customer.name,
                ownerID: customer.ownerID,
                region: customer.region,
                contractNumber: contractNumber,
                contactName: draft.contactName,
                phone: draft.phone,
                description: draft.description,
                submittedAt: serviceRequest.submittedAt
            )
            let envelope = try EventEnvelope(
                event,
                source: DealsService.name,
                subject: event.requestID,
                sequence: 1,
                time: serviceRequest.submittedAt,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(envelope, on: connection, logger: logger)
            // The customer learns only that the request arrived.
            return try .json(Submitted(id: serviceRequest.id.description, submittedAt: serviceRequest.submittedAt), status: 201)
        }
    }

    /// The answer of `deals.submitServiceRequest`.
    struct Submitted: Encodable {
        var id: String
        var submittedAt: Date
    }
}

extension RPCResponse {
    /// The response with `headers` added.
    func with(headers extra: [String: String]) -> RPCResponse {
        RPCResponse(status: status, body: body, contentType: contentType, headers: headers.merging(extra) { _, new in new })
    }
}
