import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `customers.addVisitPhoto` (path id = visit id; body = the photo's bytes, `POST /visits/{id}/photos`): the visit's rep
/// adds a JPEG, PNG or HEIC photo of at most 10 MiB, told apart by its bytes (415 otherwise; 422 when damaged or empty;
/// 413 when larger). The photo's capture time and position are read from its Exif and kept as data; every other piece
/// of metadata is stripped from the bytes before they are stored (``PhotoMetadata``). A visit out of scope is a 404,
/// someone else's visit in scope a 403, the tenth photo or an archived customer a 409. The bytes, the photo's row, the
/// visit's new version and `visit.photo_added` commit together with the idempotent reply, so a crash leaves nothing
/// half-written and a retry with the same Idempotency-Key and bytes gets the same photo.
struct AddVisitPhotoHandler: Sendable {
    /// The operation; `openapi.yaml` routes `POST /visits/{id}/photos` to it (`x-rpc`, `x-body: binary`).
    static let operation = "customers.addVisitPhoto"

    let postgres: PostgresClient
    let customers: any CustomerRepository
    let visits: any VisitRepository
    let photos: VisitPhotoRepository
    let store: any PhotoStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let visitID = try request.pathRecordID("visit")
        guard request.body.count <= VisitPhotoRules.maxBytes else { throw Problem.payloadTooLarge(limit: VisitPhotoRules.maxBytes) }
        guard !request.body.isEmpty else {
            throw Problem.validation([.init(field: "body", message: "must be the photo's bytes (JPEG, PNG or HEIC); it is empty")])
        }
        let stripped = try PhotoMetadata.strip(request.body)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            var visit = try scope.visible(try await visits.find(id: visitID, on: connection, forUpdate: true), "visit", id: visitID)
            guard visit.repID == scope.caller.userID else { throw Problem.forbidden("Only the visit's rep can add photos to it.") }
            if let customer = try await customers.find(id: visit.customerID, on: connection, forUpdate: false) {
                try CustomerRules.requireEditable(customer)
            }
            // Counted after the visit's row is locked, in a statement of its own: it sees every photo committed by a
            // concurrent upload that held the lock before us.
            let count = try await photos.count(visitID: visit.id, on: connection)
            guard count < VisitPhotoRules.maxPerVisit else {
                var problem = Problem.conflict("A visit has at most \(VisitPhotoRules.maxPerVisit) photos; this one has \(count).")
                problem.type = "https://salesdesk.example/problems/too-many-photos"
                throw problem
            }
            let now = Date()
            let key = try await store.put(stripped.bytes, on: connection)
            let photo = VisitPhoto(
                id: RecordID(),
                visitID: visit.id,
                format: stripped.format,
                byteSize: stripped.bytes.count,
                sha256: key,
                metadata: stripped.metadata,
                createdAt: now
            )
            try await photos.insert(photo, on: connection)
            visit.version += 1
            try await visits.setVersion(visit, on: connection)
            let event = try EventEnvelope(
                VisitPhotoAdded(
                    visitID: visit.id.description,
                    photoID: photo.id.description,
                    customerID: visit.customerID.description,
                    repID: visit.repID,
                    contentType: photo.format.contentType,
                    byteSize: photo.byteSize,
                    photoCount: count + 1
                ),
                source: CustomersService.name,
                subject: visit.id.description,
                sequence: visit.version,
                time: now,
                traceparent: request.headers[RPC.Header.traceparent]
            )
            try await Outbox.append(event, on: connection, logger: logger)
            return try .json(photo, status: 201)
        }
    }
}
