import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.checkOut` (path id = visit id): the visit's rep checks out; the visit keeps its duration in whole
/// minutes. A visit out of the caller's scope is a 404, someone else's in scope a 403, a second check-out a 409.
/// The body is empty or `{}`. The change and `visit.checked_out` commit together.
struct CheckOutHandler: Sendable {
    /// The operation; `openapi.yaml` routes `POST /visits/{id}/check-out` to it (`x-rpc`).
    static let operation = "customers.checkOut"

    let postgres: PostgresClient
    let visits: any VisitRepository
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let id = try request.pathRecordID("visit")
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var visit = try scope.visible(try await visits.find(id: id, on: connection, forUpdate: true), "visit", id: id)
            guard visit.repID == scope.caller.userID else { throw Problem.forbidden("Only the visit's rep can check out of it.") }
            guard visit.checkedOutAt == nil else { throw Problem.conflict("The visit is already checked out.") }
            let now = Date()
            visit.checkedOutAt = now
            visit.durationMinutes = VisitRules.durationMinutes(from: visit.checkedInAt, to: now)
            visit.version += 1
            try await visits.checkOut(visit, on: connection)
            let event = try EventEnvelope(
                VisitCheckedOut(visit: visit.snapshot),
                source: CustomersService.name,
                subject: visit.snapshot.id,
                sequence: visit.version,
                time: now,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(visit)
        }
    }
}
