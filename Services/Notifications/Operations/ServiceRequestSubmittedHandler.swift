import Contracts
import Foundation
import Logging
import PostgresNIO

/// `service_request.submitted` → for the customer's owner, an in-app notification (kind `service_request`) and a WeCom
/// push @-mentioning them: a customer asked for after-sales service on their self-service page. A customer nobody
/// owns notifies no one (the request still waits in the managers' task lists).
///
/// Like the other pushes, the push is only recorded here (a `deliveries` row, sent by ``DeliveryService``) in the
/// consumer's inbox transaction; the unique (event, user) and (event, channel, recipient) keys make a replay add
/// nothing. What the customer typed passes through ``WeComMessage/neutralized(_:)``.
struct ServiceRequestSubmittedHandler: Sendable {
    let repository: NotificationRepository
    /// Whether a webhook is configured; without one, pushes are recorded as `skipped`.
    let wecomConfigured: Bool

    static let kind = "service_request"

    func callAsFunction(_ event: ServiceRequestSubmitted, _ envelope: EventEnvelope, _ connection: PostgresConnection, _ logger: Logger) async throws
    {
        guard let ownerID = event.ownerID else { return }
        let owner = try await repository.contact(id: ownerID, on: connection)
        try await repository.addNotification(
            userID: ownerID,
            eventID: envelope.id,
            kind: Self.kind,
            title: WeComMessage.serviceRequestTitle(event),
            body: WeComMessage.serviceRequestLine(event),
            approvalID: nil,
            at: event.submittedAt,
            on: connection
        )
        try await repository.addDelivery(
            eventID: envelope.id,
            channel: ApprovalNotificationsHandler.channel,
            recipient: ownerID,
            message: WeComMessage.serviceRequest(event, owner: owner),
            skipped: !wecomConfigured,
            kind: Self.kind,
            at: event.submittedAt,
            region: event.region,
            on: connection
        )
    }
}

extension WeComMessage {
    /// `售后服务请求：<customer>`.
    static func serviceRequestTitle(_ event: ServiceRequestSubmitted) -> String {
        "售后服务请求：\(neutralized(event.customerName))"
    }

    /// `<contact>（<phone>）：<description>`, with the contract number when the customer chose one.
    static func serviceRequestLine(_ event: ServiceRequestSubmitted) -> String {
        let contract = event.contractNumber.map { "合同 \($0)，" } ?? ""
        return "\(contract)\(neutralized(event.contactName))（\(neutralized(event.phone))）：\(neutralized(event.description))"
    }

    /// The push telling an owner that their customer asked for after-sales service.
    static func serviceRequest(_ event: ServiceRequestSubmitted, owner: Contact?) -> WeComMessage {
        var lines: [(String, String)] = [("客户", event.customerName)]
        if let number = event.contractNumber { lines.append(("合同", number)) }
        lines += [("联系人", event.contactName), ("电话", event.phone), ("问题", event.description)]
        return WeComMessage(
            title: "售后服务请求",
            lines: lines,
            closing: "请 \(neutralized(owner?.displayName ?? event.ownerID ?? "")) 尽快联系客户，处理后在「售后请求」中标记完成。",
            mobile: owner?.mobile
        )
    }
}
