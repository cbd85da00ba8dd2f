import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.listShipments` (path id = contract id): a contract's delivery — each line's ordered, shipped and remaining
/// quantity, and its shipments, oldest first — without prices. The warehouse reads any signed contract; everyone
/// else the contracts in their scope (404 otherwise).
struct GetShipmentsHandler: Sendable {
    static let operation = "deals.listShipments"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let id = try request.pathRecordID("contract")
        let status = try await postgres.withConnection { connection -> ContractShipments in
            let found = try await store.contracts.find(id: id, on: connection, forUpdate: false)
            let contract: Contract
            if scope.caller.role == .warehouse {
                guard let found, found.status == .signed else { throw Problem.notFound("No contract \(id).") }
                contract = found
            } else {
                contract = try scope.visible(found, "contract", id: id)
            }
            let shipped = try await store.shipments.shipped(contractID: id, on: connection)
            return ContractShipments(
                contractId: id,
                number: contract.number,
                dealId: contract.dealID,
                customerName: contract.customerName,
                status: contract.status,
                signedAt: contract.signedAt,
                deliveredAt: try await store.shipments.deliveredAt(contractID: id, on: connection),
                lines: ShipmentRules.progress(of: contract.lines, shipped: shipped),
                shipments: try await store.shipments.list(contractID: id, on: connection)
            )
        }
        return try .json(status)
    }
}
