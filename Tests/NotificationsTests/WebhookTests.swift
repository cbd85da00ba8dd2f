import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Notifications

@Suite("Webhooks: signature, URL policy, backoff and the admin API")
struct WebhookTests {
    let logger = Logger(label: "test.webhooks")

    @Test("the signature is hex HMAC-SHA256 of \"<t>.<body>\" under the secret's text, as Python's hmac computes it")
    func signature() {
        // python3: hmac.new(b'whsec_test', b'1700000000.{"id":"x"}', hashlib.sha256).hexdigest()
        let expected = "80e8d098018f757aa814ab1abb924f35d304affa1d93d29611a54696207eb7c3"
        let header = WebhookSignature.sign(body: Array(#"{"id":"x"}"#.utf8), secret: "whsec_test", timestamp: 1_700_000_000)
        #expect(header == "t=1700000000,v1=\(expected)")
        #expect(WebhookSignature.hmacHex(body: Array(#"{"id":"x"}"#.utf8), secret: "whsec_other", timestamp: 1_700_000_000) != expected)
    }

    @Test("a new secret is whsec_ and 64 hex digits, different each time")
    func secrets() {
        let (one, two) = (WebhookSignature.newSecret(), WebhookSignature.newSecret())
        #expect(one.hasPrefix("whsec_") && one.count == 70)
        #expect(one != two)
    }

    @Test("the body carries id, type, occurredAt and data, keys sorted")
    func body() throws {
        let id = UUID()
        let envelope = EventEnvelope(
            id: id,
            type: "customer.created",
            source: "customers",
            time: Date(timeIntervalSince1970: 1_700_000_000.5),
            subject: "c-1",
            sequence: 1,
            data: .object(["name": .string("宁波精工")])
        )
        let text = try WebhookSignature.body(for: envelope)
        #expect(
            text
                == #"{"data":{"name":"宁波精工"},"id":"\#(id.uuidString.lowercased())","occurredAt":"2023-11-14T22:13:20.500Z","type":"customer.created"}"#
        )
    }

    @Test("https to public hosts only; loopback, private, link-local and http refused unless the host is allowed")
    func urlPolicy() {
        let strict = WebhookURLPolicy()
        #expect(strict.refusal(of: "https://erp.example.com/hook") == nil)
        #expect(strict.refusal(of: "https://8.8.8.8/hook") == nil)
        for refused in [
            "http://erp.example.com/hook", "https://127.0.0.1/", "https://localhost:8443/", "https://10.1.2.3/", "https://172.20.0.1/",
            "https://192.168.1.10/", "http://169.254.169.254/latest/meta-data", "https://[::1]/", "https://[fd00::1]/",
            "https://2130706433/", "ftp://erp.example.com/", "not a url", "https://user:pw@erp.example.com/",
        ] {
            #expect(strict.refusal(of: refused) != nil, "\(refused) was accepted")
        }
        let tests = WebhookURLPolicy(allowHostsSetting: "127.0.0.1, Receiver.Internal")
        #expect(tests.refusal(of: "http://127.0.0.1:9000/hook") == nil)
        #expect(tests.refusal(of: "http://receiver.internal/hook") == nil)
        #expect(tests.refusal(of: "http://10.0.0.1/hook") != nil)
    }

    @Test("backoff doubles from the base, jitters within the upper half and stops at the cap")
    func backoff() {
        let backoff = WebhookBackoff(base: .seconds(10), cap: .seconds(3_600))
        #expect(backoff.delay(afterAttempt: 1, jitter: 0) == .seconds(5))
        #expect(backoff.delay(afterAttempt: 1, jitter: 1) == .seconds(10))
        #expect(backoff.delay(afterAttempt: 3, jitter: 1) == .seconds(40))
        #expect(backoff.delay(afterAttempt: 30, jitter: 1) == .seconds(3_600))
        for _ in 0..<20 {
            let delay = backoff.delay(afterAttempt: 2)
            #expect(delay >= .seconds(10) && delay <= .seconds(20))
        }
    }

    struct Endpoint: Decodable, Sendable {
        var id: String
        var url: String
        var eventTypes: [String]
        var enabled: Bool
        var secret: String?
    }

    struct Delivery: Decodable, Sendable {
        var id: String
        var eventId: String
        var status: String
        var attempts: Int
        var replayOf: String?
    }

    func withService(_ body: @Sendable (RPCHarness) async throws -> Void) async throws {
        try await RPCHarness.with(
            "notifications",
            migrationsDirectory: NotificationsService.migrationsDirectory,
            router: { NotificationsService.rpcRouter(postgres: $0, webhookPolicy: WebhookURLPolicy(allowHostsSetting: "127.0.0.1"), logger: $1) },
            events: { NotificationsService.eventHandlers(wecomConfigured: false, logger: $0) },
            body
        )
    }

    func customerCreated() -> EventEnvelope {
        EventEnvelope(type: "customer.created", source: "customers", subject: "c-1", sequence: 1, data: .object(["name": .string("宁波精工")]))
    }

    @Test("only an admin manages webhooks; the secret is shown at creation and rotation only; bad input is a 422 naming the field")
    func adminAPI() async throws {
        try await withService { service in
            let draft = #"{"url":"http://127.0.0.1:9/hook","eventTypes":["customer.created","contract.signed"],"description":"ERP"}"#
            #expect(await service.call(WebhookHandlers.create, as: "rep-1", draft, key: "w-0").status == 403)
            #expect(await service.call(WebhookHandlers.list, as: "gm").status == 403)

            let created = await service.call(WebhookHandlers.create, as: "admin", draft, key: "w-1")
            #expect(created.status == 201, "\(created.text)")
            let endpoint = try created.decode(Endpoint.self)
            #expect(endpoint.secret?.hasPrefix("whsec_") == true)
            #expect(endpoint.eventTypes == ["contract.signed", "customer.created"])

            let read = await service.call(WebhookHandlers.get, as: "admin", id: endpoint.id)
            #expect(read.status == 200)
            #expect(try read.decode(Endpoint.self).secret == nil)
            #expect(!read.text.contains(endpoint.secret ?? "-"))
            #expect(try await service.call(WebhookHandlers.list, as: "admin").decode(ListPage<Endpoint>.self).items.map(\.secret) == [nil])

            let bad = await service.call(
                WebhookHandlers.create,
                as: "admin",
                #"{"url":"http://169.254.169.254/latest","eventTypes":["user.created"]}"#,
                key: "w-2"
            )
            #expect(bad.status == 422)
            #expect(Set(try bad.problem().errors?.map(\.field) ?? []) == ["url", "eventTypes/0"])

            let rotated = try await service.call(WebhookHandlers.rotateSecret, as: "admin", id: endpoint.id, key: "w-3").decode(Endpoint.self)
            #expect(rotated.secret != nil && rotated.secret != endpoint.secret)

            let types = try await service.call(WebhookHandlers.eventTypes, as: "admin").json()
            #expect(types == .object(["items": .array(WebhookEventTypes.names.map(JSONValue.string))]))
            #expect(!WebhookEventTypes.names.contains("user.created"))

            #expect(await service.call(WebhookHandlers.delete, as: "admin", id: endpoint.id, key: "w-4").status == 200)
            #expect(await service.call(WebhookHandlers.get, as: "admin", id: endpoint.id).status == 404)
            let audit = try await service.client.query("SELECT action FROM webhook_audit ORDER BY id", logger: logger)
            var actions: [String] = []
            for try await action in audit.decode(String.self) { actions.append(action) }
            #expect(actions == ["webhook.create", "webhook.rotate_secret", "webhook.delete"])
        }
    }

    @Test("an event of a subscribed type writes one delivery per enabled endpoint, once; replay adds a delivery of the same event")
    func deliveriesAndReplay() async throws {
        try await withService { service in
            func create(_ types: String, key: String) async throws -> Endpoint {
                try await service.call(
                    WebhookHandlers.create,
                    as: "admin",
                    #"{"url":"http://127.0.0.1:9/hook","eventTypes":[\#(types)]}"#,
                    key: key
                ).decode(Endpoint.self)
            }
            let subscribed = try await create(#""customer.created""#, key: "a")
            let other = try await create(#""contract.signed""#, key: "b")
            let disabled = try await create(#""customer.created""#, key: "c")
            #expect(await service.call(WebhookHandlers.disable, as: "admin", id: disabled.id, key: "d").status == 200)

            let event = customerCreated()
            try await service.deliver(event)
            try await service.deliver(event)

            func deliveries(_ endpoint: Endpoint) async throws -> [Delivery] {
                try await service.call(WebhookHandlers.deliveries, as: "admin", id: endpoint.id).decode(ListPage<Delivery>.self).items
            }
            let first = try await deliveries(subscribed)
            #expect(first.map(\.eventId) == [event.id.uuidString.lowercased()])
            #expect(first.map(\.status) == ["pending"])
            #expect(try await deliveries(other).isEmpty)
            #expect(try await deliveries(disabled).isEmpty)

            let replay = await service.call(WebhookHandlers.replay, as: "admin", id: first[0].id, key: "r")
            #expect(replay.status == 202, "\(replay.text)")
            let replayed = try replay.decode(Delivery.self)
            #expect(replayed.eventId == first[0].eventId && replayed.replayOf == first[0].id && replayed.id != first[0].id)
            #expect(try await deliveries(subscribed).count == 2)
            #expect(await service.call(WebhookHandlers.replay, as: "admin", id: UUID().uuidString.lowercased(), key: "r2").status == 404)
            #expect(await service.call(WebhookHandlers.replay, as: "rep-1", id: first[0].id, key: "r3").status == 403)
        }
    }
}
