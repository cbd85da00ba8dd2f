public import Contracts
import Foundation

/// The rules a customer's master data must satisfy, without I/O.
///
/// "No contact, no save": a customer nobody can be reached at is worthless to the next rep who inherits it.
public enum CustomerRules {
    static let maxNameLength = 200
    static let maxIndustryLength = 64
    static let maxAddressLength = 500
    static let maxNotesLength = 4000
    static let maxContacts = 50

    /// The validated fields of a customer.
    public struct Fields: Sendable, Equatable {
        public var name: String
        public var region: String
        public var industry: String
        public var address: String?
        public var notes: String?
        public var contacts: [CustomerContact]
        public var creditCode: String? = nil
        public var level: CustomerLevel? = nil
        public var source: CustomerSource? = nil
        public var externalID: String? = nil
    }

    /// Validates a new customer; throws a 422 problem listing every invalid field.
    public static func validate(_ draft: CustomerDraft) throws(Problem) -> Fields {
        var errors: [Problem.FieldError] = []
        let name = text(draft.name, field: "name", max: maxNameLength, required: true, into: &errors)
        let region = regionCode(draft.region, field: "region", required: true, into: &errors)
        let industry = text(draft.industry, field: "industry", max: maxIndustryLength, required: true, into: &errors)
        let address = text(draft.address, field: "address", max: maxAddressLength, required: false, into: &errors)
        let notes = text(draft.notes, field: "notes", max: maxNotesLength, required: false, into: &errors)
        let contacts = validateContacts(draft.contacts, into: &errors)
        let creditCode = creditCode(draft.creditCode, into: &errors)
        let level: CustomerLevel? = choice(draft.level, field: "level", into: &errors)
        let source: CustomerSource? = choice(draft.source, field: "source", into: &errors)
        let externalID = text(draft.externalID, field: "externalId", max: 100, required: false, into: &errors)
        guard errors.isEmpty, let name, let region, let industry else { throw Problem.validation(errors) }
        return Fields(
            name: name,
            region: region,
            industry: industry,
            address: address,
            notes: notes,
            contacts: contacts,
            creditCode: creditCode,
            level: level,
            source: source,
            externalID: externalID
        )
    }

    /// A credit code: absent or empty is none; otherwise it must pass ``CreditCode`` and is stored normalized.
    static func creditCode(_ value: String?, into errors: inout [Problem.FieldError]) -> String? {
        guard let value, !CreditCode.normalized(value).isEmpty else { return nil }
        do {
            return try CreditCode.validate(value)
        } catch {
            errors.append(.init(field: "creditCode", message: "\(error)"))
            return nil
        }
    }

    /// One of an enumeration's raw values; absent or empty is none.
    static func choice<Value: RawRepresentable & CaseIterable>(
        _ value: String?,
        field: String,
        into errors: inout [Problem.FieldError]
    ) -> Value? where Value.RawValue == String {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        guard let choice = Value(rawValue: value) else {
            errors.append(.init(field: field, message: "must be one of " + Value.allCases.map(\.rawValue).joined(separator: ", ")))
            return nil
        }
        return choice
    }

    /// An archived customer is read-only until it is restored; a merged one for good.
    /// - Throws: a 409 ``Problem`` (type `.../customer-archived`) that says to restore the customer first, or the one
    ///   of ``requireNotMerged(_:)``.
    public static func requireEditable(_ customer: Customer) throws(Problem) {
        try requireNotMerged(customer)
        guard customer.archived else { return }
        var problem = Problem.conflict(
            "The customer is archived; restore it first (POST /api/v1/customers/\(customer.id)/restore), then edit it."
        )
        problem.type = "https://salesdesk.example/problems/customer-archived"
        problem.title = "Customer archived"
        throw problem
    }

    /// A customer merged into another is read-only for good.
    /// - Throws: a 409 ``Problem`` (type `.../customer-merged`) naming the survivor in `mergedInto`.
    public static func requireNotMerged(_ customer: Customer) throws(Problem) {
        guard let survivor = customer.mergedInto else { return }
        var problem = Problem.conflict(
            "The customer was merged into \(survivor) and is read-only; edit that customer (GET /api/v1/customers/\(survivor))."
        )
        problem.type = "https://salesdesk.example/problems/customer-merged"
        problem.title = "Customer merged"
        problem.extensions = ["mergedInto": .string(survivor.description)]
        throw problem
    }

    /// Applies a patch to a customer's current fields and validates the result.
    public static func apply(_ patch: CustomerPatch, to current: Fields) throws(Problem) -> (fields: Fields, changed: [String]) {
        var draft = CustomerDraft(
            name: patch.name ?? current.name,
            region: patch.region ?? current.region,
            industry: patch.industry ?? current.industry,
            address: patch.address ?? current.address,
            notes: patch.notes ?? current.notes,
            creditCode: patch.creditCode ?? current.creditCode,
            level: patch.level ?? current.level?.rawValue,
            source: patch.source ?? current.source?.rawValue,
            externalID: current.externalID
        )
        draft.contacts =
            patch.contacts
            ?? current.contacts.map { ContactDraft(name: $0.name, phone: $0.phone, email: $0.email, title: $0.title) }
        let fields = try validate(draft)
        var changed: [String] = []
        if fields.name != current.name { changed.append("name") }
        if fields.region != current.region { changed.append("region") }
        if fields.industry != current.industry { changed.append("industry") }
        if fields.address != current.address { changed.append("address") }
        if fields.notes != current.notes { changed.append("notes") }
        if fields.contacts != current.contacts { changed.append("contacts") }
        if fields.creditCode != current.creditCode { changed.append("creditCode") }
        if fields.level != current.level { changed.append("level") }
        if fields.source != current.source { changed.append("source") }
        return (fields, changed)
    }

    /// Mainland mobile (`13812345678`, `+86 138 1234 5678`) or landline (`021-12345678`) numbers.
    public static func normalizedPhone(_ value: String) -> String? {
        var digits = value.filter { !" -()".contains($0) }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("0086") { digits.removeFirst(4) }
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        if digits.count == 11, digits.hasPrefix("1"), let second = digits.dropFirst().first, "3456789".contains(second) { return digits }
        if digits.hasPrefix("0"), (10...12).contains(digits.count) { return value.trimmingCharacters(in: .whitespaces) }
        return nil
    }

    static func isEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            value.count <= 254, !value.contains(where: \.isWhitespace)
        else { return false }
        return true
    }

    private static func text(_ value: String?, field: String, max: Int, required: Bool, into errors: inout [Problem.FieldError]) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let trimmed, !trimmed.isEmpty else {
            if required { errors.append(.init(field: field, message: "is required")) }
            return nil
        }
        if trimmed.count > max {
            errors.append(.init(field: field, message: "is longer than \(max) characters"))
            return nil
        }
        return trimmed
    }

    private static func regionCode(_ value: String?, field: String, required: Bool, into errors: inout [Problem.FieldError]) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            if required { errors.append(.init(field: field, message: "is required")) }
            return nil
        }
        guard RegionCode.isValid(value) else {
            errors.append(.init(field: field, message: RegionCode.requirement))
            return nil
        }
        return value
    }

    private static func validateContacts(_ drafts: [ContactDraft]?, into errors: inout [Problem.FieldError]) -> [CustomerContact] {
        guard let drafts, !drafts.isEmpty else {
            errors.append(.init(field: "contacts", message: "at least one contact with a phone or an email is required"))
            return []
        }
        if drafts.count > maxContacts {
            errors.append(.init(field: "contacts", message: "at most \(maxContacts) contacts"))
            return []
        }
        var contacts: [CustomerContact] = []
        for (index, draft) in drafts.enumerated() {
            let field = "contacts[\(index)]"
            let name = text(draft.name, field: "\(field).name", max: 100, required: true, into: &errors)
            let title = text(draft.title, field: "\(field).title", max: 100, required: false, into: &errors)
            let phoneText = draft.phone?.trimmingCharacters(in: .whitespaces)
            let emailText = draft.email?.trimmingCharacters(in: .whitespaces).lowercased()
            var phone: String?
            var email: String?
            if let phoneText, !phoneText.isEmpty {
                phone = normalizedPhone(phoneText)
                if phone == nil { errors.append(.init(field: "\(field).phone", message: "is not a mainland China mobile or landline number")) }
            }
            if let emailText, !emailText.isEmpty {
                email = isEmail(emailText) ? emailText : nil
                if email == nil { errors.append(.init(field: "\(field).email", message: "is not an email address")) }
            }
            if (phoneText ?? "").isEmpty && (emailText ?? "").isEmpty {
                errors.append(.init(field: field, message: "needs a phone or an email (no contact, no save)"))
            }
            if let name { contacts.append(CustomerContact(name: name, phone: phone, email: email, title: title)) }
        }
        return contacts
    }
}

extension Customer {
    /// The fields the rules check and patch, as stored: what an update (by hand or by import) starts from.
    var ruleFields: CustomerRules.Fields {
        CustomerRules.Fields(
            name: name,
            region: region,
            industry: industry,
            address: address,
            notes: notes,
            contacts: contacts,
            creditCode: creditCode,
            level: level,
            source: source,
            externalID: externalID
        )
    }

    /// Takes the checked fields an update (by hand or by import) came to; the external id is the caller's to set.
    mutating func take(_ fields: CustomerRules.Fields) {
        name = fields.name
        region = fields.region
        industry = fields.industry
        address = fields.address
        notes = fields.notes
        contacts = fields.contacts
        creditCode = fields.creditCode
        level = fields.level
        source = fields.source
    }
}
