import Foundation
import Synchronization
import TestSupport
import Testing

/// Stops the whole broker for 10 s: run apart from the other tests (scripts/test runs `Disruptive` suites alone).
@Suite("End to end Disruptive: broker outage", .serialized, .timeLimit(.minutes(5)))
struct BrokerOutageDisruptiveTests {
    @Test("with RabbitMQ down for 10 s, calls fail fast with 503 and every customer answered 201 is counted exactly once")
    func brokerOutageLosesNothing() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let base = system.gatewayURL
        let token = try await system.login("admin", SalesDeskSystem.adminPassword)
        try await system.createRegion("east-china", name: "华东", token: token)
        let auth = ["Authorization": "Bearer \(token)"]
        let created = Mutex<[String]>([])
        let failures = Mutex<[(status: Int, seconds: Double, problem: Bool)]>([])
        let stop = Mutex(false)

        let writer = Task {
            var index = 0
            while !stop.withLock({ $0 }) {
                index += 1
                let started = ContinuousClock.now
                let body = Array(
                    #"{"name":"客户\#(index)","region":"east-china","industry":"fasteners","contacts":[{"name":"王","phone":"138\#(String(format: "%08d", index))"}]}"#
                        .utf8
                )
                if let reply = try? await HTTP.send(
                    "POST",
                    URL(string: "\(base)/api/v1/customers")!,
                    body: body,
                    headers: auth,
                    timeout: .seconds(20)
                ) {
                    let seconds =
                        Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                        + Double((ContinuousClock.now - started).components.seconds)
                    if reply.status == 201, let id = try? reply.json()["id"] as? String {
                        created.withLock { $0.append(id) }
                    } else {
                        failures.withLock {
                            $0.append((reply.status, seconds, reply.contentType == "application/problem+json"))
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }

        #expect(await eventually(timeout: .seconds(20)) { created.withLock { $0.count } >= 10 })
        try TestEnvironment.rabbitmqctl("stop_app")
        // The outage itself is the point: ten seconds without a broker.
        try await Task.sleep(for: .seconds(10))
        try TestEnvironment.rabbitmqctl("start_app")
        try TestEnvironment.rabbitmqctl("await_startup")
        let before = created.withLock { $0.count }
        #expect(await eventually(timeout: .seconds(60)) { created.withLock { $0.count } >= before + 10 }, "writes did not resume")
        stop.withLock { $0 = true }
        await writer.value

        let failed = failures.withLock { $0 }
        #expect(!failed.isEmpty, "no call failed while the broker was down")
        for failure in failed {
            #expect([503, 504].contains(failure.status), "a call during the outage answered \(failure.status)")
            #expect(failure.problem, "a failure was not a problem document")
            #expect(failure.seconds < 5, "a call hung for \(failure.seconds) s")
        }

        // Everything the customers service stored — at least every 201 — reaches reporting, once.
        let ids = Set(created.withLock { $0 })
        var stored: [String] = []
        var cursor: String?
        repeat {
            let page = try await HTTP.send(
                "GET",
                URL(string: "\(base)/api/v1/customers?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))!,
                body: nil,
                headers: auth
            )
            let json = try page.json()
            stored += (json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = json["nextCursor"] as? String
        } while cursor != nil
        #expect(ids.isSubset(of: Set(stored)), "a customer answered 201 is missing")
        let counted = await eventually(timeout: .seconds(60)) {
            let summary = try? await HTTP.send("GET", URL(string: "\(base)/api/v1/reports/summary")!, body: nil, headers: auth)
            return (try? summary?.json()["customers"] as? Int) == stored.count
        }
        #expect(counted, "reporting's count differs from the \(stored.count) stored customers; log: \(system.log(of: "reporting"))")
    }
}
