import Contracts
import Foundation

/// Which WeCom group robot a push goes to: one robot per region where configured, the default robot otherwise.
///
/// Configured as `WECOM_ROBOTS="east=KEY1,north=KEY2"` next to the default `WECOM_WEBHOOK_KEY`. A push about a
/// region's records (a receivable's contract region, a reminder's customer region, else the recipient's region in the
/// org replica) goes to that region's robot.
public struct WeComRobots: Sendable, Equatable {
    /// The robot for everything no region claims.
    public var defaultKey: String?
    /// Region code → robot key.
    public var regionKeys: [String: String]

    public init(defaultKey: String?, regionKeys: [String: String] = [:]) {
        self.defaultKey = defaultKey
        self.regionKeys = regionKeys
    }

    /// Parses `east=KEY1,north=KEY2` (spaces around items ignored); `nil` names the first malformed item.
    public static func parse(_ text: String) -> Result<[String: String], ParseError> {
        var keys: [String: String] = [:]
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, keys[parts[0]] == nil else {
                return .failure(ParseError(item: trimmed))
            }
            keys[parts[0]] = parts[1]
        }
        return .success(keys)
    }

    /// An item of `WECOM_ROBOTS` that is not `region=key`, or a region named twice.
    public struct ParseError: Error, Equatable {
        public var item: String
    }

    /// The robot key for a push about `region`: the region's robot, else the default; `nil` when neither exists.
    public func key(forRegion region: String?) -> String? {
        if let region, let key = regionKeys[region] { return key }
        return defaultKey
    }

    /// The name the rate limiter and the delivery rows know a robot by: a hash of its key, so that the key (a
    /// credential) is not written to the database and two regions sharing one robot share its limit.
    public static func limiterName(forKey key: String) -> String {
        "robot:\(StableHash.fnv1a64Hex(key))"
    }
}
