public import Contracts

/// A user as approvals knows them from `user.*` events.
public struct OrgUser: Sendable, Equatable {
    public var id: String
    public var role: Role
    public var region: String?
    public var supervisorID: String?
    public var displayName: String
    public var mobile: String?
    public var active: Bool

    /// The user as the org replica keeps them.
    public init(_ user: UserSnapshot) {
        self.init(
            id: user.id,
            role: user.role,
            region: user.region,
            supervisorID: user.supervisorID,
            displayName: user.displayName,
            mobile: user.mobile,
            active: user.active
        )
    }

    public init(id: String, role: Role, region: String?, supervisorID: String?, displayName: String, mobile: String?, active: Bool) {
        self.id = id
        self.role = role
        self.region = region
        self.supervisorID = supervisorID
        self.displayName = displayName
        self.mobile = mobile
        self.active = active
    }
}

/// Who approves a step, and how they were found.
public struct ResolvedApprover: Sendable, Equatable {
    public var user: OrgUser
    /// `direct`, `escalated:<role found instead>` or `admin` (nobody in the management line).
    public var resolution: String
}

/// The org chart as of now, and the rules that turn a step's role into a person.
///
/// - supervisor: the contract owner's direct supervisor, if active and a manager (supervisor, regional manager or
///   gm). Otherwise the next active manager up the owner's reporting line.
/// - regional_manager: the active regional manager of the contract's region.
/// - gm: an active gm.
///
/// A role nobody fills escalates to the next role up (supervisor → regional manager → gm), and when the whole
/// line is empty the step goes to an active admin, so an approval never stalls unassigned. Ties (two regional
/// managers of one region) go to the smallest user id, so every instance of the service picks the same person.
public struct OrgChart: Sendable {
    public var users: [String: OrgUser]

    public init(users: [OrgUser]) {
        self.users = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static let managers: Set<Role> = [.supervisor, .regionalManager, .gm]

    /// The approver of a step with `role` for a contract owned by `ownerID` in `region`; `nil` only when not even
    /// an admin is known.
    public func approver(for role: Role, ownerID: String, region: String) -> ResolvedApprover? {
        let chain: [Role] = [.supervisor, .regionalManager, .gm]
        let start = chain.firstIndex(of: role) ?? chain.count
        for (offset, candidateRole) in chain[start...].enumerated() {
            if let user = direct(candidateRole, ownerID: ownerID, region: region) {
                let resolution = offset == 0 && candidateRole == role ? "direct" : "escalated:\(candidateRole.rawValue)"
                return ResolvedApprover(user: user, resolution: resolution)
            }
        }
        return firstActive { $0.role == .admin }.map { ResolvedApprover(user: $0, resolution: "admin") }
    }

    private func direct(_ role: Role, ownerID: String, region: String) -> OrgUser? {
        switch role {
        case .supervisor:
            // Walk up the reporting line; the bound guards against a cycle in replicated data.
            var current = users[ownerID]?.supervisorID
            for _ in 0..<10 {
                guard let id = current, let user = users[id] else { return nil }
                if user.active, Self.managers.contains(user.role) {
                    // Skipping past the region's level belongs to the regional-manager step, not this one.
                    return user.role == .supervisor || user.id == users[ownerID]?.supervisorID ? user : nil
                }
                current = user.supervisorID
            }
            return nil
        case .regionalManager:
            return firstActive { $0.role == .regionalManager && $0.region == region }
        case .gm:
            return firstActive { $0.role == .gm }
        default:
            return nil
        }
    }

    private func firstActive(_ matches: (OrgUser) -> Bool) -> OrgUser? {
        users.values.filter { $0.active && matches($0) }.min { $0.id < $1.id }
    }
}
