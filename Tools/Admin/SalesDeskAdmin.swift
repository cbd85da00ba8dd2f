public import ArgumentParser

/// `salesdesk-admin`: the operator's tool (issue 13). Each command lives in its own file under `Tools/Admin/` and is
/// listed here; the README's "Operating SalesDesk" section shows them in use.
public struct SalesDeskAdmin: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "salesdesk-admin",
        abstract: "Operate a SalesDesk installation: migrations, status, dead letters, backups, users.",
        discussion: """
            Configuration comes from the same environment as the services: POSTGRES_URL (a role that owns every service \
            schema), AMQP_URL (a broker user allowed on every service queue, e.g. the deployment's `salesdesk` user), and \
            for backups SALESDESK_PG_BIN (the folder of pg_dump/pg_restore), RABBITMQCTL and SALESDESK_BACKUP_DIR. Each option also \
            has a flag; see `salesdesk-admin help <command>`.
            """,
        subcommands: [
            Version.self,
            SeedDemo.self,
            Rebuild.self,
            Migrate.self,
            Status.self,
            DeadLetters.self,
            CreateAdmin.self,
            ResetPassword.self,
            Unlock.self,
            Backup.self,
            Restore.self,
        ]
    )

    public init() {}
}

/// `salesdesk-admin version`: the release this tool belongs to (backups record it in their manifest).
public struct Version: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(abstract: "Print the SalesDesk release of this tool.")
    /// The release string; a backup's manifest records it, and a restore compares it.
    public static let release = "0.13.0"

    public init() {}

    public func run() async throws {
        print(Self.release)
    }
}
