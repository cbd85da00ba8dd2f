import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Visit photos (issue 10) through the service's RPC operations on the real PostgreSQL: upload, list, download with
/// ETag and 304, idempotency, the nine-photo limit, size and type refusals, and scope.
@Suite("Visit photos")
struct VisitPhotoTests {
    /// Sends `bytes` as the gateway does for `POST /visits/{id}/photos` (and the reads, with no body).
    static func call(
        _ service: RPCHarness,
        _ operation: String,
        as user: String,
        id: String,
        bytes: [UInt8] = [],
        contentType: String? = nil,
        key: String? = nil,
        ifNoneMatch: String? = nil
    ) async -> RPCResponse {
        let identity = Org.identity(user)
        var headers = identity.headers
        headers[RPC.Header.pathID] = id
        if let contentType { headers[RPC.Header.contentType] = contentType }
        if let key { headers[RPC.Header.idempotencyKey] = key }
        if let ifNoneMatch { headers[RPC.Header.ifNoneMatch] = ifNoneMatch }
        return await service.handle(RPCRequest(operation: operation, body: bytes, identity: identity, headers: headers))
    }

    /// A visit of rep-1 at c1 and the fixture.
    static func visitOfRep1(_ service: RPCHarness) async throws -> (CustomerFixture, String) {
        let org = try await CustomerFixture.seed(service)
        let c1 = try #require(org.customers["c1"])
        let visit = await org.call(CheckInHandler.operation, as: "rep-1", VisitTests.checkIn(northMeters: 0), id: c1)
        #expect(visit.status == 201, "\(visit.text)")
        return (org, try visit.decode(Visit.self).id.description)
    }

    @Test("the visit's rep uploads a photo; it lists, downloads stripped with ETag and caching headers, and answers 304 to its ETag")
    func uploadListDownload() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let (org, visitID) = try await Self.visitOfRep1(service)
            let jpeg = try PhotoMetadataTests.fixture("exif-gps.jpg")
            let added = await Self.call(
                service,
                AddVisitPhotoHandler.operation,
                as: "rep-1",
                id: visitID,
                bytes: jpeg,
                contentType: "image/jpeg",
                key: "p-1"
            )
            #expect(added.status == 201, "\(added.text)")
            let photo = try added.decode(VisitPhoto.self)
            #expect(photo.format == .jpeg && photo.visitID.description == visitID)
            #expect(photo.latitude == 31.2989 && photo.longitude == 120.585317 && photo.capturedAt == PhotoMetadataTests.date("2026-11-28T06:30:05Z"))
            #expect(added.text.contains(#""url":"\/api\/v1\/photos\/\#(photo.id)""#) || added.text.contains(#""url":"/api/v1/photos/\#(photo.id)""#))

            let listed = await Self.call(service, ListVisitPhotosHandler.operation, as: "rep-1", id: visitID)
            #expect(listed.status == 200)
            #expect(try listed.decode(ListPage<VisitPhoto>.self).items.map(\.id) == [photo.id])

            let download = await Self.call(service, GetPhotoHandler.operation, as: "rep-1", id: photo.id.description)
            #expect(download.status == 200 && download.contentType == "image/jpeg")
            #expect(download.body.count == photo.byteSize && PhotoDigest.sha256Hex(download.body) == photo.sha256)
            #expect(!PhotoMetadataTests.contains(download.body, "SalesDeskTestCam"))
            #expect(download.headers["etag"] == "\"\(photo.sha256)\"")
            #expect(download.headers["cache-control"] == "private, max-age=31536000, immutable")
            #expect(download.headers["x-content-type-options"] == "nosniff")
            // The headers survive the trip through an AMQP reply.
            #expect(RPCResponse(reply: download.replyMessage).headers == download.headers)

            let unchanged = await Self.call(
                service,
                GetPhotoHandler.operation,
                as: "rep-1",
                id: photo.id.description,
                ifNoneMatch: "\"\(photo.sha256)\""
            )
            #expect(unchanged.status == 304 && unchanged.body.isEmpty && unchanged.headers["etag"] == "\"\(photo.sha256)\"")
            let stale = await Self.call(service, GetPhotoHandler.operation, as: "rep-1", id: photo.id.description, ifNoneMatch: "\"old\"")
            #expect(stale.status == 200 && stale.body.count == photo.byteSize)

            let visits = try await org.call(ListVisitsHandler.list, as: "rep-1").decode(ListPage<Visit>.self).items
            #expect(visits.map(\.photoCount) == [1] && visits.map(\.version) == [2])
            let events = try await service.outbox(VisitPhotoAdded.self)
            #expect(events.map(\.photoID) == [photo.id.description] && events.map(\.photoCount) == [1])
        }
    }

    @Test("the same Idempotency-Key and bytes answer the same photo once; the key with other bytes is a 422")
    func idempotent() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let (_, visitID) = try await Self.visitOfRep1(service)
            let png = try PhotoMetadataTests.fixture("exif-gps.png")
            let first = await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "same")
            let again = await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "same")
            #expect(first.status == 201 && again.status == 201)
            #expect(first.body == again.body)
            #expect(try await service.count("visit_photos") == 1)
            #expect(try await service.count("photo_blobs") == 1)
            let other = await Self.call(
                service,
                AddVisitPhotoHandler.operation,
                as: "rep-1",
                id: visitID,
                bytes: try PhotoMetadataTests.fixture("plain.jpg"),
                key: "same"
            )
            #expect(other.status == 422, "\(other.text)")
            #expect(try await service.count("visit_photos") == 1)
        }
    }

    @Test("a visit takes nine photos (identical bytes share storage); the tenth is a 409 and writes nothing")
    func ninePhotos() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let (_, visitID) = try await Self.visitOfRep1(service)
            let png = try PhotoMetadataTests.fixture("exif-gps.png")
            for index in 1...9 {
                let added = await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "p-\(index)")
                #expect(added.status == 201, "photo \(index): \(added.text)")
            }
            let tenth = await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "p-10")
            #expect(try tenth.status == 409 && tenth.problem().type.hasSuffix("too-many-photos"), "\(tenth.text)")
            #expect(try await service.count("visit_photos") == 9)
            #expect(try await service.count("photo_blobs") == 1)
            #expect(try await service.outbox(VisitPhotoAdded.self).count == 9)
        }
    }

    @Test("two uploads racing for a visit's ninth place: one gets it, the other a 409")
    func racingForTheLastPlace() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let (_, visitID) = try await Self.visitOfRep1(service)
            let png = try PhotoMetadataTests.fixture("exif-gps.png")
            for index in 1...8 {
                #expect(
                    await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "p-\(index)").status == 201
                )
            }
            async let first = Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "race-a")
            async let second = Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png, key: "race-b")
            let statuses = await [first.status, second.status].sorted()
            #expect(statuses == [201, 409])
            #expect(try await service.count("visit_photos") == 9)
        }
    }

    @Test("refusals: over 10 MiB is 413, text named like a photo 415, empty or damaged 422; none writes anything")
    func refusals() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let (_, visitID) = try await Self.visitOfRep1(service)
            func add(_ bytes: [UInt8], _ contentType: String? = "image/jpeg") async -> RPCResponse {
                await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: bytes, contentType: contentType, key: "k")
            }
            let jpeg = try PhotoMetadataTests.fixture("exif-gps.jpg")
            let huge = jpeg + [UInt8](repeating: 0, count: VisitPhotoRules.maxBytes + 1 - jpeg.count)
            #expect(await add(huge).status == 413)
            let text = await add(Array("name,phone\n王经理,13800138000\n".utf8))
            #expect(text.status == 415 && text.contentType == Problem.contentType, "\(text.text)")
            #expect(await add([]).status == 422)
            #expect(await add(Array(jpeg.prefix(300))).status == 422)
            #expect(try await service.count("visit_photos") == 0)
            #expect(try await service.count("photo_blobs") == 0)
            #expect(try await service.outbox(VisitPhotoAdded.self).isEmpty)
        }
    }

    @Test("scope: another rep gets 404 on upload, list and download; the rep's supervisor reads but may not add (403); finance may not add")
    func scope() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let (org, visitID) = try await Self.visitOfRep1(service)
            let png = try PhotoMetadataTests.fixture("exif-gps.png")
            let photo = try await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png).decode(VisitPhoto.self)
            let photoID = photo.id.description
            #expect(await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-2", id: visitID, bytes: png).status == 404)
            #expect(await Self.call(service, ListVisitPhotosHandler.operation, as: "rep-2", id: visitID).status == 404)
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "rep-2", id: photoID).status == 404)
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "rm-north", id: photoID).status == 404)
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "rep-1", id: "not-a-uuid").status == 404)
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "rep-1", id: RecordID().description).status == 404)
            #expect(await Self.call(service, ListVisitPhotosHandler.operation, as: "sup-1", id: visitID).status == 200)
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "sup-1", id: photoID).status == 200)
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "finance", id: photoID).status == 200)
            #expect(await Self.call(service, AddVisitPhotoHandler.operation, as: "sup-1", id: visitID, bytes: png).status == 403)
            #expect(await Self.call(service, AddVisitPhotoHandler.operation, as: "finance", id: visitID, bytes: png).status == 403)

            let c1 = try #require(org.customers["c1"])
            #expect(await org.service.call(ArchiveCustomerHandler.archive, as: "rep-1", id: c1, key: "archive-c1").status == 200)
            let archived = await Self.call(service, AddVisitPhotoHandler.operation, as: "rep-1", id: visitID, bytes: png)
            #expect(try archived.status == 409 && archived.problem().type.hasSuffix("customer-archived"), "\(archived.text)")
            // Photos of an archived customer's visits stay readable.
            #expect(await Self.call(service, GetPhotoHandler.operation, as: "rep-1", id: photoID).status == 200)
        }
    }
}
