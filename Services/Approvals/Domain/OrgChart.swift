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
    /// `direct`, `escalated:<role found instead>` or `admin` (nobody in the management line), followed by
    /// `;skipped:<user id>=<owner|submitter|owner+submitter>,…` when a party to the contract was passed over.
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
///
/// Separation of duties: nobody approves a contract they own or submitted. Such a person is passed over as if their
/// seat were empty, so the step goes to the next manager up the line (further up the reporting line for the
/// supervisor step, then regional manager, then gm). A peer of the same role is not asked instead: a peer is not
/// above them in the line, and who it would be depends only on user ids. Above gm there is no line, so a gm's own
/// contract goes to an active admin who is not a party either. The passed-over people are recorded in the
/// resolution, which the step keeps.
public struct OrgChart: Sendable {
    public var users: [String: OrgUser]

    public init(users: [OrgUser]) {
        self.users = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static let managers: Set<Role> = [.supervisor, .regionalManager, .gm]

    /// The approver of a step with `role` for a contract owned by `ownerID`, submitted by `submitterID`, in `region`:
    /// never the owner or the submitter. `nil` only when not even an admin who is neither is known.
    /// - Parameter passingOver: more people to pass over as if their seat were empty, by id, with the reason the
    ///   resolution records for each (``DelegationRule`` passes over an away approver and a delegate who may not decide).
    public func approver(
        for role: Role,
        ownerID: String,
        submitterID: String,
        region: String,
        passingOver: [String: String] = [:]
    ) -> ResolvedApprover? {
        var search = Search(chart: self, ownerID: ownerID, submitterID: submitterID, region: region, passingOver: passingOver)
        let chain: [Role] = [.supervisor, .regionalManager, .gm]
        let start = chain.firstIndex(of: role) ?? chain.count
        for (offset, candidateRole) in chain[start...].enumerated() {
            if let user = search.holder(of: candidateRole) {
                let resolution = offset == 0 && candidateRole == role ? "direct" : "escalated:\(candidateRole.rawValue)"
                return ResolvedApprover(user: user, resolution: resolution + search.skippedNote)
            }
        }
        guard let admin = firstActive({ $0.role == .admin && search.party(of: $0) == nil }) else { return nil }
        return ResolvedApprover(user: admin, resolution: "admin" + search.skippedNote)
    }

    /// One resolution: who holds each role for the contract, and which parties to it were passed over on the way.
    private struct Search {
        let chart: OrgChart
        let ownerID: String
        let submitterID: String
        let region: String
        let passingOver: [String: String]
        var skipped: [String] = []

        /// `owner`, `submitter` or `owner+submitter` when `user` may not approve the contract, or the reason they are
        /// passed over.
        func party(of user: OrgUser) -> String? {
            if let reason = passingOver[user.id] { return reason }
            return switch (user.id == ownerID, user.id == submitterID) {
            case (true, true): "owner+submitter"
            case (true, false): "owner"
            case (false, true): "submitter"
            case (false, false): nil
            }
        }

        var skippedNote: String { skipped.isEmpty ? "" : ";skipped:" + skipped.joined(separator: ",") }

        /// The user who approves as `role`, or `nil` when the seat is empty or its holder is a party to the contract.
        mutating func holder(of role: Role) -> OrgUser? {
            let users = chart.users
            let holder: OrgUser?
            switch role {
            case .supervisor:
                // Walk up the reporting line; the bound guards against a cycle in replicated data.
                var current = users[ownerID]?.supervisorID
                for _ in 0..<10 {
                    guard let id = current, let user = users[id] else { return nil }
                    if user.active, OrgChart.managers.contains(user.role) {
                        if let party = party(of: user) {
                            passOver(user, party)
                        } else {
                            // Skipping past the region's level belongs to the regional-manager step, not this one.
                            return user.role == .supervisor || user.id == users[ownerID]?.supervisorID ? user : nil
                        }
                    }
                    current = user.supervisorID
                }
                return nil
            case .regionalManager:
                holder = chart.firstActive { $0.role == .regionalManager && $0.region == region }
            case .gm:
                holder = chart.firstActive { $0.role == .gm }
            default:
                return nil
            }
            guard let holder else { return nil }
            if let party = party(of: holder) {
                passOver(holder, party)
                return nil
            }
            return holder
        }

        private mutating func passOver(_ user: OrgUser, _ party: String) {
            let note = "\(user.id)=\(party)"
            if !skipped.contains(note) { skipped.append(note) }
        }
    }

    private func firstActive(_ matches: (OrgUser) -> Bool) -> OrgUser? {
        users.values.filter { $0.active && matches($0) }.min { $0.id < $1.id }
    }
}
