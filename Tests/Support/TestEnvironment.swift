public import Foundation

/// A required test setting is missing: the test command (scripts/test) sets these; running `swift test`
/// without it fails loudly instead of skipping.
public struct MissingTestEnvironment: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "\(name) is not set; run the tests with scripts/test, which starts PostgreSQL and RabbitMQ" }
}

/// The servers and binaries the test command prepared.
public enum TestEnvironment {
    /// The value of an environment variable the tests need.
    public static func require(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw MissingTestEnvironment(name: name) }
        return value
    }

    /// PostgreSQL URL of a role that may create schemas, databases and roles.
    public static func postgresURL() throws -> String { try require("SALESDESK_TEST_POSTGRES_URL") }

    /// RabbitMQ URL with full rights on the test vhost.
    public static func amqpURL() throws -> String { try require("SALESDESK_TEST_AMQP_URL") }

    /// The folder holding the built executables (`gateway`, `customers`, …).
    public static func binDirectory() throws -> URL { URL(fileURLWithPath: try require("SALESDESK_BIN_DIR")) }

    /// Runs `rabbitmqctl` against the test broker and returns its output; throws when it fails.
    @discardableResult
    public static func rabbitmqctl(_ arguments: String...) throws -> String {
        let command = try require("SALESDESK_TEST_RABBITMQCTL")
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try shell("\(command) \(quoted)")
    }

    /// Runs a shell command line; throws with its output when it exits non-zero.
    @discardableResult
    public static func shell(_ commandLine: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", commandLine]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw ShellFailure(commandLine: commandLine, status: process.terminationStatus, output: text) }
        return text
    }

    /// A short unique suffix for names a test creates (schemas, queues, vhosts).
    public static func uniqueSuffix() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }
}

/// A shell command exited non-zero.
public struct ShellFailure: Error, CustomStringConvertible {
    public let commandLine: String
    public let status: Int32
    public let output: String
    public var description: String { "`\(commandLine)` exited \(status): \(output)" }
}

/// Polls `check` until it returns true or `timeout` passes; waiting for events without fixed sleeps.
/// - Returns: whether the condition became true in time.
@discardableResult
public func eventually(
    timeout: Duration = .seconds(20),
    interval: Duration = .milliseconds(50),
    _ check: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try await check() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}

/// Polls until `check` reports done, giving up only when its progress has not moved for `stall`: a long job on a
/// loaded machine keeps its test alive for as long as it advances, and a stuck one still fails.
public func eventuallyWhileProgressing<Progress: Equatable>(
    stall: Duration = .seconds(60),
    interval: Duration = .milliseconds(200),
    _ check: () async throws -> (done: Bool, progress: Progress)
) async rethrows -> Bool {
    var last: Progress?
    var deadline = ContinuousClock.now.advanced(by: stall)
    while true {
        let (done, progress) = try await check()
        if done { return true }
        if progress != last {
            last = progress
            deadline = ContinuousClock.now.advanced(by: stall)
        }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}
