import Foundation
import TestSupport
import Testing

/// Visit photos (issue 10) through the gateway and the real customers service: raw image bytes up and down over AMQP
/// RPC (`x-body: binary`), caching headers, 304, the route's own body limit, scope, and the web app's cookie session.
@Suite("End to end: visit photos", .timeLimit(.minutes(5)))
struct IssueTenPhotosAPITests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/photos/\(name)").standardized
        return Array(try Data(contentsOf: url))
    }

    @Test("a rep uploads a photo, lists it, downloads it with ETag and caching headers, gets 304; another rep gets 404")
    func throughTheGateway() async throws {
        // Ten-MiB photos cross the broker whole; with a dozen debug systems side by side on two cores, the
        // customers service can need longer than the test systems' usual 3 s to answer one.
        let system = try await SalesDeskSystem.start(extraEnvironment: ["RPC_TIMEOUT_MS": "15000"])
        defer { system.stop() }
        let api = system.gatewayURL + "/api/v1"
        let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
        #expect(try await system.request("POST", "/api/v1/regions", token: admin, json: ["code": "east-china", "name": "华东"]).status == 201)
        for username in ["wang", "li"] {
            let json: [String: Any] = [
                "username": username, "displayName": username, "password": "photo-password", "role": "rep", "region": "east-china",
            ]
            let created = try await system.request("POST", "/api/v1/users", token: admin, json: json)
            #expect(created.status == 201, "\(created.text)")
        }
        let wang = try await system.login("wang", "photo-password")
        let li = try await system.login("li", "photo-password")

        let customer = try await system.request(
            "POST",
            "/api/v1/customers",
            token: wang,
            json: ["name": "苏州精密", "region": "east-china", "industry": "machining", "contacts": [["name": "陈工", "phone": "13800138001"]]]
        )
        let customerID = try #require(try customer.json()["id"] as? String, "\(customer.text)")
        let visit = try await system.request(
            "POST",
            "/api/v1/customers/\(customerID)/visits",
            token: wang,
            json: ["latitude": 31.3, "longitude": 120.585316, "accuracyMeters": 30, "purpose": "demo"],
            headers: ["Idempotency-Key": "visit-1"]
        )
        let visitID = try #require(try visit.json()["id"] as? String, "\(visit.text)")
        #expect(try visit.json()["photoCount"] as? Int == 0)

        func upload(_ bytes: [UInt8], contentType: String, key: String, token: String = wang) async throws -> HTTP.Reply {
            try await HTTP.send(
                "POST",
                URL(string: "\(api)/visits/\(visitID)/photos")!,
                body: bytes,
                headers: ["Authorization": "Bearer \(token)", "Content-Type": contentType, "Idempotency-Key": key],
                timeout: .seconds(30)
            )
        }
        let jpeg = try Self.fixture("exif-gps.jpg")
        let added = try await upload(jpeg, contentType: "image/jpeg", key: "photo-1")
        #expect(added.status == 201, "\(added.text)")
        let photo = try added.json()
        let photoID = try #require(photo["id"] as? String)
        let sha256 = try #require(photo["sha256"] as? String)
        #expect(photo["url"] as? String == "/api/v1/photos/\(photoID)" && photo["contentType"] as? String == "image/jpeg")
        #expect(photo["latitude"] as? Double == 31.2989 && photo["capturedAt"] as? String != nil)
        // The same key and bytes: the same photo, not a second one; octet-stream is accepted, the bytes decide.
        let again = try await upload(jpeg, contentType: "application/octet-stream", key: "photo-1")
        #expect(try again.status == 201 && (try again.json()["id"] as? String) == photoID, "\(again.text)")

        let listed = try await system.request("GET", "/api/v1/visits/\(visitID)/photos", token: wang)
        #expect(((try listed.json()["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [photoID], "\(listed.text)")
        let visits = try await system.request("GET", "/api/v1/visits", token: wang)
        #expect(((try visits.json()["items"] as? [[String: Any]]) ?? []).compactMap { $0["photoCount"] as? Int } == [1], "\(visits.text)")

        let download = try await system.request("GET", "/api/v1/photos/\(photoID)", token: wang)
        #expect(download.status == 200 && download.contentType == "image/jpeg")
        #expect(download.header("Content-Length") == String(download.body.count) && download.body.count == photo["byteSize"] as? Int)
        #expect(download.header("ETag") == "\"\(sha256)\"")
        #expect(download.header("Cache-Control") == "private, max-age=31536000, immutable")
        #expect(download.header("X-Content-Type-Options") == "nosniff")
        #expect(!String(decoding: download.body, as: UTF8.self).contains("SalesDeskTestCam"))
        let unchanged = try await system.request("GET", "/api/v1/photos/\(photoID)", token: wang, headers: ["If-None-Match": "\"\(sha256)\""])
        #expect(unchanged.status == 304 && unchanged.body.isEmpty && unchanged.header("ETag") == "\"\(sha256)\"")

        // The web app's session: an <img src> sends the cookie and no CSRF header, which a GET does not need.
        let login = try await HTTP.send(
            "POST",
            URL(string: "\(api)/auth/login")!,
            body: Array(#"{"username":"wang","password":"photo-password","session":"cookie"}"#.utf8)
        )
        let cookie = try #require(
            login.headerFields.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("sd_access=") }?.value.split(separator: ";").first
        )
        let byCookie = try await HTTP.send("GET", URL(string: "\(api)/photos/\(photoID)")!, body: nil, headers: ["Cookie": String(cookie)])
        #expect(byCookie.status == 200 && byCookie.body == download.body)

        // Another rep sees neither the list nor the bytes, and cannot add.
        #expect(try await system.request("GET", "/api/v1/visits/\(visitID)/photos", token: li).status == 404)
        #expect(try await system.request("GET", "/api/v1/photos/\(photoID)", token: li).status == 404)
        #expect(try await upload(jpeg, contentType: "image/jpeg", key: "li-1", token: li).status == 404)

        // The route's own limit: 10 MiB, where JSON routes stop at 1 MiB; over it is a 413 problem from the gateway.
        let huge = try await upload([UInt8](repeating: 0xFF, count: 10 * 1_048_576 + 1), contentType: "image/jpeg", key: "huge")
        #expect(huge.status == 413 && huge.contentType == "application/problem+json", "\(huge.text)")
        let text = try await upload(Array("not a photo, just text in a file named photo.jpg\n".utf8), contentType: "image/jpeg", key: "text")
        #expect(text.status == 415 && text.contentType == "application/problem+json", "\(text.text)")
        let json = try await upload(Array("{}".utf8), contentType: "application/json", key: "json")
        #expect(json.status == 415, "\(json.text)")
        let empty = try await upload([], contentType: "image/png", key: "empty")
        #expect(empty.status == 422, "\(empty.text)")
        // A photo of nearly 10 MiB travels whole: a large PNG chunk the stripper keeps.
        let png = try Self.fixture("exif-gps.png")
        let filler = 10 * 1_048_576 - png.count - 12
        let big = Array(png[0..<33]) + Self.chunk("zzBg", [UInt8](repeating: 7, count: filler)) + Array(png[33...])
        let bigAdded = try await upload(big, contentType: "image/png", key: "big")
        #expect(bigAdded.status == 201, "\(bigAdded.text)")
        let bigID = try #require(try bigAdded.json()["id"] as? String)
        let bigDownload = try await system.request("GET", "/api/v1/photos/\(bigID)", token: wang)
        #expect(try bigDownload.status == 200 && bigDownload.body.count == (try bigAdded.json()["byteSize"] as? Int))
    }

    /// A PNG chunk; its CRC is not checked by the stripper, so zeros do.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let length = data.count
        return [UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + Array(type.utf8) + data
            + [0, 0, 0, 0]
    }
}
