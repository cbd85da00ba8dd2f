public import Foundation

/// A configuration value that is missing or malformed; the message names the key and the environment variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The configuration key, e.g. `postgres.url`.
    public let key: String
    /// What is wrong with it.
    public let reason: String

    /// Creates the error for a key whose value is missing or unusable.
    /// - Parameters:
    ///   - key: the configuration key, e.g. `jwt.secret`.
    ///   - reason: what is wrong, e.g. `is required but not set`.
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String {
        "configuration \(key) (env \(ServiceConfiguration.environmentName(of: key))): \(reason)"
    }
}

/// Configuration read from the environment at start and validated before anything runs.
///
/// Keys are dotted (`amqp.url`) and map to upper-case environment variables (`AMQP_URL`), as STYLE.md says.
public struct ServiceConfiguration: Sendable {
    private let environment: [String: String]

    /// Reads from the given environment (the process environment by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The environment variable behind a key: `amqp.url` → `AMQP_URL`.
    public static func environmentName(of key: String) -> String {
        key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The raw value of a key, or `nil` when it is not set or empty.
    public func optional(_ key: String) -> String? {
        guard let value = environment[Self.environmentName(of: key)], !value.isEmpty else { return nil }
        return value
    }

    /// The value of a required key.
    public func required(_ key: String) throws(ConfigurationError) -> String {
        guard let value = optional(key) else { throw ConfigurationError(key: key, reason: "is required but not set") }
        return value
    }

    /// A string with a default.
    public func string(_ key: String, default defaultValue: String) -> String {
        optional(key) ?? defaultValue
    }

    /// An integer in a range, with a default.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigurationError) -> Int {
        guard let text = optional(key) else { return defaultValue }
        guard let value = Int(text) else { throw ConfigurationError(key: key, reason: "'\(text)' is not a whole number") }
        guard range.contains(value) else { throw ConfigurationError(key: key, reason: "\(value) is outside \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    /// A switch (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`), with a default.
    public func bool(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let text = optional(key)?.lowercased() else { return defaultValue }
        switch text {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(key: key, reason: "'\(text)' is not true or false")
        }
    }

    /// One of a fixed set of values, with a default.
    public func choice(_ key: String, default defaultValue: String, allowed: [String]) throws(ConfigurationError) -> String {
        let value = optional(key)?.lowercased() ?? defaultValue
        guard allowed.contains(value) else {
            throw ConfigurationError(key: key, reason: "'\(value)' is not one of \(allowed.joined(separator: ", "))")
        }
        return value
    }
}
