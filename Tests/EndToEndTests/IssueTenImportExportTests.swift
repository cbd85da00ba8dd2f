import Foundation
import TestSupport
import Testing

/// Customer import and export (issue 10) through the gateway and the real services.
@Suite("End to end: customer import and export", .timeLimit(.minutes(10)))
struct IssueTenImportExportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    struct Client {
        let api: String
        let token: String

        func send(
            _ method: String,
            _ path: String,
            body: [UInt8]? = nil,
            type: String = "application/json",
            key: String? = nil
        ) async throws
            -> HTTP.Reply
        {
            var headers = ["Authorization": "Bearer \(token)"]
            if body != nil { headers["Content-Type"] = type }
            if let key { headers["Idempotency-Key"] = key }
            return try await HTTP.send(method, URL(string: api + path)!, body: body, headers: headers, timeout: .seconds(60))
        }

        /// Uploads a file and waits for its job to finish.
        func importFile(_ bytes: [UInt8], type: String, dryRun: Bool = false, key: String) async throws -> [String: Any] {
            let started = try await send("POST", "/customers/imports?dryRun=\(dryRun)", body: bytes, type: type, key: key)
            #expect(started.status == 202, "\(started.text)")
            let id = try #require(try started.json()["id"] as? String, "\(started.text)")
            var job: [String: Any] = [:]
            _ = try await eventually(timeout: .seconds(120)) {
                job = try await send("GET", "/customers/imports/\(id)").json()
                return job["status"] as? String == "succeeded" || job["status"] as? String == "failed"
            }
            return job
        }

        func errors(of job: [String: Any]) async throws -> [[String: Any]] {
            let id = job["id"] as? String ?? ""
            return try await send("GET", "/customers/imports/\(id)/errors?limit=100").json()["items"] as? [[String: Any]] ?? []
        }
    }

    @Test(
        "done when: a workbook from Chinese Excel with deliberate bad rows reports each by row and column and imports the rest; its CSV export starts with a BOM and imports again unchanged"
    )
    func xlsxWithBadRows() async throws {
        let system = try await SalesDeskSystem.start()
        defer { system.stop() }
        let client = Client(api: system.gatewayURL + "/api/v1", token: try await system.login("admin", SalesDeskSystem.adminPassword))
        #expect(try await client.send("POST", "/regions", body: Array(#"{"code":"east-china","name":"华东"}"#.utf8)).status == 201)
        // The customers service learns the region from `region.created`; a row of it imported before then is an error.
        try await system.waitForRegion("east-china")
        let workbook = Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("customers-bad-rows.xlsx")))

        let dry = try await client.importFile(workbook, type: Self.xlsxType, dryRun: true, key: "dry-1")
        #expect(dry["status"] as? String == "succeeded" && dry["created"] as? Int == 4 && dry["errors"] as? Int == 4, "\(dry)")
        #expect((try await client.send("GET", "/customers?limit=100").json()["items"] as? [Any])?.count == 0)

        let job = try await client.importFile(workbook, type: Self.xlsxType, key: "import-1")
        #expect(job["status"] as? String == "succeeded" && job["format"] as? String == "xlsx", "\(job)")
        #expect(job["totalRows"] as? Int == 8 && job["created"] as? Int == 4 && job["errors"] as? Int == 4, "\(job)")
        let errors = try await client.errors(of: job)
        // Row 3: a bad credit code; row 5: an unknown region; row 7: no name; row 9: a phone that is no number.
        #expect(errors.map { $0["row"] as? Int } == [3, 5, 7, 9], "\(errors)")
        #expect(errors.map { $0["column"] as? String } == ["统一社会信用代码", "区域", "客户名称", "手机"], "\(errors)")
        let names = Set(
            (try await client.send("GET", "/customers?limit=100").json()["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        )
        #expect(names == ["宁波精工机械有限公司", "温州五金制品有限公司", "台州模具有限公司", "绍兴纺织机械有限公司"])

        let csv = try await client.send("GET", "/customers/export?format=csv")
        #expect(csv.status == 200 && csv.contentType?.hasPrefix("text/csv") == true)
        #expect(Array(csv.body.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: csv.body.dropFirst(3), as: UTF8.self).hasPrefix("客户名称,统一社会信用代码,区域,行业,地址,级别,来源,外部编号,联系人,手机,职务,负责人\r\n"))
        let again = try await client.importFile(csv.body, type: "text/csv", key: "reimport-1")
        #expect(again["encoding"] as? String == "utf-8-bom" && again["unchanged"] as? Int == 4 && again["created"] as? Int == 0, "\(again)")
        let againErrors = try await client.errors(of: again)
        #expect(again["errors"] as? Int == 0, "\(againErrors)")

        let xlsx = try await client.send("GET", "/customers/export?format=xlsx")
        #expect(xlsx.status == 200 && xlsx.contentType == Self.xlsxType && xlsx.body.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        let fromXLSX = try await client.importFile(xlsx.body, type: Self.xlsxType, key: "reimport-2")
        #expect(fromXLSX["unchanged"] as? Int == 4 && fromXLSX["errors"] as? Int == 0, "\(fromXLSX)")
        #expect(try await client.send("GET", "/customers/export?format=pdf").status == 422)
    }

    @Test("an import whose customers service is killed (SIGKILL) mid-job resumes after a restart and creates every row once")
    func killAndResume() async throws {
        // Batches of 5 rows: 2,000 transactions, so the kill lands mid-job. With 25 rows a batch the job, now one
        // customer.imported per batch instead of an event per row, could finish before the kill (ADR 0010).
        let system = try await SalesDeskSystem.start(extraEnvironment: ["IMPORTS_BATCH_SIZE": "5", "IMPORTS_LEASE_SECONDS": "5"])
        defer { system.stop() }
        let client = Client(api: system.gatewayURL + "/api/v1", token: try await system.login("admin", SalesDeskSystem.adminPassword))
        #expect(try await client.send("POST", "/regions", body: Array(#"{"code":"east-china","name":"华东"}"#.utf8)).status == 201)
        // The customers service learns the region from `region.created`; a row of it imported before then is an error.
        try await system.waitForRegion("east-china")
        let rows = 10_000
        var csv = "客户名称,区域,行业,联系人,手机,外部编号\r\n"
        for n in 0..<rows { csv += "续传测试\(n)有限公司,east-china,机械,联系人\(n),137\(String(format: "%08d", n)),KILL-\(n)\r\n" }
        let started = try await client.send("POST", "/customers/imports", body: Array(csv.utf8), type: "text/csv", key: "kill-1")
        let id = try #require(try started.json()["id"] as? String, "\(started.text)")
        var processed = 0
        let midway = try await eventually(timeout: .seconds(120), interval: .milliseconds(20)) {
            processed = try await client.send("GET", "/customers/imports/\(id)").json()["processedRows"] as? Int ?? 0
            return processed > 0
        }
        #expect(midway)
        system.kill("customers")
        var database = try #require(URLComponents(string: try TestEnvironment.postgresURL()))
        database.path = "/" + system.database
        let psql = "psql '\(database.string ?? "")' -tAc"
        let atKill = try TestEnvironment.shell("\(psql) \"SELECT status || ',' || processed_rows FROM customers.import_jobs\"")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The kill landed mid-job: some batches committed, not all.
        #expect(atKill.hasPrefix("running,") && Int(atKill.dropFirst("running,".count)).map { $0 > 0 && $0 < rows } == true, "\(atKill)")
        try await system.restart("customers")
        var done: [String: Any] = [:]
        // 2,000 batches under the whole e2e suite's load can take minutes: wait while the job advances.
        _ = try await eventuallyWhileProgressing(stall: .seconds(90)) {
            done = try await client.send("GET", "/customers/imports/\(id)").json()
            return (done["status"] as? String == "succeeded", done["processedRows"] as? Int ?? 0)
        }
        #expect(done["status"] as? String == "succeeded" && done["processedRows"] as? Int == rows, "\(done)")
        #expect(done["created"] as? Int == rows && done["duplicates"] as? Int == 0 && done["errors"] as? Int == 0, "\(done)")
        let counts = try TestEnvironment.shell("\(psql) \"SELECT count(*) || ',' || count(DISTINCT external_id) FROM customers.customers\"")
        #expect(counts.trimmingCharacters(in: .whitespacesAndNewlines) == "\(rows),\(rows)")
    }
}
