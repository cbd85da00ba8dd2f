import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.getContract`: one contract by id, if its deal is in the caller's scope (otherwise 404).
struct GetContractHandler: Sendable {
    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("contract")
        let contract = try await postgres.withConnection { connection in
            try await store.contracts.find(id: id, on: connection, forUpdate: false)
        }
        return try .json(try scope.visible(contract, "contract", id: id))
    }
}
