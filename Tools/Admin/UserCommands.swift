public import ArgumentParser
import Contracts
import Foundation
import Gateway

/// Where a command reads a new password: a file's first line, or standard input (`-`), never the command line (where
/// `ps` and shell history would show it).
public struct PasswordOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("password-file"),
        help: "Read the new password from the first line of this file; '-' reads standard input."
    )
    public var file: String = "-"

    public init() {}

    /// The password read.
    public func read() throws -> String {
        let text: String
        if file == "-" {
            text = readLine(strippingNewline: true) ?? ""
        } else {
            text = try String(contentsOfFile: file, encoding: .utf8)
        }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard !line.isEmpty else { throw ValidationError("no password read from \(file == "-" ? "standard input" : file)") }
        return line
    }
}

/// Options of the user commands: the gateway's schema and the bcrypt cost.
public struct GatewayOptions: ParsableArguments, Sendable {
    @OptionGroup public var postgres: PostgresOptions
    @Option(name: .customLong("gateway-schema"), help: "The gateway's schema (its POSTGRES_SCHEMA).") public var schema = "gateway"
    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost of the new hash (the gateway's AUTH_BCRYPT_COST).") public var bcryptCost: UInt8 = 10

    public init() {}

    func withAccounts<T: Sendable>(_ body: @Sendable (OperatorAccounts) async throws -> T) async throws -> T {
        let cost = bcryptCost
        return try await postgres.withClient(schema: schema) { client in
            try await body(OperatorAccounts(postgres: client, bcryptCost: cost, logger: AdminLog.logger))
        }
    }
}

/// Reports a ``Contracts/Problem`` as the message an operator reads.
func operatorMessage(_ error: any Error) -> any Error {
    guard let problem = error as? Problem else { return error }
    let fields = (problem.errors ?? []).map { "\($0.field) \($0.message)" }.joined(separator: "; ")
    return ValidationError([problem.detail ?? problem.title, fields].filter { !$0.isEmpty }.joined(separator: ": "))
}

/// `salesdesk-admin create-admin USERNAME`: a new active admin, for a fresh install or when every admin is locked out.
public struct CreateAdmin: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create an admin user (password from --password-file or standard input).",
        discussion: "Needs POSTGRES_URL (or --postgres-url). Publishes user.created through the gateway's outbox."
    )

    @OptionGroup public var gateway: GatewayOptions
    @OptionGroup public var password: PasswordOptions
    @Option(name: .customLong("display-name"), help: "The name shown in the app.") public var displayName = "Administrator"
    @Argument(help: "The username (2–64 letters, digits, '.', '_' or '-').") public var username: String

    public init() {}

    public func run() async throws {
        let password = try self.password.read()
        let (username, displayName) = (self.username, self.displayName)
        do {
            let id = try await gateway.withAccounts { try await $0.createAdmin(username: username, password: password, displayName: displayName) }
            print("created admin \(username) (\(id))")
        } catch {
            throw operatorMessage(error)
        }
    }
}

/// `salesdesk-admin reset-password USERNAME`: a new password; the user's sessions end and their lock is lifted.
public struct ResetPassword: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "reset-password",
        abstract: "Set a user's password (from --password-file or standard input), end their sessions and unlock them.",
        discussion: "Needs POSTGRES_URL (or --postgres-url)."
    )

    @OptionGroup public var gateway: GatewayOptions
    @OptionGroup public var password: PasswordOptions
    @Argument(help: "The username.") public var username: String

    public init() {}

    public func run() async throws {
        let password = try self.password.read()
        let username = self.username
        do {
            try await gateway.withAccounts { try await $0.resetPassword(username: username, password: password) }
            print("password of \(username) reset; their sessions ended")
        } catch {
            throw operatorMessage(error)
        }
    }
}

/// `salesdesk-admin unlock USERNAME`: forgets the failed logins that locked the username.
public struct Unlock: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Lift the login lock on a username (forgets its failed logins).",
        discussion: "Needs POSTGRES_URL (or --postgres-url)."
    )

    @OptionGroup public var gateway: GatewayOptions
    @Argument(help: "The username.") public var username: String

    public init() {}

    public func run() async throws {
        let username = self.username
        do {
            let cleared = try await gateway.withAccounts { try await $0.unlock(username: username) }
            print("unlocked \(username) (\(cleared) failed logins forgotten)")
        } catch {
            throw operatorMessage(error)
        }
    }
}
