import Foundation
import TestSupport
import Testing

/// Issue 12's webhooks, end to end: the real services send signed deliveries to a receiver written in Python
/// (Tests/Webhooks/receiver.py), which verifies them with the very snippet README.md documents.
@Suite("End to end: signed webhooks verified by a Python receiver", .timeLimit(.minutes(5)))
struct WebhookEndToEndTests {
    /// A receiver process and what it recorded.
    final class Receiver: @unchecked Sendable {
        let process = Process()
        let folder: URL
        let port: Int
        var secretFile: URL { folder.appendingPathComponent("secret") }
        var logFile: URL { folder.appendingPathComponent("log.jsonl") }
        var url: String { "http://127.0.0.1:\(port)/hook" }

        init(failFirst: Int = 0) throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-receiver-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("not yet".utf8).write(to: folder.appendingPathComponent("secret"))
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", root.appendingPathComponent("Tests/Webhooks/receiver.py").path,
                "--readme", root.appendingPathComponent("README.md").path,
                "--secret-file", folder.appendingPathComponent("secret").path,
                "--log", folder.appendingPathComponent("log.jsonl").path,
                "--fail-first", String(failFirst),
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var text = ""
            while !text.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let line = text.split(separator: "\n").first, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
                process.terminate()
                throw HarnessFailure("receiver.py did not say its port: \(text)")
            }
            self.port = port
        }

        func use(secret: String) throws { try Data(secret.utf8).write(to: secretFile) }

        /// The requests recorded so far, one JSON object each.
        func entries() -> [[String: Any]] {
            guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        /// Kills the receiver. `waitUntilExit()` can hang here when called from a test task (as SalesDeskSystem found
        /// too), so this polls, as SalesDeskSystem.stop does.
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            try? FileManager.default.removeItem(at: folder)
        }
    }

    @Test("a customer created through the API reaches the receiver signed; 500s are retried; replay repeats the event id; a wrong secret fails")
    func signedDeliveries() async throws {
        let plain = try Receiver()
        let flaky = try Receiver(failFirst: 2)
        let wrong = try Receiver()
        defer { for receiver in [plain, flaky, wrong] { receiver.stop() } }
        let system = try await SalesDeskSystem.start(extraEnvironment: [
            "WEBHOOK_ALLOW_HOSTS": "127.0.0.1", "WEBHOOK_RETRY_BASE_MS": "200", "WEBHOOK_MAX_ATTEMPTS": "5",
        ])
        defer { system.stop() }
        let token = try await system.login("admin", SalesDeskSystem.adminPassword)
        try await system.createRegion("east-china", name: "华东", token: token)

        func send(
            _ method: String,
            _ path: String,
            _ json: Any? = nil,
            key: String? = nil
        ) async throws -> (status: Int, body: [String: Any], text: String) {
            let reply = try await system.request(
                method,
                "/api/v1" + path,
                token: token,
                json: json,
                headers: key.map { ["Idempotency-Key": $0] } ?? [:]
            )
            return (reply.status, (try? reply.json()) ?? [:], reply.text)
        }
        func register(_ receiver: Receiver, key: String) async throws -> (id: String, secret: String) {
            let created = try await send(
                "POST",
                "/webhooks",
                ["url": receiver.url, "eventTypes": ["customer.created"], "description": key],
                key: key
            )
            #expect(created.status == 201, "\(created.text)")
            return (try #require(created.body["id"] as? String), try #require(created.body["secret"] as? String))
        }

        let refused = try await send("POST", "/webhooks", ["url": "http://10.0.0.7/hook", "eventTypes": ["customer.created"]], key: "wh-x")
        #expect(refused.status == 422, "\(refused.text)")
        let plainEndpoint = try await register(plain, key: "wh-plain")
        let flakyEndpoint = try await register(flaky, key: "wh-flaky")
        let wrongEndpoint = try await register(wrong, key: "wh-wrong")
        try plain.use(secret: plainEndpoint.secret)
        try flaky.use(secret: flakyEndpoint.secret)
        try wrong.use(secret: plainEndpoint.secret)  // another endpoint's secret: every signature must fail
        let shown = try await send("GET", "/webhooks/\(plainEndpoint.id)")
        #expect(shown.status == 200 && shown.body["secret"] == nil && !shown.text.contains(plainEndpoint.secret))

        let customer = try await send(
            "POST",
            "/customers",
            ["name": "宁波精工", "region": "east-china", "industry": "fasteners", "contacts": [["name": "王经理", "phone": "13800138000"]]],
            key: "c-1"
        )
        #expect(customer.status == 201, "\(customer.text)")
        let customerID = try #require(customer.body["id"] as? String)

        let arrived = try await eventually(timeout: .seconds(60)) { plain.entries().contains { $0["answered"] as? Int == 200 } }
        #expect(arrived, "no verified delivery; notifications log: \(system.log(of: "notifications"))")
        let first = try #require(plain.entries().first)
        #expect(first["verified"] as? Bool == true)
        #expect(first["type"] as? String == "customer.created" && first["typeHeader"] as? String == "customer.created")
        let eventID = try #require(first["eventId"] as? String)
        #expect(first["eventIdHeader"] as? String == eventID)
        let snapshot = (first["data"] as? [String: Any])?["customer"] as? [String: Any]
        #expect(snapshot?["id"] as? String == customerID && snapshot?["name"] as? String == "宁波精工")

        // 500, 500, then 200: three attempts, delivered once, the same event.
        let retried = try await eventually(timeout: .seconds(60)) { flaky.entries().contains { $0["answered"] as? Int == 200 } }
        #expect(retried, "the flaky receiver never got a delivery through: \(flaky.entries())")
        #expect(flaky.entries().map { $0["answered"] as? Int } == [500, 500, 200])
        #expect(Set(flaky.entries().compactMap { $0["eventId"] as? String }) == [eventID])
        let flakyDeliveries = try await send("GET", "/webhooks/\(flakyEndpoint.id)/deliveries")
        let flakyDelivery = try #require((flakyDeliveries.body["items"] as? [[String: Any]])?.first)
        #expect(flakyDelivery["status"] as? String == "delivered")
        #expect(flakyDelivery["attempts"] as? Int == 3 && flakyDelivery["lastStatusCode"] as? Int == 200)

        // Signed with a secret the receiver does not hold: verification fails, the receiver answers 401, SalesDesk retries.
        let failedOnce = try await eventually(timeout: .seconds(60)) {
            let items = try await send("GET", "/webhooks/\(wrongEndpoint.id)/deliveries").body["items"] as? [[String: Any]]
            return items?.first?["lastStatusCode"] as? Int == 401
        }
        #expect(failedOnce)
        #expect(!wrong.entries().isEmpty && wrong.entries().allSatisfy { $0["verified"] as? Bool == false })

        // Replay: a new delivery of the same event id, which the receiver recognises as a duplicate.
        let plainDeliveries = try await send("GET", "/webhooks/\(plainEndpoint.id)/deliveries")
        let delivered = try #require((plainDeliveries.body["items"] as? [[String: Any]])?.first)
        #expect(delivered["status"] as? String == "delivered" && delivered["eventId"] as? String == eventID)
        let replay = try await send("POST", "/webhook-deliveries/\(try #require(delivered["id"] as? String))/replay", key: "replay-1")
        #expect(replay.status == 202, "\(replay.text)")
        let duplicate = try await eventually(timeout: .seconds(60)) { plain.entries().count >= 2 }
        #expect(duplicate)
        let second = try #require(plain.entries().dropFirst().first)
        #expect(second["eventId"] as? String == eventID && second["verified"] as? Bool == true && second["duplicate"] as? Bool == true)
    }
}
