import Contracts
import Foundation

/// A user as the gateway stores it (without the password hash) and as the API shows it.
struct User: Codable, Sendable, Equatable {
    var id: UUID
    var username: String
    var displayName: String
    var role: Role
    var region: String?
    var supervisorId: UUID?
    var mobile: String?
    var wecomUserId: String?
    var active: Bool
    var version: Int64
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, username, displayName, role, region, supervisorId, mobile, wecomUserId, active, version, createdAt, updatedAt
    }

    // Ids leave the API in lower case, the canonical form of RFC 9562 (Foundation would write upper case).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(username, forKey: .username)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(role, forKey: .role)
        try container.encodeIfPresent(region, forKey: .region)
        try container.encodeIfPresent(supervisorId?.uuidString.lowercased(), forKey: .supervisorId)
        try container.encodeIfPresent(mobile, forKey: .mobile)
        try container.encodeIfPresent(wecomUserId, forKey: .wecomUserId)
        try container.encode(active, forKey: .active)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// The user as the other services' org replicas know them.
    var snapshot: UserSnapshot {
        UserSnapshot(
            id: id.uuidString.lowercased(),
            username: username,
            displayName: displayName,
            role: role,
            region: region,
            supervisorID: supervisorId?.uuidString.lowercased(),
            mobile: mobile,
            wecomUserID: wecomUserId,
            active: active,
            version: version
        )
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
    init(user: User, team: [UUID]) {
        self.init(
            userID: user.id.uuidString.lowercased(),
            role: user.role,
            region: user.region,
            team: team.map { $0.uuidString.lowercased() }
        )
    }
}
