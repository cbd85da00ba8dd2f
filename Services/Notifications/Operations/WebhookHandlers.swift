import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// The admin API of webhook endpoints (issue 12): register, list, read, enable/disable, rotate the secret, delete,
/// list an endpoint's deliveries and replay one. Admin only (403 otherwise); every change is recorded in
/// `webhook_audit` in its own transaction.
struct WebhookHandlers: Sendable {
    static let eventTypes = "notifications.listWebhookEventTypes"
    static let create = "notifications.createWebhook"
    static let list = "notifications.listWebhooks"
    static let get = "notifications.getWebhook"
    static let enable = "notifications.enableWebhook"
    static let disable = "notifications.disableWebhook"
    static let rotateSecret = "notifications.rotateWebhookSecret"
    static let delete = "notifications.deleteWebhook"
    static let deliveries = "notifications.listWebhookDeliveries"
    static let replay = "notifications.replayWebhookDelivery"

    let postgres: PostgresClient
    let repository: WebhookRepository
    let policy: WebhookURLPolicy
    let logger: Logger

    /// Registers every operation on `router`.
    func register(on router: inout RPCRouter) {
        router.on(Self.eventTypes, listEventTypes)
        router.on(Self.create, createEndpoint)
        router.on(Self.list, listEndpoints)
        router.on(Self.get, getEndpoint)
        router.on(Self.enable) { try await setEnabled(true, $0) }
        router.on(Self.disable) { try await setEnabled(false, $0) }
        router.on(Self.rotateSecret, rotate)
        router.on(Self.delete, deleteEndpoint)
        router.on(Self.deliveries, listDeliveries)
        router.on(Self.replay, replayDelivery)
    }

    static func requireAdmin(_ request: RPCRequest) throws(Problem) -> CallerIdentity {
        let caller = try request.requireIdentity()
        guard caller.role == .admin else { throw Problem.forbidden("Only an admin may manage webhooks.") }
        return caller
    }

    struct EventTypeList: Encodable {
        var items: [String]
    }

    func listEventTypes(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try Self.requireAdmin(request)
        return try .json(EventTypeList(items: WebhookEventTypes.names))
    }

    struct Draft: Decodable {
        var url: String?
        var eventTypes: [String]?
        var description: String?
    }

    /// Checks a draft, reporting every bad field at once.
    func validate(_ draft: Draft) throws(Problem) -> (url: String, eventTypes: [String], description: String) {
        var errors: [Problem.FieldError] = []
        let url = (draft.url ?? "").trimmingCharacters(in: .whitespaces)
        if url.isEmpty {
            errors.append(.init(field: "url", message: "is required"))
        } else if let refusal = policy.refusal(of: url) {
            errors.append(.init(field: "url", message: refusal))
        }
        let known = Set(WebhookEventTypes.names)
        let types = draft.eventTypes ?? []
        if types.isEmpty {
            errors.append(.init(field: "eventTypes", message: "must name at least one event type"))
        } else if types.count > known.count {
            errors.append(.init(field: "eventTypes", message: "has more entries than there are event types"))
        } else {
            for (index, type) in types.enumerated() where !known.contains(type) {
                errors.append(.init(field: "eventTypes/\(index)", message: "is not a subscribable event type"))
            }
        }
        let description = (draft.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if description.count > 200 { errors.append(.init(field: "description", message: "must be at most 200 characters")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (url, Array(Set(types)).sorted(), description)
    }

    func createEndpoint(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try Self.requireAdmin(request)
        let draft = try validate(try request.decode(Draft.self))
        let secret = WebhookSignature.newSecret()
        return try await postgres.idempotentWrite(request, logger: logger) { [repository] connection in
            let endpoint = try await repository.create(
                url: draft.url,
                description: draft.description,
                eventTypes: draft.eventTypes,
                secret: secret,
                createdBy: caller.userID,
                on: connection
            )
            try await repository.audit(
                actor: caller.userID,
                action: "webhook.create",
                endpoint: endpoint.id,
                changes: .object([
                    "url": .string(endpoint.url), "eventTypes": .array(endpoint.eventTypes.map(JSONValue.string)),
                    "description": .string(endpoint.description),
                ]),
                on: connection
            )
            return try .json(WebhookEndpointWithSecret(endpoint: endpoint, secret: secret), status: 201)
        }
    }

    func listEndpoints(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try Self.requireAdmin(request)
        let page = try request.pageRequest(defaultLimit: 50)
        let rows = try await postgres.withConnection { connection in try await repository.endpoints(page: page, on: connection) }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }

    func getEndpoint(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try Self.requireAdmin(request)
        let id = try request.pathRecordID("webhook")
        let endpoint = try await postgres.withConnection { connection in try await repository.endpoint(id: id, on: connection) }
        guard let endpoint else { throw Problem.notFound("No webhook \(id).") }
        return try .json(endpoint)
    }

    func setEnabled(_ enabled: Bool, _ request: RPCRequest) async throws -> RPCResponse {
        let caller = try Self.requireAdmin(request)
        let id = try request.pathRecordID("webhook")
        return try await postgres.idempotentWrite(request, logger: logger) { [repository] connection in
            guard let endpoint = try await repository.setEnabled(enabled, id: id, on: connection) else {
                throw Problem.notFound("No webhook \(id).")
            }
            try await repository.audit(
                actor: caller.userID,
                action: enabled ? "webhook.enable" : "webhook.disable",
                endpoint: id,
                changes: .object(["enabled": .bool(enabled)]),
                on: connection
            )
            return try .json(endpoint)
        }
    }

    func rotate(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try Self.requireAdmin(request)
        let id = try request.pathRecordID("webhook")
        let secret = WebhookSignature.newSecret()
        return try await postgres.idempotentWrite(request, logger: logger) { [repository] connection in
            guard let endpoint = try await repository.rotateSecret(secret, id: id, on: connection) else {
                throw Problem.notFound("No webhook \(id).")
            }
            try await repository.audit(actor: caller.userID, action: "webhook.rotate_secret", endpoint: id, changes: .object([:]), on: connection)
            return try .json(WebhookEndpointWithSecret(endpoint: endpoint, secret: secret))
        }
    }

    func deleteEndpoint(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try Self.requireAdmin(request)
        let id = try request.pathRecordID("webhook")
        return try await postgres.idempotentWrite(request, logger: logger) { [repository] connection in
            guard let endpoint = try await repository.delete(id: id, on: connection) else { throw Problem.notFound("No webhook \(id).") }
            try await repository.audit(
                actor: caller.userID,
                action: "webhook.delete",
                endpoint: id,
                changes: .object(["url": .string(endpoint.url)]),
                on: connection
            )
            return try .json(endpoint)
        }
    }

    func listDeliveries(_ request: RPCRequest) async throws -> RPCResponse {
        _ = try Self.requireAdmin(request)
        let id = try request.pathRecordID("webhook")
        let page = try request.pageRequest(defaultLimit: 50)
        let rows = try await postgres.withConnection { connection in
            guard try await repository.endpoint(id: id, on: connection) != nil else { throw Problem.notFound("No webhook \(id).") }
            return try await repository.deliveries(of: id, page: page, on: connection)
        }
        return try .json(Page(rows: rows, for: page) { PageCursor(createdAt: $0.createdAt, id: $0.id.uuid) })
    }

    func replayDelivery(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try Self.requireAdmin(request)
        let id = try request.pathRecordID("webhook delivery")
        return try await postgres.idempotentWrite(request, logger: logger) { [repository] connection in
            guard let delivery = try await repository.replay(id, on: connection) else { throw Problem.notFound("No webhook delivery \(id).") }
            try await repository.audit(
                actor: caller.userID,
                action: "webhook.replay",
                endpoint: delivery.endpointID,
                changes: .object(["delivery": .string(id.description), "eventId": .string(delivery.eventID)]),
                on: connection
            )
            return try .json(delivery, status: 202)
        }
    }
}

extension WebhookHandlers {
    /// Adds, to each subscribable event type, writing its webhook deliveries after whatever the service already does
    /// with it — in the same transaction as the event's inbox claim, so a delivery exists exactly when the event was
    /// applied. The types join the notifications queue's bindings through the registry.
    static func addDeliveries(to registry: inout EventHandlerRegistry, logger: Logger) {
        let repository = WebhookRepository(logger: logger)
        for (type, source) in WebhookEventTypes.all {
            let existing = registry.handler(for: type)
            registry.register(type, from: source) { envelope, connection, logger in
                try await existing?(envelope, connection, logger)
                let written = try await repository.enqueue(envelope, body: try WebhookSignature.body(for: envelope), on: connection)
                if written > 0 { logger.debug("webhook deliveries written", metadata: ["count": "\(written)"]) }
            }
        }
    }
}
