/// A user as the other services need to know them (org replica): role, region and reporting line.
public struct UserSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var username: String
    public var displayName: String
    public var role: Role
    /// Region code; `nil` for roles above regions (gm, admin, finance).
    public var region: String?
    /// The user's direct supervisor (reporting line).
    public var supervisorID: String?
    /// Mobile number, used to @-mention the user in WeCom group messages.
    public var mobile: String?
    /// WeCom user id, when known.
    public var wecomUserID: String?
    public var active: Bool
    /// Incremented by every change; the `sequence` of the user's events.
    public var version: Int64

    public init(
        id: String,
        username: String,
        displayName: String,
        role: Role,
        region: String?,
        supervisorID: String?,
        mobile: String?,
        wecomUserID: String?,
        active: Bool,
        version: Int64
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.region = region
        self.supervisorID = supervisorID
        self.mobile = mobile
        self.wecomUserID = wecomUserID
        self.active = active
        self.version = version
    }
}

/// A `user.*` event: users, roles and reporting lines belong to the gateway.
public protocol UserEvent: DomainEvent {}

extension UserEvent {
    /// `gateway`.
    public static var source: String { "gateway" }
}

/// `user.created`: an admin added a user.
public struct UserCreated: UserEvent, Equatable {
    public static let eventType = "user.created"
    public var user: UserSnapshot
    public init(user: UserSnapshot) { self.user = user }
}

/// `user.updated`: a user's role, region, reporting line or contact data changed.
public struct UserUpdated: UserEvent, Equatable {
    public static let eventType = "user.updated"
    public var user: UserSnapshot
    public var changedFields: [String]
    public init(user: UserSnapshot, changedFields: [String]) {
        self.user = user
        self.changedFields = changedFields
    }
}

/// `user.deactivated`: the user left; their tokens stop working, their records stay.
public struct UserDeactivated: UserEvent, Equatable {
    public static let eventType = "user.deactivated"
    public var user: UserSnapshot
    public init(user: UserSnapshot) { self.user = user }
}

/// `user.logged_in`: a successful login (reporting's daily-active ratio).
public struct UserLoggedIn: UserEvent, Equatable {
    public static let eventType = "user.logged_in"
    public var userID: String
    public var role: Role
    public var region: String?
    public init(userID: String, role: Role, region: String?) {
        self.userID = userID
        self.role = role
        self.region = region
    }
}

/// `user.active`: the user made their first authenticated request of an Asia/Shanghai business day (issue 12, the
/// daily-active ratio counts any authenticated action, not only a login). The gateway publishes it at most once per
/// user and day.
public struct UserActive: UserEvent, Equatable {
    public static let eventType = "user.active"
    public var userID: String
    public var role: Role
    public var region: String?
    /// The Asia/Shanghai business day, `YYYY-MM-DD`.
    public var day: String
    public init(userID: String, role: Role, region: String?, day: String) {
        self.userID = userID
        self.role = role
        self.region = region
        self.day = day
    }
}

/// `customer.transferred`: a customer moved from one owner to another.
public struct CustomerTransferred: CustomerEvent, Equatable {
    public static let eventType = "customer.transferred"
    public var customer: CustomerSnapshot
    public var fromOwnerID: String?
    public var toOwnerID: String
    /// Who moved it.
    public var byUserID: String
    public init(customer: CustomerSnapshot, fromOwnerID: String?, toOwnerID: String, byUserID: String) {
        self.customer = customer
        self.fromOwnerID = fromOwnerID
        self.toOwnerID = toOwnerID
        self.byUserID = byUserID
    }
}
