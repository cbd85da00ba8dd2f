import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.listNotVisited` (`GET /customers/not-visited?days=30`): active customers in the caller's scope whose
/// last visit (by anyone) was `days` or more Asia/Shanghai days ago, or who were never visited; never-visited first,
/// then the longest-unvisited, a page at a time. `days` is 1…3650, default 30.
struct NotVisitedCustomersHandler: Sendable {
    static let operation = "customers.listNotVisited"

    let postgres: PostgresClient
    let repository: FieldWorkRepository

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let days = try FieldWorkRules.days(request.query["days"])
        let today = BusinessCalendar.day(of: Date())
        let rows = try await postgres.withConnection { connection in
            try await repository.notVisited(days: days, today: today, scope: scope, page: page, on: connection)
        }
        let items = Array(rows.prefix(page.limit))
        let next = rows.count > page.limit ? items.last?.1.token : nil
        return try .json(Page(items: items.map(\.0), nextCursor: next))
    }
}

/// `customers.listOverdueFollowUps` (`GET /visits/follow-ups/overdue`): visits in the caller's scope (by rep, like
/// `GET /visits`) whose `nextFollowUpOn` is before today (Asia/Shanghai) and whose customer has had no visit since,
/// most overdue first, a page at a time. A later visit at the customer, by anyone, is the follow-up.
struct OverdueFollowUpsHandler: Sendable {
    static let operation = "customers.listOverdueFollowUps"

    let postgres: PostgresClient
    let repository: FieldWorkRepository

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let page = try request.pageRequest()
        let today = BusinessCalendar.day(of: Date())
        let rows = try await postgres.withConnection { connection in
            try await repository.overdueFollowUps(today: today, scope: scope, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: BusinessCalendar.start(of: $0.dueOn), id: $0.visitID.uuid) })
    }
}
