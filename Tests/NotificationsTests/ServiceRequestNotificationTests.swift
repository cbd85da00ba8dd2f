import Contracts
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Notifications

/// `service_request.submitted` (the customer portal, issue 11) → the owner's in-app notification and WeCom push.
@Suite("After-sales request notifications")
struct ServiceRequestNotificationTests {
    static func submitted(owner: String?) -> ServiceRequestSubmitted {
        ServiceRequestSubmitted(
            requestID: "6b0c1c58-3a52-4a8e-8d3b-1f3b0e7c9a01",
            customerID: "cust-1",
            customerName: "宁波精工紧固件有限公司",
            ownerID: owner,
            region: "east-china",
            contractNumber: "HT-2026-000123",
            contactName: "王工",
            phone: "13900001111",
            description: "2 号机 **异响**，请派人看看",
            submittedAt: Date()
        )
    }

    @Test("an after-sales request notifies the customer's owner in-app and on WeCom, once, with the customer's words neutralized")
    func notifiesOwner() async throws {
        try await NotificationsServiceTests().withService { service in
            try await Org.seed(service)
            let envelope = try EventEnvelope(Self.submitted(owner: "rep-1"), source: "deals", subject: "sr-1", sequence: 1)
            try await service.deliver(envelope)
            try await service.deliver(envelope)
            let items = try await NotificationsServiceTests().notifications(service, of: Org.identity("rep-1"))
            #expect(items.count == 1)
            #expect(items.first?.title == "售后服务请求：宁波精工紧固件有限公司")
            let body = items.first?.body ?? ""
            #expect(body.contains("HT-2026-000123") && body.contains("王工") && body.contains("13900001111"))
            #expect(!body.contains("**"), "markdown from the customer is neutralized: \(body)")
            let deliveries = try await NotificationsServiceTests().deliveries(service.client)
            #expect(deliveries.map(\.recipient) == ["rep-1"])
            #expect(try await NotificationsServiceTests().notifications(service, of: Org.identity("rep-2")).isEmpty)
        }
    }

    @Test("a request for a customer nobody owns notifies no one")
    func unowned() async throws {
        try await NotificationsServiceTests().withService { service in
            try await service.deliver(Self.submitted(owner: nil), source: "deals", subject: "sr-2", sequence: 1)
            #expect(try await service.count("notifications") == 0)
            #expect(try await service.count("deliveries") == 0)
        }
    }

    @Test("service_request.submitted is accepted only from deals")
    func onlyFromDeals() async throws {
        try await NotificationsServiceTests().withService { service in
            var refused = false
            do {
                try await service.deliver(Self.submitted(owner: "rep-1"), source: "customers", subject: "sr-3", sequence: 1)
            } catch {
                refused = true
            }
            let notifications = try await service.count("notifications")
            #expect(refused && notifications == 0)
        }
    }
}
