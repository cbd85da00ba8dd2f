public import Logging
import NIOCore
public import PostgresNIO

/// Where photo bytes are kept (ADR 0007), apart from their metadata (``VisitPhotoRepository``).
///
/// Keys are the lower-case hex SHA-256 of the bytes (content addressing): identical photos share storage, the key is
/// the download's ETag, and a `put` retried after a crash writes nothing new, which is what makes a store outside the
/// database safe later — an S3-compatible bucket would `put` first and the metadata row would commit after it, so a
/// crash in between leaves at most an unreferenced object for a sweep, never a row without its bytes. Methods take the
/// write's connection so the PostgreSQL store joins the write's transaction; a bucket store would ignore it.
public protocol PhotoStore: Sendable {
    /// Stores `bytes` and returns their key; storing bytes that are there already changes nothing.
    func put(_ bytes: [UInt8], on connection: PostgresConnection) async throws -> String
    /// The bytes stored under `key`, if any.
    func get(_ key: String, on connection: PostgresConnection) async throws -> [UInt8]?
    /// Removes the bytes under `key`; the caller makes sure no photo refers to them any more.
    func delete(_ key: String, on connection: PostgresConnection) async throws
}

/// The PostgreSQL store: table `photo_blobs` (`bytea`, stored out of line uncompressed) in the customers schema.
/// About 15 GB a year for 15 reps, well within one database (ADR 0007).
public struct PostgresPhotoStore: PhotoStore {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func put(_ bytes: [UInt8], on connection: PostgresConnection) async throws -> String {
        let key = PhotoDigest.sha256Hex(bytes)
        try await connection.query(
            "INSERT INTO photo_blobs (sha256, bytes) VALUES (\(key), \(ByteBuffer(bytes: bytes))) ON CONFLICT (sha256) DO NOTHING",
            logger: logger
        )
        return key
    }

    public func get(_ key: String, on connection: PostgresConnection) async throws -> [UInt8]? {
        let rows = try await connection.query("SELECT bytes FROM photo_blobs WHERE sha256 = \(key)", logger: logger)
        for try await var buffer in rows.decode(ByteBuffer.self) {
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return nil
    }

    public func delete(_ key: String, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM photo_blobs WHERE sha256 = \(key)", logger: logger)
    }
}
