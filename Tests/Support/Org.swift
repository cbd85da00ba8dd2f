public import Contracts

/// The sales organisation the service tests share, as the gateway publishes it (`user.created`) and as its
/// callers arrive (``CallerIdentity``).
///
/// east-china: sup-1 leads rep-1 and rep-gone; sup-2 leads rep-2, rep-3, rep-4 and rep-5; rm-east manages the
/// region. north-china: rep-north, managed by rm-north. Above regions: gm, admin, finance.
public enum Org {
    /// Every user, version 1, active.
    public static let users: [UserSnapshot] = [
        user("rep-1", "张伟", .rep, "east-china", supervisor: "sup-1", mobile: "13800000001"),
        user("rep-gone", "孙强", .rep, "east-china", supervisor: "sup-1"),
        user("rep-2", "李娜", .rep, "east-china", supervisor: "sup-2"),
        user("rep-3", "王芳", .rep, "east-china", supervisor: "sup-2"),
        user("rep-4", "刘洋", .rep, "east-china", supervisor: "sup-2"),
        user("rep-5", "陈静", .rep, "east-china", supervisor: "sup-2"),
        user("sup-1", "周主管", .supervisor, "east-china", supervisor: "rm-east", mobile: "13800000002"),
        user("sup-2", "郑主管", .supervisor, "east-china", supervisor: "rm-east"),
        user("rm-east", "吴经理", .regionalManager, "east-china", supervisor: "gm"),
        user("rep-north", "赵磊", .rep, "north-china", supervisor: "rm-north"),
        user("rm-north", "钱经理", .regionalManager, "north-china", supervisor: "gm"),
        user("gm", "总经理", .gm, nil, supervisor: nil),
        user("admin", "管理员", .admin, nil, supervisor: nil),
        user("finance", "财务", .finance, nil, supervisor: nil),
    ]

    /// The snapshot of a fixture user; change a copy to describe a later version of them.
    public static func user(_ id: String) -> UserSnapshot {
        guard let user = users.first(where: { $0.id == id }) else { preconditionFailure("\(id) is not in the org fixture") }
        return user
    }

    /// The identity the gateway sends for a fixture user: their role and region, and their direct reports as the
    /// team (deactivated ones included).
    public static func identity(_ id: String) -> CallerIdentity {
        let user = user(id)
        return CallerIdentity(userID: id, role: user.role, region: user.region, team: users.filter { $0.supervisorID == id }.map(\.id))
    }

    /// Delivers `user.created` for every fixture user through the service's handlers.
    public static func seed(_ harness: RPCHarness) async throws {
        for user in users {
            try await harness.deliver(UserCreated(user: user), source: "gateway", subject: user.id, sequence: user.version)
        }
    }

    private static func user(
        _ id: String,
        _ name: String,
        _ role: Role,
        _ region: String?,
        supervisor: String?,
        mobile: String? = nil
    ) -> UserSnapshot {
        UserSnapshot(
            id: id,
            username: id,
            displayName: name,
            role: role,
            region: region,
            supervisorID: supervisor,
            mobile: mobile,
            wecomUserID: nil,
            active: true,
            version: 1
        )
    }
}

extension UserSnapshot {
    /// This user at a later version, changed by `change`.
    public func updated(version: Int64, _ change: (inout UserSnapshot) -> Void = { _ in }) -> UserSnapshot {
        var user = self
        user.version = version
        change(&user)
        return user
    }
}
