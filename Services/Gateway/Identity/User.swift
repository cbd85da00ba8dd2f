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
