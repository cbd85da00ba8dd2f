import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.listVisitPhotos` (`GET /visits/{id}/photos`): a visit's photos, oldest first, for a caller whose scope
/// includes the visit (404 otherwise). At most nine, so not paged.
struct ListVisitPhotosHandler: Sendable {
    /// The operation; `openapi.yaml` routes `GET /visits/{id}/photos` to it (`x-rpc`).
    static let operation = "customers.listVisitPhotos"

    let postgres: PostgresClient
    let visits: any VisitRepository
    let photos: VisitPhotoRepository
    let logger: Logger

    /// The answer: `{ "items": [Photo] }`.
    struct Answer: Encodable {
        var items: [VisitPhoto]
    }

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try request.dataScope()
        let visitID = try request.pathRecordID("visit")
        let items = try await postgres.withConnection { connection in
            _ = try scope.visible(try await visits.find(id: visitID, on: connection, forUpdate: false), "visit", id: visitID)
            return try await photos.list(visitID: visitID, on: connection)
        }
        return try .json(Answer(items: items))
    }
}
