import Admin
import ArgumentParser
import Foundation
import TestSupport

/// A database and a vhost of their own for one test of the operator's tool, dropped afterwards; the tool reaches them
/// with the shared servers' admin role and broker user, as an operator would.
struct AdminFixture: Sendable {
    let database: String
    let vhost: String
    let postgresURL: String
    let amqpURL: String

    var postgres: PostgresOptions { get throws { try PostgresOptions.url(postgresURL) } }
    var broker: BrokerOptions { get throws { try BrokerOptions.url(amqpURL) } }

    static func with<T: Sendable>(_ body: @Sendable (AdminFixture) async throws -> T) async throws -> T {
        let suffix = TestEnvironment.uniqueSuffix()
        let database = "adm_\(suffix)"
        let vhost = "adm_\(suffix)"
        let admin = try TestEnvironment.postgresURL()
        guard var postgres = URLComponents(string: admin), var amqp = URLComponents(string: try TestEnvironment.amqpURL()),
            let amqpUser = amqp.user
        else { throw FixtureFailure(reason: "SALESDESK_TEST_POSTGRES_URL or SALESDESK_TEST_AMQP_URL is not a URL with a user") }
        try TestEnvironment.shell("psql '\(admin)' -v ON_ERROR_STOP=1 -q -c 'CREATE DATABASE \(database)'")
        try TestEnvironment.rabbitmqctl("add_vhost", vhost)
        try TestEnvironment.rabbitmqctl("set_permissions", "-p", vhost, amqpUser, ".*", ".*", ".*")
        postgres.path = "/\(database)"
        amqp.percentEncodedPath = "/\(vhost)"
        let fixture = AdminFixture(database: database, vhost: vhost, postgresURL: postgres.string ?? "", amqpURL: amqp.string ?? "")
        defer {
            _ = try? TestEnvironment.shell("psql '\(admin)' -q -c 'DROP DATABASE IF EXISTS \(database) WITH (FORCE)'")
            _ = try? TestEnvironment.rabbitmqctl("delete_vhost", vhost)
        }
        return try await body(fixture)
    }

    /// `salesdesk-admin migrate` on this fixture's database.
    func migrate() async throws -> [String: Int] {
        var command = try Migrate.parse([])
        command.postgres = try postgres
        return try await command.migrate()
    }
}

struct FixtureFailure: Error {
    var reason: String
}
