import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Deals

/// The customer portal (客户自助, issue 11) against a real PostgreSQL schema: self-service links and their scope, the
/// public page and what it leaves out, revocation, invoices, and after-sales requests.
@Suite("Customer portal")
struct PortalTests {
    let deals = DealOperationsTests()
    static let rep = DealOperationsTests.rep
    static let finance = CallerIdentity(userID: "finance", role: .finance)
    static let visitor = CallerIdentity.publicVisitor

    struct LinkView: Decodable {
        var customerId: String
        var url: String
        var path: String
        var showOwnerPhone: Bool
    }

    /// The token of a link's page path (`/portal.html#<token>`).
    static func token(_ link: LinkView) -> String {
        String(link.path.split(separator: "#").last ?? "")
    }

    /// rep-1's customer with a signed contract (v2: 10,000 bolts and six gears), the org seeded.
    func signedContract(_ service: RPCHarness) async throws -> ContractView {
        try await Org.seed(service)
        let (_, contract) = try await deals.submittedContract(service)
        try await service.deliver(deals.approval(of: contract, .approved), source: "approvals", subject: "ap-1", sequence: 4)
        let signed = await service.call(Operation.Deals.signContract, as: Self.rep, id: contract.id)
        #expect(signed.status == 200, "\(signed.text)")
        return try signed.decode(ContractView.self)
    }

    func createLink(
        _ service: RPCHarness,
        customer: String = DealOperationsTests.customerID,
        showPhone: Bool = false,
        renew: Bool = false
    )
        async throws -> LinkView
    {
        let reply = await service.call(
            PortalLinkHandlers.create,
            as: Self.rep,
            #"{"showOwnerPhone":\#(showPhone),"renew":\#(renew)}"#,
            id: customer
        )
        #expect([200, 201].contains(reply.status), "\(reply.text)")
        return try reply.decode(LinkView.self)
    }

    func publicView(_ service: RPCHarness, _ token: String) async -> RPCResponse {
        await service.call(PublicPortalHandlers.view, as: Self.visitor, id: token)
    }

    /// Every object key anywhere in `value`, as `path.key` with array items as `[]`.
    static func keys(_ value: JSONValue, at path: String = "") -> Set<String> {
        switch value {
        case .object(let members):
            return members.reduce(into: Set<String>()) { keys, member in
                let named = path.isEmpty ? member.key : "\(path).\(member.key)"
                keys.insert(named)
                keys.formUnion(Self.keys(member.value, at: named))
            }
        case .array(let items): return items.reduce(into: Set<String>()) { $0.formUnion(Self.keys($1, at: "\(path)[]")) }
        default: return []
        }
    }

    @Test("the owner creates a link of 43 URL-safe characters; a rep of another customer gets 404, finance 403, and a new link needs renew")
    func createAndScope() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await deals.seedCustomer(service)
            let link = try await createLink(service)
            let token = Self.token(link)
            #expect(PortalLink.isWellFormed(token))
            #expect(link.url == "http://localhost:8080/portal.html#\(token)")
            #expect(await service.call(PortalLinkHandlers.get, as: Self.rep, id: link.customerId).status == 200)
            for identity in [DealOperationsTests.otherRep, Org.identity("rep-north")] {
                #expect(await service.call(PortalLinkHandlers.create, as: identity, #"{"showOwnerPhone":true}"#, id: link.customerId).status == 404)
                #expect(await service.call(PortalLinkHandlers.get, as: identity, id: link.customerId).status == 404)
                #expect(await service.call(PortalLinkHandlers.revoke, as: identity, id: link.customerId).status == 404)
            }
            #expect(await service.call(PortalLinkHandlers.create, as: Self.finance, #"{"showOwnerPhone":true}"#, id: link.customerId).status == 403)
            // The supervisor of the owner may manage it too.
            #expect(await service.call(PortalLinkHandlers.get, as: Org.identity("sup-1"), id: link.customerId).status == 200)
            // Changing the phone setting keeps the token; renew replaces it and the old one stops working.
            let toggled = try await createLink(service, showPhone: true)
            #expect(Self.token(toggled) == token && toggled.showOwnerPhone)
            let renewed = try await createLink(service, renew: true)
            #expect(Self.token(renewed) != token)
            #expect(await publicView(service, token).status == 404)
            #expect(await publicView(service, Self.token(renewed)).status == 200)
        }
    }

    @Test("the QR code endpoints answer the link as SVG and PNG, and 404 without a link")
    func qrCodes() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await deals.seedCustomer(service)
            #expect(await service.call(PortalLinkHandlers.qrSVG, as: Self.rep, id: DealOperationsTests.customerID).status == 404)
            let link = try await createLink(service)
            let svg = await service.call(PortalLinkHandlers.qrSVG, as: Self.rep, id: link.customerId)
            #expect(svg.status == 200 && svg.contentType == "image/svg+xml")
            #expect(svg.text == (try QRCode(link.url)).svg)
            let png = await service.call(PortalLinkHandlers.qrPNG, as: Self.rep, id: link.customerId)
            #expect(png.status == 200 && png.contentType == "image/png")
            #expect(Array(png.body.prefix(8)) == PNG.signature)
            #expect(png.headers["cache-control"] == "private, no-store")
        }
    }

    @Test("the public page shows the customer's signed contract, shipments, installments and invoices — and no other key")
    func publicViewIsMinimal() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let contract = try await signedContract(service)
            let contractID = try #require(UUID(uuidString: contract.id))
            // A plan of two installments (one long overdue) and a shipment, written here directly in place of the plan
            // signing proposed.
            let first = contract.amountFen * 3 / 10
            try await service.client.query("DELETE FROM payment_installments WHERE contract_id = \(contractID)", logger: service.logger)
            try await service.client.query(
                """
                INSERT INTO payment_installments (id, contract_id, sequence, label, amount_fen, due_on, created_at)
                VALUES (gen_random_uuid(), \(contractID), 1, '预付款', \(first), '2020-01-01', now());
                """,
                logger: service.logger
            )
            try await service.client.query(
                """
                INSERT INTO payment_installments (id, contract_id, sequence, label, amount_fen, due_after_delivery_days, created_at)
                VALUES (gen_random_uuid(), \(contractID), 2, '发货款', \(contract.amountFen - first), 30, now())
                """,
                logger: service.logger
            )
            let shipment = UUID()
            try await service.client.query(
                """
                INSERT INTO shipments (id, contract_id, shipped_on, carrier, recorded_by, recorded_at)
                VALUES (\(shipment), \(contractID), '2026-11-20', '顺丰', 'warehouse', now())
                """,
                logger: service.logger
            )
            try await service.client.query(
                "INSERT INTO shipment_lines (shipment_id, line_number, quantity) VALUES (\(shipment), 1, 4000)",
                logger: service.logger
            )
            let invoice = await service.call(
                InvoiceHandlers.create,
                as: Self.finance,
                #"{"number":"FP-0001","issuedOn":"2026-11-21","amountFen":100000}"#,
                id: contract.id
            )
            #expect(invoice.status == 201, "\(invoice.text)")
            let link = try await createLink(service, showPhone: false)
            let reply = await publicView(service, Self.token(link))
            #expect(reply.status == 200, "\(reply.text)")
            let json = try reply.json()
            #expect(
                Self.keys(json) == [
                    "customerName", "owner", "owner.name", "contracts", "contracts[].id", "contracts[].number", "contracts[].signedOn",
                    "contracts[].amountFen", "contracts[].deliveryStatus", "contracts[].lines", "contracts[].lines[].name",
                    "contracts[].lines[].quantity", "contracts[].lines[].shipped", "contracts[].lines[].remaining", "contracts[].paidFen",
                    "contracts[].outstandingFen", "contracts[].installments", "contracts[].installments[].label",
                    "contracts[].installments[].amountFen", "contracts[].installments[].dueOn", "contracts[].installments[].paidFen",
                    "contracts[].installments[].outstandingFen", "contracts[].installments[].status", "contracts[].invoices",
                    "contracts[].invoices[].id", "contracts[].invoices[].number", "contracts[].invoices[].issuedOn",
                    "contracts[].invoices[].amountFen", "contracts[].invoices[].hasPdf",
                ]
            )
            // No user id, cost or unit price anywhere in the text either.
            #expect(!reply.text.contains("rep-1") && !reply.text.contains("finance"))
            // The contract's cost (10,000 × 90 + 6 × 600,000 fen) and the gears' unit price appear nowhere.
            #expect(!reply.text.contains("4500000") && !reply.text.contains("1136459"))
            let view = try reply.decode(PublicView.self)
            #expect(view.customerName == DealOperationsTests.customerName)
            #expect(view.owner?.name == "张伟" && view.owner?.phone == nil)
            let shown = try #require(view.contracts.first)
            #expect(view.contracts.count == 1 && shown.number == contract.number && shown.amountFen == contract.amountFen)
            #expect(shown.deliveryStatus == "partly_shipped")
            #expect(shown.lines.map(\.shipped) == [4000, 0] && shown.lines.map(\.remaining) == [6000, 6])
            #expect(shown.installments.map(\.status) == ["overdue", "open"])
            #expect(shown.installments.map(\.dueOn) == ["2020-01-01", nil])
            #expect(shown.outstandingFen == contract.amountFen && shown.paidFen == 0)
            #expect(shown.invoices.map(\.number) == ["FP-0001"] && shown.invoices.first?.hasPdf == false)

            // The phone shows only when the owner chose it.
            _ = try await createLink(service, showPhone: true)
            #expect(try await publicView(service, Self.token(link)).decode(PublicView.self).owner?.phone == "13800000001")

            // Another customer's link shows that customer alone: no contract of this one.
            let other = "2d9a6c1e-0b7f-4f43-9a55-6f0f1b9e3c77"
            var snapshot = DealOperationsTests.customer(owner: "rep-1", version: 1)
            snapshot.id = other
            snapshot.name = "另一家客户"
            try await service.deliver(CustomerCreated(customer: snapshot), source: "customers", subject: other, sequence: 1)
            let otherLink = try await createLink(service, customer: other)
            let otherView = try await publicView(service, Self.token(otherLink)).decode(PublicView.self)
            #expect(otherView.customerName == "另一家客户" && otherView.contracts.isEmpty)
        }
    }

    @Test("a revoked, unknown or malformed token answers 404 at once, for the page, the invoice and the request form")
    func revoked() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            try await deals.seedCustomer(service)
            let link = try await createLink(service)
            let token = Self.token(link)
            #expect(await publicView(service, token).status == 200)
            let revoked = await service.call(PortalLinkHandlers.revoke, as: Self.rep, id: link.customerId)
            #expect(revoked.status == 200, "\(revoked.text)")
            #expect(await publicView(service, token).status == 404)
            #expect(await service.call(PortalLinkHandlers.get, as: Self.rep, id: link.customerId).status == 404)
            #expect(await service.call(PortalLinkHandlers.revoke, as: Self.rep, id: link.customerId).status == 404)
            let request = #"{"contactName":"王工","phone":"13900001111","description":"异响"}"#
            #expect(await service.call(PublicPortalHandlers.submitServiceRequest, as: Self.visitor, request, id: token).status == 404)
            #expect(
                await service.call(PublicPortalHandlers.invoicePDF, as: Self.visitor, id: token, query: "invoiceId=\(UUID())").status == 404
            )
            for bad in [PortalLink.newToken(), "short", String(repeating: "%", count: 43)] {
                #expect(await publicView(service, bad).status == 404)
            }
        }
    }

    @Test("an after-sales request becomes the owner's task with service_request.submitted; others in scope see it, others not")
    func serviceRequest() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let contract = try await signedContract(service)
            let token = Self.token(try await createLink(service))
            let bad = await service.call(
                PublicPortalHandlers.submitServiceRequest,
                as: Self.visitor,
                #"{"contactName":"","phone":"abc","description":"","contractId":"\#(UUID())"}"#,
                id: token
            )
            #expect(bad.status == 422)
            #expect(Set(try bad.problem().errors?.map(\.field) ?? []) == ["contactName", "phone", "description"])
            let foreign = await service.call(
                PublicPortalHandlers.submitServiceRequest,
                as: Self.visitor,
                #"{"contactName":"王工","phone":"13900001111","description":"异响","contractId":"\#(UUID())"}"#,
                id: token
            )
            #expect(foreign.status == 422, "a contract that is not the customer's: \(foreign.text)")
            let sent = await service.call(
                PublicPortalHandlers.submitServiceRequest,
                as: Self.visitor,
                #"{"contactName":"王工","phone":"139 0000 1111","description":"2 号机异响","contractId":"\#(contract.id)"}"#,
                id: token,
                key: "k-1"
            )
            #expect(sent.status == 201, "\(sent.text)")
            #expect(Self.keys(try sent.json()) == ["id", "submittedAt"])
            let again = await service.call(
                PublicPortalHandlers.submitServiceRequest,
                as: Self.visitor,
                #"{"contactName":"王工","phone":"139 0000 1111","description":"2 号机异响","contractId":"\#(contract.id)"}"#,
                id: token,
                key: "k-1"
            )
            #expect(again.text == sent.text)
            let events = try await service.outbox(ServiceRequestSubmitted.self)
            #expect(events.count == 1)
            #expect(events.first?.ownerID == "rep-1" && events.first?.contractNumber == contract.number)

            struct Item: Decodable, Sendable {
                var id: String
                var status: String
                var contractNumber: String?
            }
            let mine = try await service.call(ServiceRequestHandlers.list, as: Self.rep).decode(ListPage<Item>.self).items
            #expect(mine.count == 1 && mine.first?.contractNumber == contract.number)
            #expect(try await service.call(ServiceRequestHandlers.list, as: Org.identity("sup-1")).decode(ListPage<Item>.self).items.count == 1)
            #expect(try await service.call(ServiceRequestHandlers.list, as: DealOperationsTests.otherRep).decode(ListPage<Item>.self).items.isEmpty)
            #expect(try await service.call(ServiceRequestHandlers.list, as: Org.identity("rep-north")).decode(ListPage<Item>.self).items.isEmpty)
            let id = try #require(mine.first?.id)
            #expect(await service.call(ServiceRequestHandlers.complete, as: DealOperationsTests.otherRep, id: id).status == 404)
            let done = await service.call(ServiceRequestHandlers.complete, as: Self.rep, id: id)
            #expect(try done.decode(Item.self).status == "done")
            #expect(try await service.call(ServiceRequestHandlers.list, as: Self.rep, query: "status=open").decode(ListPage<Item>.self).items.isEmpty)
        }
    }

    @Test("invoices: finance only, a unique number, never past the contract amount, a signed contract, and a real PDF")
    func invoices() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let contract = try await signedContract(service)
            func create(_ number: String, _ amount: Fen, as identity: CallerIdentity = Self.finance) async -> RPCResponse {
                await service.call(
                    InvoiceHandlers.create,
                    as: identity,
                    #"{"number":"\#(number)","issuedOn":"2026-11-21","amountFen":\#(amount)}"#,
                    id: contract.id
                )
            }
            #expect(await create("FP-1", 100, as: Self.rep).status == 403)
            let first = await create("FP-1", contract.amountFen - 100)
            #expect(first.status == 201, "\(first.text)")
            #expect(await create("FP-1", 50).status == 409)
            let over = await create("FP-2", 101)
            #expect(over.status == 422)
            #expect(try over.problem().errors?.first?.field == "amountFen")
            #expect(await create("FP-2", 100).status == 201)
            #expect(await create("FP-3", 1).status == 422)

            struct Item: Decodable, Sendable {
                var id: String
                var hasPdf: Bool
            }
            let invoice = try first.decode(Item.self)
            func upload(_ bytes: [UInt8], as identity: CallerIdentity = Self.finance) async -> RPCResponse {
                var headers = identity.headers
                headers[RPC.Header.pathID] = invoice.id
                headers[RPC.Header.contentType] = "application/pdf"
                return await service.handle(RPCRequest(operation: InvoiceHandlers.upload, body: bytes, identity: identity, headers: headers))
            }
            let pdf = Array("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8)
            #expect(await upload(Array("<html>not a pdf</html>".utf8)).status == 422)
            #expect(await upload(pdf, as: Self.rep).status == 403)
            let uploaded = await upload(pdf)
            #expect(uploaded.status == 200, "\(uploaded.text)")
            #expect(try uploaded.decode(Item.self).hasPdf)
            let download = await service.call(InvoiceHandlers.pdf, as: Self.rep, id: invoice.id)
            #expect(download.status == 200 && download.body == pdf && download.contentType == "application/pdf")
            #expect(download.headers["content-disposition"] == "attachment; filename=\"invoice-FP-1.pdf\"")
            #expect(await service.call(InvoiceHandlers.pdf, as: DealOperationsTests.otherRep, id: invoice.id).status == 404)
            #expect(await service.call(InvoiceHandlers.list, as: DealOperationsTests.otherRep, id: contract.id).status == 404)
            let listed = try await service.call(InvoiceHandlers.list, as: Self.rep, id: contract.id).decode(ListPage<Item>.self)
            #expect(listed.items.count == 2)

            // The customer downloads it from the public page; another customer's token cannot.
            let token = Self.token(try await createLink(service))
            let mine = await service.call(PublicPortalHandlers.invoicePDF, as: Self.visitor, id: token, query: "invoiceId=\(invoice.id)")
            #expect(mine.status == 200 && mine.body == pdf)
            let other = "2d9a6c1e-0b7f-4f43-9a55-6f0f1b9e3c77"
            var snapshot = DealOperationsTests.customer(owner: "rep-1", version: 1)
            snapshot.id = other
            try await service.deliver(CustomerCreated(customer: snapshot), source: "customers", subject: other, sequence: 1)
            let otherToken = Self.token(try await createLink(service, customer: other))
            #expect(
                await service.call(PublicPortalHandlers.invoicePDF, as: Self.visitor, id: otherToken, query: "invoiceId=\(invoice.id)").status == 404
            )
        }
    }

    @Test("a contract that is not signed takes no invoice")
    func unsignedContract() async throws {
        try await RPCHarness.with(DealsService.self) { service in
            let (_, contract) = try await deals.draftContract(service)
            let reply = await service.call(
                InvoiceHandlers.create,
                as: Self.finance,
                #"{"number":"FP-9","issuedOn":"2026-11-21","amountFen":100}"#,
                id: contract.id
            )
            #expect(reply.status == 409)
        }
    }
}

/// The public page as a client decodes it.
struct PublicView: Decodable {
    struct Owner: Decodable {
        var name: String
        var phone: String?
    }
    struct Line: Decodable {
        var name: String
        var quantity: Int64
        var shipped: Int64
        var remaining: Int64
    }
    struct Installment: Decodable {
        var label: String
        var dueOn: String?
        var status: String
    }
    struct Invoice: Decodable {
        var number: String
        var hasPdf: Bool
    }
    struct Contract: Decodable {
        var number: String
        var amountFen: Fen
        var deliveryStatus: String
        var lines: [Line]
        var paidFen: Fen
        var outstandingFen: Fen
        var installments: [Installment]
        var invoices: [Invoice]
    }
    var customerName: String
    var owner: Owner?
    var contracts: [Contract]
}
