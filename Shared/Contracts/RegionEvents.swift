/// A `region.*` event: sales regions belong to the gateway, where an admin creates them.
public protocol RegionEvent: DomainEvent {}

extension RegionEvent {
    /// `gateway`.
    public static var source: String { "gateway" }
}

/// `region.created`: an admin added a sales region. The customers service keeps a replica, so that a customer's
/// region must be one that exists (issue 10).
public struct RegionCreated: RegionEvent, Equatable {
    public static let eventType = "region.created"
    /// The region code, e.g. `east-china` (``RegionCode``).
    public var code: String
    /// Its display name, e.g. 华东.
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}
