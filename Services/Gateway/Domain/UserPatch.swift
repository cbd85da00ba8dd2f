import Contracts
import Foundation

/// One field of a partial update: left as it is (absent from the body), cleared (`null`), or set to a value.
enum Patch<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case clear
    case set(Value)

    /// The field's value after the patch.
    func applied(to current: Value?) -> Value? {
        switch self {
        case .keep: current
        case .clear: nil
        case .set(let value): value
        }
    }

    /// The value the patch sets, if it sets one.
    var newValue: Value? {
        if case .set(let value) = self { value } else { nil }
    }
}

/// The body of `PATCH /api/v1/users/{id}`: only the fields present change. `region`, `supervisorId`, `mobile` and
/// `wecomUserId` may be `null` to clear them; the others may only be absent or set.
///
/// Decoding checks the shape and the field rules together, so a `UserPatch` that exists is valid: fields it does
/// not know, `null` where a value is required, wrong types and values that break ``UserRules`` are all reported in
/// one 422 problem. Rules that need the stored user (a region for the new role, an existing supervisor, no loop in
/// the reporting line, a free username) are checked by ``UpdateUserHandler``.
struct UserPatch: Decodable, Sendable, Equatable {
    var username: String?
    var displayName: String?
    var password: String?
    var role: Role?
    var region: Patch<String> = .keep
    var supervisorId: Patch<RecordID> = .keep
    var mobile: Patch<String> = .keep
    var wecomUserId: Patch<String> = .keep
    /// The version the client last read; a different stored version is a 409.
    var version: Int64?

    /// The fields a patch may name.
    static let fields: Set = ["username", "displayName", "password", "role", "region", "supervisorId", "mobile", "wecomUserId", "version"]

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: FieldKey.self) else {
            throw Problem.badRequest("The body must be a JSON object.")
        }
        var errors = container.allKeys.map(\.stringValue).filter { !Self.fields.contains($0) }.sorted().map {
            Problem.FieldError(field: $0, message: "cannot be changed here (deactivate with POST /api/v1/users/{id}/deactivate)")
        }
        func text(_ field: String, nullable: Bool) -> Patch<String> {
            let key = FieldKey(field)
            guard container.contains(key) else { return .keep }
            if (try? container.decodeNil(forKey: key)) == true {
                if !nullable { errors.append(.init(field: field, message: "cannot be null")) }
                return .clear
            }
            guard let value = try? container.decode(String.self, forKey: key) else {
                errors.append(.init(field: field, message: "must be a string"))
                return .keep
            }
            return .set(value)
        }
        // Shape errors first, then rule errors, each in the order of the API's fields.
        username = text("username", nullable: false).newValue
        displayName = text("displayName", nullable: false).newValue
        password = text("password", nullable: false).newValue
        let roleName = text("role", nullable: false).newValue
        region = text("region", nullable: true)
        let supervisorText = text("supervisorId", nullable: true)
        mobile = text("mobile", nullable: true)
        wecomUserId = text("wecomUserId", nullable: true)
        // A version that is not a whole number is ignored, as if absent.
        version = (try? container.decode(Double.self, forKey: FieldKey("version"))).flatMap { Int64(exactly: $0) }

        if let username { UserRules.checkUsername(username, into: &errors) }
        if let displayName { UserRules.checkDisplayName(displayName, into: &errors) }
        if let password { UserRules.checkPassword(password, into: &errors) }
        if let mobile = mobile.newValue { UserRules.checkMobile(mobile, into: &errors) }
        if let wecomUserId = wecomUserId.newValue { UserRules.checkWecomUserId(wecomUserId, into: &errors) }
        if let region = region.newValue { UserRules.checkRegionCode(region, into: &errors) }
        role = roleName.flatMap { UserRules.checkRole($0, into: &errors) }
        switch supervisorText {
        case .keep: supervisorId = .keep
        case .clear: supervisorId = .clear
        case .set(let text):
            if let id = UserRules.checkSupervisorId(text, into: &errors) { supervisorId = .set(id) }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    /// The user with the patch applied; the version, timestamps and password are the handler's to change.
    func applied(to user: User) -> User {
        var user = user
        if let username { user.username = username }
        if let displayName { user.displayName = displayName.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let role { user.role = role }
        user.region = region.applied(to: user.region)
        user.supervisorId = supervisorId.applied(to: user.supervisorId)
        user.mobile = mobile.applied(to: user.mobile)
        user.wecomUserId = wecomUserId.applied(to: user.wecomUserId)
        return user
    }

    /// Any JSON object key.
    private struct FieldKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }
}
