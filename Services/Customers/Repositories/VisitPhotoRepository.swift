public import Contracts
import Foundation
public import Logging
import Persistence
public import PostgresNIO

/// The metadata of visit photos (`visit_photos`); their bytes are in a ``PhotoStore``. Writes take the transaction's
/// connection, so a photo's row, its bytes, its event and the stored idempotent reply commit together.
public struct VisitPhotoRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func insert(_ photo: VisitPhoto, on connection: PostgresConnection) async throws {
        let latitude = photo.latitude.map(VisitRules.decimalText)
        let longitude = photo.longitude.map(VisitRules.decimalText)
        try await connection.query(
            """
            INSERT INTO visit_photos (id, visit_id, content_type, byte_size, sha256, captured_at, latitude, longitude, created_at)
            VALUES (\(photo.id), \(photo.visitID), \(photo.format.rawValue), \(photo.byteSize), \(photo.sha256), \(photo.capturedAt),
                    \(latitude)::numeric(9,6), \(longitude)::numeric(9,6), \(photo.createdAt))
            """,
            logger: logger
        )
    }

    /// How many photos a visit has.
    public func count(visitID: RecordID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query("SELECT count(*)::int FROM visit_photos WHERE visit_id = \(visitID)", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// A visit's photos, oldest first.
    public func list(visitID: RecordID, on connection: PostgresConnection) async throws -> [VisitPhoto] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM visit_photos WHERE visit_id = \(visitID) ORDER BY created_at, id",
            logger: logger
        )
        var photos: [VisitPhoto] = []
        for try await row in rows { photos.append(try Self.decode(row)) }
        return photos
    }

    public func find(id: RecordID, on connection: PostgresConnection) async throws -> VisitPhoto? {
        let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM visit_photos WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    private static let columns = "id, visit_id, content_type, byte_size, sha256, captured_at, latitude::text, longitude::text, created_at"

    private static func decode(_ row: PostgresRow) throws -> VisitPhoto {
        let (id, visitID, contentType, byteSize, sha256, capturedAt, latitude, longitude, createdAt) = try row.decode(
            (RecordID, RecordID, String, Int, String, Date?, String?, String?, Date).self
        )
        guard let format = PhotoFormat(rawValue: contentType) else { throw UnknownValue(column: "visit_photos.content_type", value: contentType) }
        let point = try GeoPoint(storedLatitude: latitude, longitude: longitude)
        return VisitPhoto(
            id: id,
            visitID: visitID,
            format: format,
            byteSize: byteSize,
            sha256: sha256,
            metadata: PhotoMetadata(capturedAt: capturedAt, latitude: point?.latitude, longitude: point?.longitude),
            createdAt: createdAt
        )
    }
}
