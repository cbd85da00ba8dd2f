import Dispatch
import Foundation
import TestSupport
import Testing

/// schemathesis (PyPI) against the live gateway's `/openapi.yaml`: every operation, with the document's examples,
/// boundary values (its coverage phase) and random input, as a rep and as an admin. It passes with no server error
/// (5xx), no status code and no response body that the document does not describe.
///
/// It runs on a system of its own (database, vhost), since it changes data through every write it may use.
/// `SALESDESK_SCHEMATHESIS` names the program (default `python3 -m schemathesis.cli`; `scripts/test` installs it), and
/// `SALESDESK_FUZZ_SECONDS` bounds each role's run (default 75).
@Suite("End to end: fuzzing against the API document", .timeLimit(.minutes(10)))
struct SchemathesisFuzzTests {
    static let checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

    func createUser(_ system: SalesDeskSystem, admin: String, _ json: [String: Any]) async throws -> String {
        let reply = try await system.request("POST", "/api/v1/users", token: admin, json: json)
        #expect(reply.status == 201, "creating \(json["username"] ?? ""): \(reply.text)")
        return try #require(try reply.json()["id"] as? String)
    }

    @Test("schemathesis finds no server error and no answer outside the document, as a rep and as an admin")
    func fuzz() async throws {
        let program = ProcessInfo.processInfo.environment["SALESDESK_SCHEMATHESIS"] ?? "python3 -m schemathesis.cli"
        let seconds = Int(ProcessInfo.processInfo.environment["SALESDESK_FUZZ_SECONDS"] ?? "") ?? 75
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let admin = try await system.login("admin", SalesDeskSystem.adminPassword)
        let region = try await system.request("POST", "/api/v1/regions", token: admin, json: ["code": "east-china", "name": "华东"])
        #expect(region.status == 201, "\(region.text)")
        try await system.waitForRegion("east-china")
        let password = "fuzz-password"
        let supervisor = try await createUser(
            system,
            admin: admin,
            ["username": "sun", "displayName": "孙主管", "password": password, "role": "supervisor", "region": "east-china"]
        )
        _ = try await createUser(
            system,
            admin: admin,
            ["username": "li", "displayName": "李业务", "password": password, "role": "rep", "region": "east-china", "supervisorId": supervisor]
        )
        let rep = try await system.login("li", password)
        let customer = try await system.request(
            "POST",
            "/api/v1/customers",
            token: rep,
            json: ["name": "宁波精工", "region": "east-china", "industry": "fasteners", "contacts": [["name": "王经理", "phone": "13800138000"]]]
        )
        #expect(customer.status == 201, "\(customer.text)")

        // The rep first: the admin's run may deactivate the rep, which would turn the rep's run into 401s.
        for (role, token) in [("rep", rep), ("admin", admin)] {
            let command = [
                program, "run", "\(system.gatewayURL)/openapi.yaml",
                "--header", "'Authorization: Bearer \(token)'",
                "--checks", Self.checks,
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "15",
                "--max-time", String(seconds),
                "--workers", "1",
                "--exclude-path", "/api/v1/auth/logout",
                "--no-color",
            ].joined(separator: " ")
            // Off the cooperative pool: the run takes a minute or more, and the pool has one thread per core.
            let result: Result<String, any Error> = await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: Result { try TestEnvironment.shell(command) }) }
            }
            switch result {
            case .success:
                break
            case .failure(let failure as ShellFailure):
                Issue.record("schemathesis as \(role) found problems (exit \(failure.status)):\n\(failure.output.suffix(12_000))")
            case .failure(let error):
                Issue.record("schemathesis as \(role) did not run: \(error)")
            }
        }
    }
}
