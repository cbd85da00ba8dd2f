public import Foundation

/// A PostgreSQL 15 cluster of one test's own, in a temporary folder on a free port, set up like the local cluster
/// (scripts/lib.sh `sd_pg_*`, roles and database from deploy/postgres/init.sql).
///
/// A disruptive test may stop, kill or restart it without touching the server the other tests share. PostgreSQL
/// refuses to run as root, so when the tests run as root its commands run as the `postgres` user.
public final class PrivatePostgres: Sendable {
    /// The server's TCP port on 127.0.0.1.
    public let port: Int
    /// The data directory (also its socket directory).
    public let dataDirectory: String
    private let binDirectory: String

    /// The URL of the admin role (`salesdesk_admin`, may create databases) on database `salesdesk`, as
    /// `SALESDESK_TEST_POSTGRES_URL` names the shared server's.
    public var adminURL: String { adminURL(database: "salesdesk") }

    /// The URL of the admin role on `database`.
    public func adminURL(database: String) -> String { "postgres://salesdesk_admin:salesdesk-admin@127.0.0.1:\(port)/\(database)" }

    /// Creates, starts and provisions a new cluster.
    public static func start(binDirectory: String = "/usr/lib/postgresql/15/bin") throws -> PrivatePostgres {
        let server = try PrivatePostgres(binDirectory: binDirectory)
        do {
            try server.initialize()
            try server.startServer()
            try server.provision()
        } catch {
            server.destroy()
            throw error
        }
        return server
    }

    private init(binDirectory: String) throws {
        self.binDirectory = binDirectory
        port = try freePort()
        dataDirectory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("salesdesk-pg-\(TestEnvironment.uniqueSuffix())").path
    }

    private static let runsAsRoot = geteuid() == 0

    /// A command line that runs as the `postgres` user when we are root.
    private func asPostgres(_ commandLine: String) -> String {
        Self.runsAsRoot ? "runuser -u postgres -- \(commandLine)" : commandLine
    }

    private var log: String { "\(dataDirectory)/server.log" }

    private func initialize() throws {
        try TestEnvironment.shell("mkdir -m 700 '\(dataDirectory)'")
        if Self.runsAsRoot { try TestEnvironment.shell("chown postgres:postgres '\(dataDirectory)'") }
        try TestEnvironment.shell(
            asPostgres(
                "'\(binDirectory)/initdb' -D '\(dataDirectory)' -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8"
            )
        )
        // fsync off: this cluster only has to survive its own crashes (the OS keeps what was written), not the machine's.
        let settings = """

            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(dataDirectory)'
            password_encryption = scram-sha-256
            max_connections = 300
            fsync = off
            """
        // Appending keeps the file's owner (postgres), whoever writes.
        let configuration = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dataDirectory)/postgresql.conf"))
        defer { try? configuration.close() }
        try configuration.seekToEnd()
        try configuration.write(contentsOf: Data((settings + "\n").utf8))
    }

    private func provision() throws {
        let script = URL(fileURLWithPath: SalesDeskSystem.repositoryRoot).appendingPathComponent("deploy/postgres/init.sql").path
        try TestEnvironment.shell(
            asPostgres(
                "env PGOPTIONS='-c client_min_messages=warning' psql -X -q -h '\(dataDirectory)' -p \(port) -U postgres -d postgres -v ON_ERROR_STOP=1 -f -"
            ) + " < '\(script)'"
        )
    }

    private func startServer() throws {
        try pgCtl("-l '\(log)' -w -t 60 start")
    }

    /// Runs pg_ctl and waits for it to exit. The server it starts would inherit our descriptors, and Foundation sees a
    /// child exit (and a pipe end) only once every copy of them is closed: so the shell closes all but 0–2 first, and
    /// the output goes to a file.
    private func pgCtl(_ arguments: String) throws {
        let output = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("pg_ctl-\(TestEnvironment.uniqueSuffix()).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let commandLine = "cd / && " + asPostgres("'\(binDirectory)/pg_ctl' -D '\(dataDirectory)' \(arguments)")
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-" 2>/dev/null; fi; done; "#
        process.arguments = ["-c", closeInherited + commandLine]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw ShellFailure(commandLine: commandLine, status: process.terminationStatus, output: text + "\n" + logTail())
        }
    }

    /// Restarts the server at once (`pg_ctl restart -m immediate`): every backend is killed mid-work, the server
    /// recovers from its WAL and accepts connections again before this returns.
    public func restartImmediately() throws {
        try pgCtl("-l '\(log)' -m immediate -w -t 60 restart")
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`), like a crash.
    public func stopImmediately() throws {
        try pgCtl("-m immediate -w -t 60 stop")
    }

    /// Starts the server again after ``stopImmediately()``; returns once it accepts connections.
    public func startAgain() throws {
        try startServer()
    }

    /// The end of the server's log, for failure messages.
    public func logTail() -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return String(text.suffix(3000))
    }

    /// Runs one SQL statement as the admin role and returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        try TestEnvironment.shell("psql '\(adminURL)' -X -q -At -v ON_ERROR_STOP=1 -c \"\(sql.replacingOccurrences(of: "\"", with: "\\\""))\"")
    }

    /// Stops the server if it runs and deletes its folder.
    public func destroy() {
        _ = try? pgCtl("-m immediate -w -t 60 stop")
        _ = try? TestEnvironment.shell("rm -rf '\(dataDirectory)'")
    }
}
