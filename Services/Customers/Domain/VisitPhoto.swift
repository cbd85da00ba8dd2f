public import Contracts
public import Foundation

/// A photo taken at a visit (拜访照片): its metadata row. The bytes live in a ``PhotoStore`` under ``sha256``.
public struct VisitPhoto: Sendable, Equatable, Codable {
    public var id: RecordID
    public var visitID: RecordID
    public var format: PhotoFormat
    /// The size of the stored (stripped) bytes.
    public var byteSize: Int
    /// Lower-case hex SHA-256 of the stored bytes: the store's key and the download's ETag.
    public var sha256: String
    /// The capture time and position read from the photo's Exif before it was stripped.
    public var capturedAt: Date?
    public var latitude: Double?
    public var longitude: Double?
    public var createdAt: Date

    public init(
        id: RecordID,
        visitID: RecordID,
        format: PhotoFormat,
        byteSize: Int,
        sha256: String,
        metadata: PhotoMetadata,
        createdAt: Date
    ) {
        self.id = id
        self.visitID = visitID
        self.format = format
        self.byteSize = byteSize
        self.sha256 = sha256
        capturedAt = metadata.capturedAt
        latitude = metadata.latitude
        longitude = metadata.longitude
        self.createdAt = createdAt
    }

    /// Where the bytes are served.
    public var url: String { "/api/v1/photos/\(id)" }

    /// The download's strong ETag.
    public var etag: String { "\"\(sha256)\"" }

    enum CodingKeys: String, CodingKey {
        case id, byteSize, sha256, capturedAt, latitude, longitude, createdAt, url
        case visitID = "visitId"
        case format = "contentType"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(RecordID.self, forKey: .id)
        visitID = try container.decode(RecordID.self, forKey: .visitID)
        format = try container.decode(PhotoFormat.self, forKey: .format)
        byteSize = try container.decode(Int.self, forKey: .byteSize)
        sha256 = try container.decode(String.self, forKey: .sha256)
        capturedAt = try container.decodeIfPresent(Date.self, forKey: .capturedAt)
        latitude = try container.decodeIfPresent(Double.self, forKey: .latitude)
        longitude = try container.decodeIfPresent(Double.self, forKey: .longitude)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
    }

    /// The API's `Photo`: `capturedAt`, `latitude` and `longitude` are always present, `null` when unknown.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(visitID, forKey: .visitID)
        try container.encode(format, forKey: .format)
        try container.encode(byteSize, forKey: .byteSize)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(capturedAt, forKey: .capturedAt)
        try container.encode(latitude, forKey: .latitude)
        try container.encode(longitude, forKey: .longitude)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(url, forKey: .url)
    }
}

/// The limits on a visit's photos (issue 10).
public enum VisitPhotoRules {
    /// A visit has at most nine photos; the tenth is a 409.
    public static let maxPerVisit = 9
    /// The largest photo accepted, 10 MiB (413 beyond it). `openapi.yaml` declares the same `x-body-max-bytes`.
    public static let maxBytes = 10 * 1_048_576

    /// Whether an `If-None-Match` value names `etag` (a list of tags, weak or strong, or `*`; RFC 9110 §13.1.2 compares
    /// weakly).
    public static func matches(ifNoneMatch header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
