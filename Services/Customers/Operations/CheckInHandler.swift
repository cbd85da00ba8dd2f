import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.checkIn` (path id = customer id): the caller checks in at a customer they can see (404 otherwise;
/// finance 403; an archived customer 409). The distance from the customer's location and the accuracy are flagged,
/// never refused. A check-in sent later by a phone without signal keeps the phone's time (`checkedInAt`, at most 7
/// days old; flagged `recorded_offline` when over 10 minutes old). A rep's check-in at a customer without a location
/// sets it (flag `location_from_visit`, and a `customer.updated`). The visit and `visit.checked_in` commit together.
struct CheckInHandler: Sendable {
    /// The operation; `openapi.yaml` routes `POST /customers/{id}/visits` to it (`x-rpc`).
    static let operation = "customers.checkIn"

    let postgres: PostgresClient
    let customers: any CustomerRepository
    let visits: any VisitRepository
    let thresholds: VisitRules.Thresholds
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let customerID = try request.pathRecordID("customer")
        let now = Date()
        let checkIn = try VisitRules.validate(try request.decode(VisitDraft.self), today: BusinessCalendar.day(of: now), now: now)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let customer = try scope.visible(
                try await customers.find(id: customerID, on: connection, forUpdate: true),
                "customer",
                id: customerID
            )
            try CustomerRules.requireEditable(customer)
            let traceparent = request.headers[RPC.Header.traceparent]
            var distance: Int?
            var locationFromVisit = false
            if let location = customer.location {
                distance = VisitRules.distanceMeters(from: location, to: checkIn.position)
            } else if scope.caller.role == .rep {
                _ = try await SetCustomerLocationHandler.move(
                    customer,
                    to: checkIn.position,
                    by: scope.caller.userID,
                    repository: customers,
                    traceparent: traceparent,
                    on: connection,
                    logger: logger
                )
                locationFromVisit = true
            }
            let visit = Visit(
                id: RecordID(),
                customerID: customer.id,
                customerName: customer.name,
                repID: scope.caller.userID,
                checkedInAt: checkIn.at,
                latitude: checkIn.position.latitude,
                longitude: checkIn.position.longitude,
                accuracyMeters: checkIn.accuracyMeters,
                purpose: checkIn.purpose,
                notes: checkIn.notes,
                contactName: checkIn.contactName,
                nextFollowUpOn: checkIn.nextFollowUpOn,
                distanceMeters: distance,
                flags: VisitRules.flags(
                    distanceMeters: distance,
                    accuracyMeters: checkIn.accuracyMeters,
                    locationFromVisit: locationFromVisit,
                    recordedOffline: now.timeIntervalSince(checkIn.at) > VisitRules.offlineAfter,
                    thresholds: thresholds
                ),
                version: 1,
                customerRegion: customer.region
            )
            try await visits.insert(visit, on: connection)
            let event = try EventEnvelope(
                VisitCheckedIn(visit: visit.snapshot),
                source: CustomersService.name,
                subject: visit.snapshot.id,
                sequence: visit.version,
                time: now,
                traceparent: traceparent
            )
            try await Outbox.append(event, on: connection, logger: logger)
            // Read back for what the store adds: the rep's name and the customer's location.
            return try .json(try await visits.find(id: visit.id, on: connection, forUpdate: false) ?? visit, status: 201)
        }
    }
}
