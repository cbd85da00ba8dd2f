import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `gateway.regions.create` (`POST /api/v1/regions`): an admin adds a region; a taken code is a 409.
struct CreateRegionHandler: Sendable {
    let postgres: PostgresClient
    let store: IdentityStore
    let logger: Logger

    func callAsFunction(_ input: NewRegion, _ request: WriteRequest) async throws -> RPCResponse {
        let region = try UserRules.region(from: input, at: Date())
        return try await request.once("gateway.regions.create", postgres: postgres, logger: logger) { [store] connection in
            guard try await store.regions.insert(region, on: connection) else {
                throw Problem.conflict("The region '\(region.code)' exists.")
            }
            try await store.audit.record(
                actor: request.actor,
                action: "region.create",
                subject: "region:\(region.code)",
                changes: try JSONValue(encoding: region),
                on: connection
            )
            // The customers service checks a customer's region against its replica of these.
            let event = try EventEnvelope(
                RegionCreated(code: region.code, name: region.name),
                source: GatewayService.name,
                subject: region.code,
                sequence: 1,
                traceparent: request.traceparent
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(region, status: 201)
        }
    }
}
