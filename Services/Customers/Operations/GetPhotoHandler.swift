import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.getPhoto` (`GET /photos/{id}`): a visit photo's stored (stripped) bytes with its media type, for a caller
/// whose scope includes the visit (404 otherwise, as for a photo that does not exist). The bytes never change, so the
/// answer carries a strong ETag (their SHA-256) and may be cached privately for a year; an `If-None-Match` naming it
/// answers 304 without reading the bytes.
struct GetPhotoHandler: Sendable {
    /// The operation; `openapi.yaml` routes `GET /photos/{id}` to it (`x-rpc`).
    static let operation = "customers.getPhoto"

    let postgres: PostgresClient
    let visits: any VisitRepository
    let photos: VisitPhotoRepository
    let store: any PhotoStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let photoID = try request.pathRecordID("photo")
        let ifNoneMatch = request.ifNoneMatch
        return try await postgres.withConnection { connection in
            let notFound = Problem.notFound("No photo \(photoID).")
            guard let photo = try await photos.find(id: photoID, on: connection) else { throw notFound }
            guard let visit = try await visits.find(id: photo.visitID, on: connection, forUpdate: false),
                scope.contains(ownerID: visit.scopeOwnerID, region: visit.scopeRegion)
            else { throw notFound }
            let headers = [
                "etag": photo.etag,
                "cache-control": "private, max-age=31536000, immutable",
                "x-content-type-options": "nosniff",
            ]
            if let ifNoneMatch, VisitPhotoRules.matches(ifNoneMatch: ifNoneMatch, etag: photo.etag) {
                return RPCResponse(status: 304, body: [], contentType: photo.format.contentType, headers: headers)
            }
            guard let bytes = try await store.get(photo.sha256, on: connection) else {
                logger.error("photo bytes missing from the store", metadata: ["photo": "\(photo.id)", "key": "\(photo.sha256)"])
                throw Problem.internalError()
            }
            return RPCResponse(status: 200, body: bytes, contentType: photo.format.contentType, headers: headers)
        }
    }
}
