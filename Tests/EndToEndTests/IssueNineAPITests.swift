import Foundation
import TestSupport
import Testing

/// The API capabilities the web screens need (issue 9), through the gateway's forwarded routes and the real services.
@Suite("End to end: archive, edits, retire, inbox, audit", .timeLimit(.minutes(5)))
struct IssueNineAPITests {
    @Test("an archived customer takes no new deal until restored; deal edits, product retirement, inbox and audit answer")
    func throughTheGateway() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let api = system.gatewayURL + "/api/v1"
        let token = try await system.login("admin", SalesDeskSystem.adminPassword)
        try await system.createRegion("east-china", name: "华东", token: token)
        let auth = ["Authorization": "Bearer \(token)"]
        func send(_ method: String, _ path: String, _ json: String? = nil) async throws -> (status: Int, body: [String: Any], text: String) {
            let reply = try await HTTP.send(method, URL(string: api + path)!, body: json.map { Array($0.utf8) }, headers: auth)
            return (reply.status, (try? reply.json()) ?? [:], reply.text)
        }

        let customer = try await send(
            "POST",
            "/customers",
            #"{"name":"宁波精工","region":"east-china","industry":"fasteners","contacts":[{"name":"王经理","phone":"13800138000"}]}"#
        )
        #expect(customer.status == 201, "\(customer.text)")
        let customerID = try #require(customer.body["id"] as? String)
        let dealJSON = #"{"customerId":"\#(customerID)","title":"2027 采购","expectedAmountFen":8000000,"expectedCloseDate":"2027-03-31"}"#
        let deal = try await send("POST", "/deals", dealJSON)
        #expect(deal.status == 201, "\(deal.text)")
        let dealID = try #require(deal.body["id"] as? String)

        let edited = try await send("PATCH", "/deals/\(dealID)", #"{"expectedAmountFen":9000000,"version":1}"#)
        #expect(edited.status == 200, "\(edited.text)")
        #expect(edited.body["expectedAmountFen"] as? Int == 9_000_000)
        let history = try await send("GET", "/deals/\(dealID)/history")
        #expect(((history.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String } == ["edit", "stage"])

        let archived = try await send("POST", "/customers/\(customerID)/archive")
        #expect(archived.status == 200, "\(archived.text)")
        #expect(archived.body["archived"] as? Bool == true)
        let listed = try await send("GET", "/customers")
        #expect(((listed.body["items"] as? [[String: Any]]) ?? []).isEmpty)
        let refused = try await eventually(timeout: .seconds(30)) { try await send("POST", "/deals", dealJSON).status == 422 }
        #expect(refused, "deals kept taking deals on an archived customer; its log: \(system.log(of: "deals"))")
        #expect(try await send("POST", "/customers/\(customerID)/restore").status == 200)
        let accepted = try await eventually(timeout: .seconds(30)) { try await send("POST", "/deals", dealJSON).status == 201 }
        #expect(accepted, "deals refused a restored customer; its log: \(system.log(of: "deals"))")

        let product = try await send("POST", "/products", #"{"name":"M8 螺栓","productLine":"bolts","listPriceFen":135,"unitCostFen":90}"#)
        let productID = try #require(product.body["id"] as? String)
        #expect(try await send("PATCH", "/products/\(productID)", #"{"listPriceFen":150,"version":1}"#).body["version"] as? Int == 2)
        #expect(try await send("POST", "/products/\(productID)/retire").body["retired"] as? Bool == true)
        let quote = try await send("POST", "/deals/\(dealID)/quotes", #"{"lines":[{"productId":"\#(productID)","quantity":1}]}"#)
        #expect(quote.status == 422, "\(quote.text)")
        // deals' broker user may publish product.* (deploy/rabbitmq/service-users): its relay empties the outbox.
        var database = try #require(URLComponents(string: try TestEnvironment.postgresURL()))
        database.path = "/" + system.database
        let url = database.string ?? ""
        let published = try await eventually(timeout: .seconds(30)) {
            let unpublished = try TestEnvironment.shell(
                "psql '\(url)' -tAc \"SELECT count(*) FROM deals.outbox WHERE published_at IS NULL\""
            )
            return unpublished.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
        }
        #expect(published, "deals did not publish product.* events; its log: \(system.log(of: "deals"))")
        let productEvents = try TestEnvironment.shell("psql '\(url)' -tAc \"SELECT count(*) FROM deals.outbox WHERE type LIKE 'product.%'\"")
        #expect(productEvents.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        let productHistory = try await send("GET", "/products/\(productID)/history")
        #expect(
            ((productHistory.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String } == ["retired", "updated", "created"]
        )

        let unread = try await send("GET", "/notifications/unread-count")
        #expect(unread.status == 200 && unread.body["unread"] as? Int == 0)
        #expect(try await send("POST", "/notifications/read-all").body["marked"] as? Int == 0)
        let pending = try await send("GET", "/approvals/pending-count")
        #expect(pending.status == 200 && pending.body["pending"] as? Int == 0, "\(pending.text)")
        let audit = try await send("GET", "/audit?action=user.bootstrap")
        #expect(audit.status == 200, "\(audit.text)")
        #expect(((audit.body["items"] as? [[String: Any]]) ?? []).count == 1)
    }
}
