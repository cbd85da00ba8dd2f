import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// The customer's self-service link (客户自助), path id = customer id, for the owner and the managers whose scope holds
/// the customer (404 outside it, as for a customer deals does not know; finance 403 on writes):
/// - `deals.createPortalLink` (`POST /customers/{id}/portal-link`, `{showOwnerPhone, renew?}`): a new link (201); a
///   live link keeps its token and takes `showOwnerPhone` (200), unless `renew` asks for a new token, which revokes it.
/// - `deals.getPortalLink` (`GET`): the live link (404 when there is none).
/// - `deals.revokePortalLink` (`DELETE`): revokes it (`{customerId, revokedAt}`); the token answers 404 from the next
///   request on.
/// - `deals.getPortalLinkQRSVG`, `deals.getPortalLinkQRPNG` (`GET …/qr.svg`, `…/qr.png`): the link's QR code.
struct PortalLinkHandlers: Sendable {
    static let create = "deals.createPortalLink"
    static let get = "deals.getPortalLink"
    static let revoke = "deals.revokePortalLink"
    static let qrSVG = "deals.getPortalLinkQRSVG"
    static let qrPNG = "deals.getPortalLinkQRPNG"

    let postgres: PostgresClient
    let store: DealsStore
    /// Where the gateway serves the web app to customers (`portal.base.url`), before `/portal.html#<token>`.
    let baseURL: String
    let logger: Logger

    func register(on router: inout RPCRouter) {
        router.on(Self.create, create)
        router.on(Self.get, get)
        router.on(Self.revoke, revoke)
        router.on(Self.qrSVG) { request in
            let link = try await liveLink(request)
            let svg = try QRCode(link.view(baseURL: baseURL).url).svg
            return RPCResponse(status: 200, body: Array(svg.utf8), contentType: "image/svg+xml", headers: Self.imageHeaders)
        }
        router.on(Self.qrPNG) { request in
            let link = try await liveLink(request)
            let png = try QRCode(link.view(baseURL: baseURL).url).png()
            return RPCResponse(status: 200, body: png, contentType: "image/png", headers: Self.imageHeaders)
        }
    }

    /// The image is a secret as long as the link lives: never cached by anyone else.
    static let imageHeaders = ["cache-control": "private, no-store", "x-content-type-options": "nosniff"]

    /// The customer named by the path, if `scope` holds them.
    func customer(_ request: RPCRequest, scope: DataScope, on connection: PostgresConnection) async throws -> ReplicatedCustomer {
        guard let id = request.pathID, let customer = try await store.customers.find(id: id, on: connection),
            scope.contains(ownerID: customer.ownerID, region: customer.region)
        else { throw Problem.notFound("No customer \(request.pathID ?? "").") }
        return customer
    }

    func create(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        let body = try request.decode(PortalLinkRequest.self)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let customer = try await customer(request, scope: scope, on: connection)
            if body.renew != true, var live = try await store.portal.liveLink(customerID: customer.id, on: connection) {
                live.showOwnerPhone = body.showOwnerPhone
                try await store.portal.setShowOwnerPhone(live, on: connection)
                return try .json(live.view(baseURL: baseURL))
            }
            let now = Date()
            try await store.portal.revoke(customerID: customer.id, by: scope.caller.userID, at: now, on: connection)
            let link = PortalLink(
                id: RecordID(),
                customerID: customer.id,
                token: PortalLink.newToken(),
                showOwnerPhone: body.showOwnerPhone,
                createdBy: scope.caller.userID,
                createdAt: now
            )
            try await store.portal.insert(link, on: connection)
            return try .json(link.view(baseURL: baseURL), status: 201)
        }
    }

    func liveLink(_ request: RPCRequest) async throws -> PortalLink {
        let scope = try request.dataScope()
        return try await postgres.withConnection { connection in
            let customer = try await customer(request, scope: scope, on: connection)
            guard let link = try await store.portal.liveLink(customerID: customer.id, on: connection) else {
                throw Problem.notFound("Customer \(customer.id) has no self-service link.")
            }
            return link
        }
    }

    func get(_ request: RPCRequest) async throws -> RPCResponse {
        try .json(try await liveLink(request).view(baseURL: baseURL))
    }

    func revoke(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try DealsService.writeScope(request)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let customer = try await customer(request, scope: scope, on: connection)
            let now = Date()
            guard try await store.portal.revoke(customerID: customer.id, by: scope.caller.userID, at: now, on: connection) else {
                throw Problem.notFound("Customer \(customer.id) has no self-service link.")
            }
            return try .json(Revoked(customerId: customer.id, revokedAt: now))
        }
    }
}

/// The answer of `deals.revokePortalLink`.
struct Revoked: Encodable {
    var customerId: String
    var revokedAt: Date
}
