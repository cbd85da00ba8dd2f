import Contracts
import Foundation

/// A user as the gateway stores it (without the password hash) and as the API shows it.
///
/// The synthesized `Codable` writes ids in lower case (``RecordID``) and leaves out the optional fields that are
/// `nil`.
struct User: Codable, Sendable, Equatable {
    var id: RecordID
    var username: String
    var displayName: String
    var role: Role
    var region: String?
    var supervisorId: RecordID?
    var mobile: String?
    var wecomUserId: String?
    var active: Bool
    var version: Int64
    var createdAt: Date
    var updatedAt: Date

    /// The user as the other services' org replicas know them.
    var snapshot: UserSnapshot {
        UserSnapshot(
            id: id.description,
            username: username,
            displayName: displayName,
            role: role,
            region: region,
            supervisorID: supervisorId?.description,
            mobile: mobile,
            wecomUserID: wecomUserId,
            active: active,
            version: version
        )
    }

    /// The snapshot fields that differ between two versions of a user, by their API names, in API order.
    static func changedFields(_ before: User, _ after: User) -> [String] {
        var fields: [String] = []
        if before.username != after.username { fields.append("username") }
        if before.displayName != after.displayName { fields.append("displayName") }
        if before.role != after.role { fields.append("role") }
        if before.region != after.region { fields.append("region") }
        if before.supervisorId != after.supervisorId { fields.append("supervisorId") }
        if before.mobile != after.mobile { fields.append("mobile") }
        if before.wecomUserId != after.wecomUserId { fields.append("wecomUserId") }
        return fields
    }
}

/// A region users and customers belong to.
struct Region: Codable, Sendable, Equatable {
    var code: String
    var name: String
    var createdAt: Date
}

/// The identity of a user as the RPC headers carry it: the team is the user's direct reports, deactivated ones
/// included, so a supervisor keeps seeing the customers of a rep who left.
extension CallerIdentity {
    init(user: User, team: [RecordID]) {
        self.init(userID: user.id.description, role: user.role, region: user.region, team: team.map(\.description))
    }
}

/// The body of `POST /api/v1/users`; ``UserRules/user(from:id:at:)`` checks it.
struct NewUser: Decodable, Sendable {
    var username: String
    var displayName: String
    var password: String
    var role: String
    var region: String?
    var supervisorId: String?
    var mobile: String?
    var wecomUserId: String?
}

/// The body of `POST /api/v1/regions`; ``UserRules/region(from:at:)`` checks it.
struct NewRegion: Decodable, Sendable {
    var code: String
    var name: String
}
