public import Contracts
import Foundation

/// When two customers are likely the same company (issue 10), without I/O.
///
/// Three signs, strongest first:
/// - the same unified social credit code (a hard rule: a live customer's code is unique);
/// - the same normalized name: full-width characters made half-width, letters lower-cased, whitespace and
///   punctuation (also Chinese: （）【】·、，。) removed, and the legal-form suffix 股份有限公司 / 有限责任公司 / 有限公司
///   stripped, so `华为技术有限公司` and `华为技术（有限责任公司）` are one name but `华为` and `华为技术` are not;
/// - a contact's mainland mobile (11 digits) that belongs to a contact of another live customer.
///
/// Name and mobile matches are likely, not certain: the caller may confirm and save anyway (`confirmDuplicate`).
public enum DuplicateRule {
    /// Why a customer looks like another.
    public enum Reason: String, Sendable, Codable, Comparable {
        case creditCode = "credit_code"
        case name
        case mobile

        var rank: Int {
            switch self {
            case .creditCode: 0
            case .name: 1
            case .mobile: 2
            }
        }

        public static func < (lhs: Reason, rhs: Reason) -> Bool { lhs.rank < rhs.rank }
    }

    /// Legal-form suffixes, longest first, so 股份有限公司 is not cut to 股份.
    static let legalFormSuffixes = ["股份有限公司", "有限责任公司", "有限公司"]

    /// The name as duplicates are compared; stored in `customers.normalized_name`.
    public static func normalizedName(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in halfWidth(name).unicodeScalars where !isIgnorable(scalar) {
            scalars.append(scalar)
        }
        var normalized = String(scalars).lowercased()
        if let suffix = legalFormSuffixes.first(where: { normalized.hasSuffix($0) && normalized.count > $0.count }) {
            normalized.removeLast(suffix.count)
        }
        return normalized
    }

    /// The distinct mainland mobiles (11 digits, after ``CustomerRules`` normalization) of a customer's contacts.
    public static func mobiles(of contacts: [CustomerContact]) -> [String] {
        var seen: Set<String> = []
        var mobiles: [String] = []
        for contact in contacts {
            guard let phone = contact.phone.flatMap(CustomerRules.normalizedPhone), isMobile(phone), seen.insert(phone).inserted else {
                continue
            }
            mobiles.append(phone)
        }
        return mobiles
    }

    /// Whether `phone` (already normalized) is an 11-digit mainland mobile.
    static func isMobile(_ phone: String) -> Bool {
        phone.count == 11 && phone.hasPrefix("1") && phone.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Full-width forms (U+FF01–FF5E) as their ASCII counterparts, the ideographic space as a space.
    static func halfWidth(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0xFF01...0xFF5E).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalars.append(ascii)
            } else if scalar.value == 0x3000 {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    private static func isIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
            .control, .format:
            return true
        default:
            return false
        }
    }
}

extension DuplicateRule {
    /// What a new or changed customer is compared by.
    public struct Probe: Sendable, Equatable {
        public var creditCode: String?
        /// Already normalized by ``DuplicateRule/normalizedName(_:)``; `nil` to skip the name.
        public var normalizedName: String?
        public var mobiles: [String]

        public init(creditCode: String? = nil, normalizedName: String? = nil, mobiles: [String] = []) {
            self.creditCode = creditCode
            self.normalizedName = normalizedName
            self.mobiles = mobiles
        }

        /// The probe for a customer's validated fields.
        public init(_ fields: CustomerRules.Fields) {
            self.init(
                creditCode: fields.creditCode,
                normalizedName: DuplicateRule.normalizedName(fields.name),
                mobiles: DuplicateRule.mobiles(of: fields.contacts)
            )
        }

        public var isEmpty: Bool { creditCode == nil && normalizedName == nil && mobiles.isEmpty }
    }

    /// A live customer that looks like the probe, and why.
    public struct Match: Sendable, Equatable {
        public var reason: Reason
        public var customer: Customer

        public init(reason: Reason, customer: Customer) {
            self.reason = reason
            self.customer = customer
        }
    }

    /// Who to ask about a customer the caller may not see: its owner while active, else the owner's supervisor.
    public struct Contact: Sendable, Equatable {
        public var userID: String
        public var displayName: String
    }

    /// Whether these matches stop a save: a credit-code match always, a name or mobile match unless confirmed.
    public static func blocks(_ matches: [Match], confirmed: Bool) -> Bool {
        matches.contains { $0.reason == .creditCode } || (!matches.isEmpty && !confirmed)
    }

    /// The 409 answer (type `.../duplicate-customer`): each match with the customer when `isVisible` says the caller
    /// may see it, otherwise only that it exists and who to ask (`askWho`), never its id or name.
    public static func problem(
        _ matches: [Match],
        isVisible: (Customer) -> Bool,
        askWho: (Customer) -> Contact?
    ) -> Problem {
        var problem = Problem.conflict(
            matches.contains { $0.reason == .creditCode }
                ? "A customer with this unified social credit code exists."
                : "A customer that looks the same exists; check it, or save anyway with \"confirmDuplicate\": true."
        )
        problem.type = "https://salesdesk.example/problems/duplicate-customer"
        problem.title = "Duplicate customer"
        problem.extensions = [
            "matches": .array(matches.map { .object(entry($0, visible: isVisible($0.customer), askWho: askWho($0.customer))) }),
            "confirmable": .bool(!matches.contains { $0.reason == .creditCode }),
        ]
        return problem
    }

    /// One match as the API shows it (`DuplicateMatch` in the OpenAPI document).
    public static func entry(_ match: Match, visible: Bool, askWho: Contact?) -> [String: JSONValue] {
        var entry: [String: JSONValue] = ["reason": .string(match.reason.rawValue), "inScope": .bool(visible)]
        if visible {
            let customer = match.customer
            entry["customer"] = .object([
                "id": .string(customer.id.description),
                "name": .string(customer.name),
                "region": .string(customer.region),
                "ownerId": customer.ownerID.map(JSONValue.string) ?? .null,
                "status": .string(customer.status.rawValue),
            ])
        }
        if let askWho {
            entry["askWho"] = .string(askWho.displayName)
        }
        return entry
    }
}
