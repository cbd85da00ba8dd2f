import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Discount limits (折扣权限, issue 12): how far below the list price each role may quote a line before the version
/// needs discount approval.
/// - `deals.getDiscountLimits` (`GET /discount-limits`): every role's limit and the caller's own, for anyone signed in
///   (the quote builder warns live when a line goes beyond it).
/// - `deals.replaceDiscountLimits` (`PUT /discount-limits`, `{limits: [{role, maxDiscountBasisPoints}]}`): admins set
///   the listed roles' limits (`null` = unlimited); others get a 403. Versions already saved keep the limit they were
///   judged by.
struct DiscountLimitHandlers: Sendable {
    static let get = "deals.getDiscountLimits"
    static let replace = "deals.replaceDiscountLimits"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func register(on router: inout RPCRouter) {
        router.on(Self.get, getLimits)
        router.on(Self.replace, replaceLimits)
    }

    /// The limits and the caller's own (`callerMaxDiscountBasisPoints`: `null` when unlimited, 0 for a role without
    /// discount authority).
    struct LimitsView: Encodable {
        var items: [DiscountLimit]
        var callerRole: Role
        @ExplicitNull var callerMaxDiscountBasisPoints: Int64?
    }

    static func view(_ limits: [DiscountLimit], caller: CallerIdentity) -> LimitsView {
        let own: Int64? =
            switch limits.first(where: { $0.role == caller.role }) {
            case .some(let limit): limit.maxDiscountBasisPoints
            case .none: 0
            }
        return LimitsView(items: limits, callerRole: caller.role, callerMaxDiscountBasisPoints: own)
    }

    func getLimits(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let limits = try await postgres.withConnection { connection in try await store.discounts.limits(on: connection) }
        return try .json(Self.view(limits, caller: caller))
    }

    /// The body of `PUT /discount-limits`.
    struct Replacement: Decodable {
        struct Entry: Decodable {
            var role: String
            /// `.some(nil)` is an explicit null (unlimited); `nil` is a missing field.
            var maxDiscountBasisPoints: Int64??

            enum CodingKeys: String, CodingKey { case role, maxDiscountBasisPoints }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                role = try container.decode(String.self, forKey: .role)
                if !container.contains(.maxDiscountBasisPoints) {
                    maxDiscountBasisPoints = nil
                } else if try container.decodeNil(forKey: .maxDiscountBasisPoints) {
                    maxDiscountBasisPoints = .some(nil)
                } else {
                    maxDiscountBasisPoints = .some(try container.decode(Int64.self, forKey: .maxDiscountBasisPoints))
                }
            }
        }
        var limits: [Entry]
    }

    /// Checks a replacement: each listed role once, one that has a limit, and a limit from 0 to 10000 or null.
    static func validate(_ body: Replacement) throws(Problem) -> [Role: Int64?] {
        var errors: [Problem.FieldError] = []
        var limits: [Role: Int64?] = [:]
        if body.limits.isEmpty { errors.append(.init(field: "limits", message: "must name at least one role")) }
        for (index, entry) in body.limits.enumerated() {
            guard let role = Role(rawValue: entry.role), DiscountRules.roles.contains(role) else {
                errors.append(.init(field: "limits.\(index).role", message: "must be rep, supervisor, regional_manager or gm"))
                continue
            }
            guard limits[role] == nil else {
                errors.append(.init(field: "limits.\(index).role", message: "appears twice"))
                continue
            }
            guard let value = entry.maxDiscountBasisPoints else {
                errors.append(.init(field: "limits.\(index).maxDiscountBasisPoints", message: "is required (null for no limit)"))
                continue
            }
            if let value, !(0...10_000).contains(value) {
                errors.append(.init(field: "limits.\(index).maxDiscountBasisPoints", message: "must be from 0 to 10000 or null"))
                continue
            }
            limits[role] = .some(value)
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return limits
    }

    func replaceLimits(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        guard caller.role == .admin else { throw Problem.forbidden("Only an admin changes discount limits.") }
        let limits = try Self.validate(try request.decode(Replacement.self))
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try await store.discounts.replace(limits, by: caller.userID, at: Date(), on: connection)
            return try .json(Self.view(try await store.discounts.limits(on: connection), caller: caller))
        }
    }
}
