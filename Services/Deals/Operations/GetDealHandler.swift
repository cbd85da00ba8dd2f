import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.getDeal`: one deal by id, if it is in the caller's scope (otherwise 404, as if it did not exist).
struct GetDealHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("deal")
        let deal = try await postgres.withConnection { connection in
            try await store.deals.find(id: id, on: connection, forUpdate: false)
        }
        return try .json(try scope.visible(deal, "deal", id: id))
    }
}
