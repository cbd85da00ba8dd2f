/// A role in the sales organisation; it decides the data scope (see ARCHITECTURE.md, "Roles and data scope").
public enum Role: String, Codable, Sendable, CaseIterable {
    case rep
    case supervisor
    case regionalManager = "regional_manager"
    case gm
    case finance
    case admin
    /// The warehouse (仓库): records shipments against signed contracts, company-wide, and sees no prices or costs.
    case warehouse
}

/// Who is calling: travels from the gateway to every service in RPC headers, and every service enforces
/// data scope from it itself.
public struct CallerIdentity: Codable, Sendable, Equatable {
    public var userID: String
    public var role: Role
    /// The caller's region code, if they belong to one.
    public var region: String?
    /// User ids of the caller's direct reports (a supervisor's team).
    public var team: [String]

    /// Creates an identity.
    public init(userID: String, role: Role, region: String? = nil, team: [String] = []) {
        self.userID = userID
        self.role = role
        self.region = region
        self.team = team
    }

    /// The RPC header names.
    public enum Header {
        public static let userID = "x-user-id"
        public static let role = "x-user-role"
        public static let region = "x-user-region"
        public static let team = "x-user-team"
    }

    /// The identity as RPC headers.
    public var headers: [String: String] {
        var headers = [Header.userID: userID, Header.role: role.rawValue]
        if let region { headers[Header.region] = region }
        if !team.isEmpty { headers[Header.team] = team.joined(separator: ",") }
        return headers
    }

    /// Reads an identity from RPC headers; `nil` when the user id or role is missing or unknown.
    public init?(headers: [String: String]) {
        guard let userID = headers[Header.userID], !userID.isEmpty,
            let roleName = headers[Header.role], let role = Role(rawValue: roleName)
        else { return nil }
        let region = headers[Header.region].flatMap { $0.isEmpty ? nil : $0 }
        let team = (headers[Header.team] ?? "").split(separator: ",").map(String.init)
        self.init(userID: userID, role: role, region: region, team: team)
    }
}

extension CallerIdentity {
    /// The caller of the public (no-login) routes: the gateway signs this identity for the one operation a customer's
    /// self-service page calls. It is a rep who owns nothing, so any scope check it meets by mistake shows nothing; the
    /// operations it may reach decide what to show from the self-service token alone.
    public static let publicVisitor = CallerIdentity(userID: "public-visitor", role: .rep)
}
