import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Finds a customer's likely duplicates (``DuplicateRule``) and phrases them for one caller: a match in their scope
/// with the customer, one outside it with only who to ask.
struct DuplicateCheck: Sendable {
    /// At most this many matches are reported.
    static let limit = 10

    let repository: any CustomerRepository
    let users: OrgReplica

    /// The live customers other than `excluding` that look like `probe`.
    func matches(_ probe: DuplicateRule.Probe, excluding: RecordID?, on connection: PostgresConnection) async throws -> [DuplicateRule.Match] {
        try await repository.duplicates(of: probe, excluding: excluding, limit: Self.limit, on: connection)
    }

    /// Throws the 409 ``Problem`` when `matches` stop the save (``DuplicateRule/blocks(_:confirmed:)``).
    func enforce(_ matches: [DuplicateRule.Match], confirmed: Bool, scope: DataScope, on connection: PostgresConnection) async throws {
        guard DuplicateRule.blocks(matches, confirmed: confirmed) else { return }
        let contacts = try await askWho(for: matches.map(\.customer), on: connection)
        throw DuplicateRule.problem(
            matches,
            isVisible: { scope.contains(ownerID: $0.ownerID, region: $0.region) },
            askWho: { contacts[$0.id] }
        )
    }

    /// The matches as the API lists them (`GET /customers/duplicates`).
    func entries(_ matches: [DuplicateRule.Match], scope: DataScope, on connection: PostgresConnection) async throws -> [[String: JSONValue]] {
        let contacts = try await askWho(for: matches.map(\.customer), on: connection)
        return matches.map {
            DuplicateRule.entry(
                $0,
                visible: scope.contains(ownerID: $0.customer.ownerID, region: $0.customer.region),
                askWho: contacts[$0.customer.id]
            )
        }
    }

    /// Per customer, who to ask about it: its owner while they are active, otherwise the first active manager above
    /// them in the org replica.
    private func askWho(for customers: [Customer], on connection: PostgresConnection) async throws -> [RecordID: DuplicateRule.Contact] {
        var contacts: [RecordID: DuplicateRule.Contact] = [:]
        for customer in customers {
            var next = customer.ownerID
            var hops = 0
            while let userID = next, hops < 6 {
                hops += 1
                guard let user = try await users.user(id: userID, on: connection) else { break }
                if user.active {
                    contacts[customer.id] = DuplicateRule.Contact(userID: user.id, displayName: user.displayName)
                    break
                }
                next = user.supervisorID
            }
        }
        return contacts
    }
}
