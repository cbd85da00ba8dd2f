public import Contracts
import Foundation

/// Merging two records of one company (issue 10), without I/O: what the survivor looks like afterwards.
///
/// The survivor keeps its own master data and fills what it lacks (credit code, level, source, address, location)
/// from the merged customer; it gains the merged customer's contacts except those it already has (same mobile or
/// landline, or same email). Two different credit codes are two companies: they do not merge.
public enum CustomerMerge {
    /// Who may merge: managers (supervisor and above), within their scope.
    public static let roles: Set<Role> = [.supervisor, .regionalManager, .gm, .admin]

    /// The survivor after taking in `merged`; throws a 409 when the two cannot be one company.
    public static func survivor(_ survivor: Customer, absorbing merged: Customer) throws(Problem) -> Customer {
        if let kept = survivor.creditCode, let other = merged.creditCode, kept != other {
            throw Problem.conflict(
                "The two customers have different unified social credit codes (\(kept), \(other)); they are different companies."
            )
        }
        var result = survivor
        result.creditCode = survivor.creditCode ?? merged.creditCode
        result.level = survivor.level ?? merged.level
        result.source = survivor.source ?? merged.source
        result.address = survivor.address ?? merged.address
        result.location = survivor.location ?? merged.location
        result.contacts = contacts(survivor.contacts, adding: merged.contacts)
        return result
    }

    /// `kept` followed by those of `added` not reachable the same way as one already kept.
    public static func contacts(_ kept: [CustomerContact], adding added: [CustomerContact]) -> [CustomerContact] {
        var phones = Set(kept.compactMap { $0.phone.flatMap(CustomerRules.normalizedPhone) })
        var emails = Set(kept.compactMap { $0.email?.lowercased() })
        var result = kept
        for contact in added {
            let phone = contact.phone.flatMap(CustomerRules.normalizedPhone)
            let email = contact.email?.lowercased()
            if let phone, phones.contains(phone) { continue }
            if phone == nil, let email, emails.contains(email) { continue }
            if let phone { phones.insert(phone) }
            if let email { emails.insert(email) }
            result.append(contact)
        }
        return result
    }
}
