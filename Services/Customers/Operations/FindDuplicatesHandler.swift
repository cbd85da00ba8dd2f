import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.findDuplicates` (`GET /customers/duplicates?name=&creditCode=&mobile=`): the live customers that look
/// like what the caller is about to enter (``DuplicateRule``), so a form can warn before the whole customer is typed.
/// A match in the caller's scope comes with the customer; one outside it says only that it exists and who to ask.
struct FindDuplicatesHandler: Sendable {
    static let operation = "customers.findDuplicates"

    let postgres: PostgresClient
    let repository: any CustomerRepository
    let users: OrgReplica
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let query = request.query
        var errors: [Problem.FieldError] = []
        var probe = DuplicateRule.Probe()
        if let name = query["name"]?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty {
            if name.count > 200 { errors.append(.init(field: "name", message: "is longer than 200 characters")) }
            let normalized = DuplicateRule.normalizedName(name)
            probe.normalizedName = normalized.isEmpty ? nil : normalized
        }
        if let code = query["creditCode"], !CreditCode.normalized(code).isEmpty {
            probe.creditCode = CustomerRules.creditCode(code, into: &errors)
        }
        if let mobile = query["mobile"]?.trimmingCharacters(in: .whitespaces), !mobile.isEmpty {
            if let phone = CustomerRules.normalizedPhone(mobile), DuplicateRule.isMobile(phone) {
                probe.mobiles = [phone]
            } else {
                errors.append(.init(field: "mobile", message: "is not a mainland China mobile number"))
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        guard !probe.isEmpty else {
            throw Problem.validation([.init(field: "name", message: "give at least one of name, creditCode, mobile")])
        }
        let items = try await postgres.withConnection { connection in
            let check = DuplicateCheck(repository: repository, users: users)
            return try await check.entries(try await check.matches(probe, excluding: nil, on: connection), scope: scope, on: connection)
        }
        return try .json(["items": JSONValue.array(items.map(JSONValue.object))])
    }
}
