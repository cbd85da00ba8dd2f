import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.listVisits` (`GET /visits?rep=&from=&to=&flagged=`) and `customers.listCustomerVisits`
/// (`GET /customers/{id}/visits`, 404 when the customer is out of scope): visits in the caller's scope (a rep their
/// own, a supervisor their team's, a regional manager their region's, gm, admin and finance all), newest check-in
/// first, a page at a time. `from` and `to` are Asia/Shanghai days, both inclusive; `flagged=true` keeps flagged
/// visits only. The filters narrow the scope and never widen it.
struct ListVisitsHandler: Sendable {
    /// All visits in scope.
    static let list = "customers.listVisits"
    /// One customer's visits.
    static let listOfCustomer = "customers.listCustomerVisits"

    let postgres: PostgresClient
    let customers: any CustomerRepository
    let visits: any VisitRepository
    /// Whether the path names a customer.
    let ofCustomer: Bool
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let customerID = ofCustomer ? try request.pathRecordID("customer") : nil
        var filter = ofCustomer ? VisitFilter(customerID: customerID) : try Self.filter(request.query)
        filter.customerID = customerID
        let rows = try await postgres.withConnection { connection in
            if let customerID {
                _ = try scope.visible(try await customers.find(id: customerID, on: connection, forUpdate: false), "customer", id: customerID)
            }
            return try await visits.list(filter, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.checkedInAt, id: $0.id.uuid) })
    }

    /// The filters of `GET /visits`; 422 naming the parameter for a bad one.
    static func filter(_ query: [String: String]) throws(Problem) -> VisitFilter {
        var errors: [Problem.FieldError] = []
        func day(_ name: String) -> CalendarDay? {
            guard let text = query[name], !text.isEmpty else { return nil }
            guard let day = CalendarDay(text) else {
                errors.append(.init(field: name, message: "must be a date YYYY-MM-DD"))
                return nil
            }
            return day
        }
        let from = day("from")
        let to = day("to")
        if let from, let to, to < from { errors.append(.init(field: "to", message: "must not be before from")) }
        var flaggedOnly = false
        switch query["flagged"] ?? "" {
        case "", "false": flaggedOnly = false
        case "true": flaggedOnly = true
        default: errors.append(.init(field: "flagged", message: "must be true or false"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return VisitFilter(
            repID: query["rep"].flatMap { $0.isEmpty ? nil : $0 },
            from: from.map(BusinessCalendar.start(of:)),
            // Asia/Shanghai has no daylight saving time, so the next day starts 24 hours later.
            until: to.map { BusinessCalendar.start(of: $0).addingTimeInterval(86_400) },
            flaggedOnly: flaggedOnly
        )
    }
}
