import Foundation
import Persistence
import PostgresNIO
import Testing

@Suite("PostgresSettings")
struct PostgresSettingsTests {
    @Test("a postgres URL is parsed and the schema becomes the search_path")
    func parsesURL() throws {
        let settings = try PostgresSettings(url: "postgres://deals:p%40ss@db.local:6543/salesdesk", schema: "deals", applicationName: "deals")
        #expect(settings.host == "db.local")
        #expect(settings.port == 6543)
        #expect(settings.username == "deals")
        #expect(settings.password == "p@ss")
        #expect(settings.database == "salesdesk")
        let parameters = settings.clientConfiguration.options.additionalStartupParameters
        #expect(parameters.contains { $0.0 == "search_path" && $0.1 == "deals" })
        #expect(parameters.contains { $0.0 == "application_name" && $0.1 == "deals" })
        #expect(!settings.description.contains("p@ss"))
    }

    @Test("the port defaults to 5432")
    func defaultPort() throws {
        #expect(try PostgresSettings(url: "postgresql://u@h/db", schema: "x", applicationName: "a").port == 5432)
    }

    @Test(
        "a bad URL or schema is refused with a message naming the bad part",
        arguments: [
            ("mysql://u:p@h:1/db", "x", "scheme"),
            ("postgres://u:p@h:5432/", "x", "database"),
            ("postgres://h:5432/db", "x", "user"),
            ("postgres://u:p@h:99999/db", "x", "port"),
            ("postgres://u:p@h:5432/db?sslmode=require", "x", "sslmode"),
            ("postgres://u:p@h:5432/db", "Deals", "schema"),
            ("postgres://u:p@h:5432/db", "1deals", "schema"),
            ("postgres://u:p@h:5432/db", "deals;drop", "schema"),
            ("postgres://u:p@h:5432/db", String(repeating: "a", count: 64), "schema"),
        ]
    )
    func refusesBadInput(url: String, schema: String, part: String) {
        #expect {
            try PostgresSettings(url: url, schema: schema, applicationName: "a")
        } throws: { error in
            "\(error)".contains(part)
        }
    }
}

@Suite("SQLScript")
struct SQLScriptTests {
    @Test("a script splits at statement ends, not inside quotes, dollar quotes or comments")
    func splits() {
        let script = """
            -- leading comment; with a semicolon
            CREATE TABLE a (note text DEFAULT 'x;y''z');
            /* block ; /* nested ; */ still comment */
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'b;') THEN
                    EXECUTE 'CREATE TABLE b (id int)';
                END IF;
            END $$;
            CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $fn$ SELECT 'a;b' $fn$;
            SELECT "odd;name", E'it\\'s;', $1 FROM a;
            -- trailing comment only
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("DEFAULT 'x;y''z')"))
        #expect(statements[1].hasPrefix("/* block"))
        #expect(statements[1].contains("END IF;") && statements[1].hasSuffix("END $$"))
        #expect(statements[2].hasSuffix("$fn$ SELECT 'a;b' $fn$"))
        #expect(statements[3] == #"SELECT "odd;name", E'it\'s;', $1 FROM a"#)
    }
}

@Suite("Migrator")
struct MigratorTests {
    static let service = [
        Migration(
            id: "0001_create_customers",
            sql: """
                CREATE TABLE customers (id uuid PRIMARY KEY, name text NOT NULL);
                CREATE INDEX customers_name ON customers (name);
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'customer_grade' AND typnamespace = current_schema()::regnamespace) THEN
                        CREATE TYPE customer_grade AS ENUM ('a', 'b', 'c');
                    END IF;
                END $$;
                """
        ),
        Migration(id: "0002_add_grade", sql: "ALTER TABLE customers ADD COLUMN grade customer_grade NOT NULL DEFAULT 'c';"),
    ]

    @Test("migrations apply once, kit tables first, into the service's schema")
    func appliesOnce() async throws {
        try await TestDatabase.with { database in
            try await database.migrate(Self.service)
            try await database.migrate(Self.service)
            let rows = try await database.client.query("SELECT id FROM schema_migrations ORDER BY applied_at, id", logger: database.logger)
            var ids: [String] = []
            for try await id in rows.decode(String.self) { ids.append(id) }
            #expect(ids == Migrator.kitMigrations.map(\.id) + ["0001_create_customers", "0002_add_grade"])
            #expect(ids.starts(with: ["kit_0001_outbox", "kit_0002_inbox", "kit_0003_idempotency_keys", "kit_0004_org_replica"]))
            // Unqualified names resolve to the test schema through search_path.
            try await database.client.query("INSERT INTO customers (id, name) VALUES (\(UUID()), 'ACME')", logger: database.logger)
            #expect(
                try await database.count(
                    "SELECT count(*)::int8 FROM information_schema.tables WHERE table_schema = \(database.schema) AND table_name IN ('customers', 'outbox', 'inbox')"
                ) == 3
            )
            #expect(try await database.count("SELECT count(*)::int8 FROM customers WHERE grade = 'c'") == 1)
        }
    }

    @Test("a role that is a member of the schema's role (salesdesk-admin migrate) creates what it migrates owned by that role")
    func migratesAsTheOwner() async throws {
        try await TestDatabase.with { database in
            let client = database.client
            let logger = database.logger
            // The service's role, named like its schema (deploy/postgres/init.sql), granted to the connected role.
            let role = database.schema
            var named = ""
            for try await name in try await client.query("SELECT current_database()", logger: logger).decode(String.self) { named = name }
            let databaseName = named
            try await client.query("CREATE ROLE \(unescaped: role) NOLOGIN", logger: logger)
            let cleanUp = { @Sendable in
                _ = try? await client.query("DROP SCHEMA IF EXISTS \(unescaped: role) CASCADE", logger: logger)
                _ = try? await client.query("REVOKE ALL ON DATABASE \(unescaped: databaseName) FROM \(unescaped: role)", logger: logger)
                _ = try? await client.query("DROP ROLE \(unescaped: role)", logger: logger)
            }
            do {
                try await client.query("GRANT \(unescaped: role) TO current_user", logger: logger)
                try await client.query("GRANT CREATE ON DATABASE \(unescaped: databaseName) TO \(unescaped: role)", logger: logger)
                try await database.migrate(Self.service)
                let owned = try await database.count(
                    """
                    SELECT count(*)::int8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = \(database.schema) AND c.relname IN ('customers', 'outbox', 'schema_migrations')
                      AND pg_get_userbyid(c.relowner) = \(role) AND pg_get_userbyid(n.nspowner) = \(role)
                    """
                )
                #expect(owned == 3)
                #expect(try await database.count("SELECT count(*)::int8 WHERE current_user <> \(role)") == 1, "the connection is its own role again")
            } catch {
                await cleanUp()
                throw error
            }
            await cleanUp()
        }
    }

    @Test("two migrators starting at once both succeed and apply each migration once")
    func concurrentMigrators() async throws {
        try await TestDatabase.with { database in
            try await withRunningClient(database.settings) { second in
                async let first: Void = database.migrate(Self.service)
                async let other: Void = Migrator(client: second, schema: database.schema, migrations: Self.service, logger: database.logger).migrate()
                _ = try await (first, other)
            }
            #expect(try await database.count("SELECT count(*)::int8 FROM schema_migrations") == Migrator.kitMigrations.count + 2)
        }
    }

    @Test("an applied migration whose script changed is refused, naming it")
    func refusesChangedChecksum() async throws {
        try await TestDatabase.with { database in
            try await database.migrate(Self.service)
            var edited = Self.service
            edited[1].sql += "\n-- edited"
            edited[1] = Migration(id: edited[1].id, sql: edited[1].sql)
            await #expect {
                try await database.migrate(edited + [Migration(id: "0003_more", sql: "CREATE TABLE more (id int);")])
            } throws: { error in
                guard case MigrationError.checksumMismatch(let id, _, _) = error else { return false }
                return id == "0002_add_grade" && "\(error)".contains("0002_add_grade")
            }
            // Nothing after the refusal was applied.
            #expect(try await database.count("SELECT count(*)::int8 FROM schema_migrations") == Migrator.kitMigrations.count + 2)
        }
    }

    @Test("a failing migration is rolled back and leaves no row")
    func failingMigrationRollsBack() async throws {
        try await TestDatabase.with { database in
            let broken = Migration(id: "0001_broken", sql: "CREATE TABLE half (id int); SELECT no_such_function();")
            await #expect(throws: MigrationError.self) { try await database.migrate([broken]) }
            let recorded = try await database.count("SELECT count(*)::int8 FROM schema_migrations WHERE id = '0001_broken'")
            let tables = try await database.count(
                "SELECT count(*)::int8 FROM information_schema.tables WHERE table_schema = \(database.schema) AND table_name = 'half'"
            )
            #expect(recorded == 0)
            #expect(tables == 0)
        }
    }

    @Test("migrations load from a bundle folder in id order; a misnamed .sql file is refused")
    func loadsFromFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "CREATE TABLE b (id int);".write(to: folder.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE a (id int);".write(to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let loaded = try Migrator.load(bundleDirectory: folder)
        #expect(loaded.map(\.id) == ["0001_a", "0002_b"])
        #expect(loaded[0].checksum == Migration(id: "x", sql: "CREATE TABLE a (id int);").checksum)
        try "".write(to: folder.appendingPathComponent("3_bad.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try Migrator.load(bundleDirectory: folder) }
    }
}
