import Foundation

/// How many failed logins lock whom, and for how long.
struct LockoutPolicy: Sendable {
    /// Failures for one username within ``window`` that lock it.
    var userLimit: Int = 5
    /// Failures from one client address (any usernames) within ``window`` that lock the address. Several people
    /// behind one office NAT share an address, so this is higher than the per-user limit.
    var addressLimit: Int = 20
    /// The counting window and the lock's duration, in seconds.
    var window: TimeInterval = 15 * 60
}
