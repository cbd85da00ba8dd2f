import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `reporting.summary`: headline figures from the projections, within the caller's scope (a rep counts their own
/// customers, a supervisor their team's, a regional manager their region's).
struct SummaryHandler: Sendable {
    let postgres: PostgresClient
    let repository: ReportingRepository

    struct Summary: Encodable {
        var customers: Int
        var customersByRegion: [String: Int]
        var customersByIndustry: [String: Int]
        var asOf: Date
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = DataScope(try request.requireIdentity())
        let counts = try await postgres.withConnection { connection in
            try await repository.customerCounts(scope: scope, on: connection)
        }
        return try .json(
            Summary(customers: counts.total, customersByRegion: counts.byRegion, customersByIndustry: counts.byIndustry, asOf: Date())
        )
    }
}
