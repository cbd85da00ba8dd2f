import Foundation
public import Logging
public import PostgresNIO

/// How a SalesDesk service reaches PostgreSQL: the server, the role, the database and the one schema the service owns.
///
/// Every connection made from these settings starts with `search_path` set to ``schema``, so service SQL names its
/// tables without a schema prefix and can never touch another service's tables by accident.
public struct PostgresSettings: Sendable, Equatable {
    /// Host name or address of the server.
    public var host: String
    /// TCP port of the server.
    public var port: Int
    /// The role to log in as.
    public var username: String
    /// The role's password, if the server asks for one.
    public var password: String?
    /// The database to connect to.
    public var database: String
    /// The schema the service owns; also the connections' `search_path`.
    public var schema: String
    /// Reported to the server as `application_name` (visible in `pg_stat_activity`).
    public var applicationName: String
    /// The server cancels any statement that runs longer (`statement_timeout`), so a stuck query fails its unit of
    /// work, which is retried, instead of holding a connection forever.
    public var statementTimeout: Duration = .seconds(30)
    /// The server ends a session left idle inside a transaction longer than this (`idle_in_transaction_session_timeout`),
    /// releasing its locks.
    public var idleInTransactionTimeout: Duration = .seconds(60)
    /// The client-side watchdog on each unit of work (an outbox relay pass, an event's transaction, an RPC write): one
    /// that has not committed after this long is abandoned and its connection closed
    /// (``PostgresClient/withTransaction(deadline:logger:_:)``). Above ``statementTimeout``, so the server's own
    /// deadline normally fires first; this one catches what the server cannot see, such as a connection that stopped
    /// answering.
    public var transactionDeadline: Duration = Self.defaultTransactionDeadline
    /// The most connections the service's pool opens. Each replica of each service holds up to this many, so the
    /// server's `max_connections` must cover replicas × services × this (plus the operators' own sessions).
    public var maximumConnections: Int = Self.defaultMaximumConnections

    /// The default ``maximumConnections``: 20, PostgresNIO's own default.
    public static let defaultMaximumConnections = 20

    /// The default ``transactionDeadline``: 45 seconds.
    public static let defaultTransactionDeadline: Duration = .seconds(45)

    /// Parses a `postgres://user:password@host:port/database` URL.
    ///
    /// - Parameters:
    ///   - url: the server URL; user and password may be percent-encoded, the port defaults to 5432.
    ///   - schema: the schema the service owns; must match `^[a-z_][a-z0-9_]{0,62}$` because it is used as an
    ///     unquoted identifier (in `CREATE SCHEMA`, `LISTEN` channel names and advisory-lock keys).
    ///   - applicationName: the name the connections report to the server.
    /// - Throws: ``PostgresSettingsError`` naming the part of the URL or the schema that is wrong.
    public init(url: String, schema: String, applicationName: String) throws {
        guard let components = URLComponents(string: url) else {
            throw PostgresSettingsError("postgres URL is not a URL: \(Self.redacted(url))")
        }
        guard let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresSettingsError("postgres URL scheme must be postgres:// (got \(components.scheme ?? "none"))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresSettingsError("postgres URL has no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw PostgresSettingsError("postgres URL has no user name")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw PostgresSettingsError("postgres URL port \(port) is out of range")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresSettingsError("postgres URL must name exactly one database in its path (got '\(components.path)')")
        }
        // TLS is not configured here; refusing sslmode=require beats silently connecting in clear text.
        for item in components.queryItems ?? [] where !(item.name == "sslmode" && item.value == "disable") {
            throw PostgresSettingsError("postgres URL query parameter '\(item.name)' is not supported")
        }
        try Self.validate(schema: schema)
        self.host = host
        self.port = components.port ?? 5432
        self.username = username
        self.password = components.password
        self.database = database
        self.schema = schema
        self.applicationName = applicationName
    }

    /// Checks that a schema name is safe to use as an unquoted identifier.
    /// - Throws: ``PostgresSettingsError`` when it does not match `^[a-z_][a-z0-9_]{0,62}$`.
    public static func validate(schema: String) throws {
        let bytes = Array(schema.utf8)
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "_") }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard let first = bytes.first, isLetter(first), bytes.count <= 63, bytes.allSatisfy({ isLetter($0) || isDigit($0) }) else {
            throw PostgresSettingsError("schema name '\(schema)' must match ^[a-z_][a-z0-9_]{0,62}$")
        }
    }

    /// The `PostgresClient` configuration: TLS off (local and in-cluster traffic), `search_path` = ``schema``, and the
    /// server-side deadlines ``statementTimeout`` and ``idleInTransactionTimeout``.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: .disable
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = min(configuration.options.minimumConnections, maximumConnections)
        configuration.options.additionalStartupParameters = [
            ("search_path", schema),
            ("application_name", applicationName),
            ("statement_timeout", "\(Self.milliseconds(statementTimeout))ms"),
            ("idle_in_transaction_session_timeout", "\(Self.milliseconds(idleInTransactionTimeout))ms"),
        ]
        return configuration
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Creates a client from these settings; run it (it is a `Service`) before using it.
    /// - Parameter logger: the client's background logger (connection pool events).
    public func makeClient(logger: Logger) -> PostgresClient {
        PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    }

    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "…" + String(url[at...])
    }
}

extension PostgresSettings: CustomStringConvertible {
    /// The settings without the password, for logs.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database) (schema \(schema))"
    }
}

/// A PostgreSQL URL or schema name that cannot be used; the message names the bad part.
public struct PostgresSettingsError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
