import Contracts
import Foundation
import ServiceRuntime

/// A customer's self-service link (客户自助): an unguessable token that opens the customer's public page until it is
/// revoked. One live link per customer; creating one replaces (revokes) the old.
struct PortalLink: Sendable, Equatable {
    var id: RecordID
    var customerID: String
    /// 32 random bytes, base64url without padding (43 characters, 256 bits).
    var token: String
    var showOwnerPhone: Bool
    var createdBy: String
    var createdAt: Date

    /// A new token from the system's cryptographically secure generator (`getrandom` on Linux).
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    /// Whether `text` has the shape of a token; anything else is answered 404 without a query.
    static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 43
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// The public page's path: the token travels in the fragment, which browsers never send, so it stays out of the
    /// gateway's and any proxy's request logs for the page itself.
    var pagePath: String { "/portal.html#\(token)" }

    /// The link as its owner sees it.
    struct View: Encodable, Equatable {
        var customerId: String
        var url: String
        var path: String
        var showOwnerPhone: Bool
        var createdAt: Date
    }

    func view(baseURL: String) -> View {
        View(customerId: customerID, url: baseURL + pagePath, path: pagePath, showOwnerPhone: showOwnerPhone, createdAt: createdAt)
    }
}

/// The body of `deals.createPortalLink`.
struct PortalLinkRequest: Decodable, Sendable {
    var showOwnerPhone: Bool
    /// Replace a live link with a new token (the old QR code stops working); otherwise a live link keeps its token and
    /// only takes `showOwnerPhone`.
    var renew: Bool?
}

/// The customer's public page (`GET /public/portal/{token}`): their own signed contracts and nothing else — no costs,
/// margins, unit prices or discounts, no other customer, no internal notes, no user ids; the owner's phone only when
/// the owner chose to show it. Every field is declared here, and a test checks the JSON keys exhaustively.
struct PublicPortalView: Encodable, Equatable {
    struct Owner: Encodable, Equatable {
        var name: String
        /// Present only when the link says so.
        var phone: String?
    }

    struct Line: Encodable, Equatable {
        var name: String
        var quantity: Int64
        var shipped: Int64
        var remaining: Int64
    }

    struct Installment: Encodable, Equatable {
        var label: String
        var amountFen: Fen
        /// `nil` until the delivery that starts its term.
        var dueOn: String?
        var paidFen: Fen
        var outstandingFen: Fen
        /// `settled` (nothing outstanding), `open`, or `overdue` (outstanding past its due date).
        var status: String
    }

    struct Invoice: Encodable, Equatable {
        var id: String
        var number: String
        var issuedOn: String
        var amountFen: Fen
        /// Whether the electronic invoice can be downloaded.
        var hasPdf: Bool
    }

    struct Contract: Encodable, Equatable {
        var id: String
        var number: String
        var signedOn: String
        var amountFen: Fen
        /// `not_shipped`, `partly_shipped` or `delivered`.
        var deliveryStatus: String
        var deliveredOn: String?
        var lines: [Line]
        var paidFen: Fen
        var outstandingFen: Fen
        var installments: [Installment]
        var invoices: [Invoice]
    }

    var customerName: String
    var owner: Owner?
    var contracts: [Contract]

    enum CodingKeys: String, CodingKey { case customerName, owner, contracts }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(customerName, forKey: .customerName)
        try container.encodeIfPresent(owner, forKey: .owner)
        try container.encode(contracts, forKey: .contracts)
    }

    /// The delivery status of lines with these ordered and shipped quantities.
    static func deliveryStatus(_ lines: [Line], delivered: Bool) -> String {
        if delivered || (!lines.isEmpty && lines.allSatisfy { $0.remaining == 0 }) { return "delivered" }
        return lines.contains { $0.shipped > 0 } ? "partly_shipped" : "not_shipped"
    }

    /// An installment's status as the customer sees it, on `today` (Asia/Shanghai, `YYYY-MM-DD`).
    static func installmentStatus(outstandingFen: Fen, dueOn: String?, today: String) -> String {
        if outstandingFen <= 0 { return "settled" }
        if let dueOn, dueOn < today { return "overdue" }
        return "open"
    }
}

/// The body of `deals.submitServiceRequest`, checked field by field (every bad field at once, as a 422).
struct ServiceRequestDraft: Decodable, Sendable {
    var contactName: String
    var phone: String
    var contractId: String?
    var description: String

    /// The draft trimmed, or a 422 naming every bad field.
    func checked() throws(Problem) -> ServiceRequestDraft {
        var errors: [Problem.FieldError] = []
        var draft = self
        draft.contactName = contactName.trimmingCharacters(in: .whitespacesAndNewlines)
        draft.phone = phone.trimmingCharacters(in: .whitespacesAndNewlines)
        draft.description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        draft.contractId = contractId.flatMap { $0.isEmpty ? nil : $0 }
        if draft.contactName.isEmpty || draft.contactName.count > 50 {
            errors.append(.init(field: "contactName", message: "must be 1–50 characters"))
        }
        let phoneCharacters = CharacterSet(charactersIn: "0123456789+- ()")
        if draft.phone.count < 5 || draft.phone.count > 30 || !draft.phone.unicodeScalars.allSatisfy(phoneCharacters.contains) {
            errors.append(.init(field: "phone", message: "must be 5–30 digits, spaces, +, - or parentheses"))
        }
        if draft.description.isEmpty || draft.description.count > 2000 {
            errors.append(.init(field: "description", message: "must be 1–2000 characters"))
        }
        if let id = draft.contractId, RecordID(id) == nil { errors.append(.init(field: "contractId", message: "is not a contract id")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return draft
    }
}

/// An after-sales request as its owner's task list shows it.
struct ServiceRequest: Encodable, Equatable, ScopedRecord {
    var id: RecordID
    var customerId: String
    var customerName: String
    var contractId: RecordID?
    var contractNumber: String?
    var ownerId: String?
    var region: String
    var contactName: String
    var phone: String
    var description: String
    /// `open` or `done`.
    var status: String
    var submittedAt: Date
    var doneAt: Date?
    var doneBy: String?

    var scopeOwnerID: String? { ownerId }
    var scopeRegion: String? { region }
}

/// An invoice (发票) issued against a contract.
struct Invoice: Encodable, Equatable {
    var id: RecordID
    var contractId: RecordID
    var number: String
    var issuedOn: String
    var amountFen: Fen
    var hasPdf: Bool
    var pdfBytes: Int?
    var pdfUploadedAt: Date?
    var createdBy: String
    var createdAt: Date
}

/// The body of `deals.createInvoice`.
struct InvoiceDraft: Decodable, Sendable {
    var number: String
    var issuedOn: String
    var amountFen: Fen

    /// The draft trimmed, or a 422 naming every bad field.
    func checked() throws(Problem) -> InvoiceDraft {
        var errors: [Problem.FieldError] = []
        var draft = self
        draft.number = number.trimmingCharacters(in: .whitespacesAndNewlines)
        if draft.number.isEmpty || draft.number.count > 40 { errors.append(.init(field: "number", message: "must be 1–40 characters")) }
        if CalendarDay(issuedOn) == nil { errors.append(.init(field: "issuedOn", message: "must be a date, YYYY-MM-DD")) }
        if amountFen <= 0 { errors.append(.init(field: "amountFen", message: "must be a positive amount in fen")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return draft
    }
}

/// The rules of invoices that need no database.
enum InvoiceRules {
    /// The largest electronic invoice PDF accepted.
    static let maxPDFBytes = 10 * 1_048_576

    /// Whether `bytes` start as a PDF file does (`%PDF-`).
    static func isPDF(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array("%PDF-".utf8))
    }

    /// The sum of a contract's invoices never exceeds its amount.
    static func check(amountFen: Fen, alreadyInvoicedFen: Fen, contractAmountFen: Fen) throws(Problem) {
        guard alreadyInvoicedFen + amountFen <= contractAmountFen else {
            throw Problem.validation([
                .init(
                    field: "amountFen",
                    message: "exceeds what is left to invoice on the contract (\(contractAmountFen - alreadyInvoicedFen) fen)"
                )
            ])
        }
    }
}
