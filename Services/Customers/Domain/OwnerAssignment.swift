public import Contracts
public import ServiceRuntime

/// A user as the customers service knows them from `user.*` events: enough to decide who may own a customer.
public struct ReplicatedUser: Sendable, Equatable {
    public var id: String
    public var role: Role
    public var region: String?
    public var supervisorID: String?
    public var active: Bool

    /// The user as the org replica keeps them.
    public init(_ user: UserSnapshot) {
        self.init(id: user.id, role: user.role, region: user.region, supervisorID: user.supervisorID, active: user.active)
    }

    public init(id: String, role: Role, region: String?, supervisorID: String?, active: Bool) {
        self.id = id
        self.role = role
        self.region = region
        self.supervisorID = supervisorID
        self.active = active
    }
}

/// Who may be made the owner of a customer (on create and transfer), without I/O.
///
/// A rep owns what they create and can name no one else; a supervisor can name themselves or a direct report;
/// a regional manager any user of their region; gm and admin anyone. Apart from the caller themselves (whose
/// valid token proves they are active), the new owner must be an active user the org replica knows.
///
/// A refusal is a 422 problem on the field that named the owner: the request is well-formed, the value breaks
/// a rule, and the client can point at the input. (Finance, who may not write at all, is refused earlier with 403.)
public enum OwnerAssignment {
    /// Checks that the caller may make `userID` the owner.
    /// - Parameters:
    ///   - userID: the prospective owner.
    ///   - user: that user in the org replica, `nil` when unknown.
    ///   - scope: the caller's scope.
    ///   - field: the input field that named the owner (`ownerId`, `toUserId`).
    public static func check(_ userID: String, user: ReplicatedUser?, scope: DataScope, field: String) throws(Problem) {
        if userID == scope.caller.userID, scope.canWrite { return }
        guard scope.canReassignOwners else {
            throw Problem.validation([.init(field: field, message: "must be yourself: a rep owns the customers they create")])
        }
        guard let user, user.active else {
            throw Problem.validation([.init(field: field, message: "is not an active user")])
        }
        guard scope.mayAssign(userID: user.id, userRegion: user.region) else {
            let rule =
                switch scope.caller.role {
                case .supervisor: "a supervisor may assign only themselves or a direct report"
                case .regionalManager: "a regional manager may assign only users of their region"
                default: "you may not assign this user"
                }
            throw Problem.validation([.init(field: field, message: "is not a user you may assign: \(rule)")])
        }
    }
}
