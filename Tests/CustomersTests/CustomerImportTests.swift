import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Customer import jobs against the real PostgreSQL (issue 10): the worker, the rules, matching and duplicates.
@Suite("Customer import")
struct CustomerImportTests {
    static let header = "客户名称,统一社会信用代码,区域,行业,级别,来源,外部编号,联系人,手机,负责人\r\n"
    static let logger = Logger(label: "test.import")

    /// A valid credit code numbered `n` (GB 32100 check character), as benchmarks/import/make_sheets.py makes them.
    static func creditCode(_ n: Int) -> String {
        let body = "91330200" + String(format: "%09d", n)
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let total = zip(body, CreditCode.weights).reduce(0) { $0 + alphabet.firstIndex(of: $1.0)! * $1.1 }
        return body + String(alphabet[(31 - total % 31) % 31])
    }

    /// Five rows, two of them bad: row 3 has a bad credit code and row 5 no name.
    static var mixedCSV: String {
        header
            + "宁波精工机械有限公司,\(creditCode(1)),east-china,机械,A,展会,ERP-1,王工,13800001001,\r\n"
            + "杭州坏码科技有限公司,91330100XXXXXXXXX1,east-china,电子,,,ERP-2,刘明,13800001002,\r\n"
            + "温州五金制品有限公司,\(creditCode(3)),east-china,五金,B,,ERP-3,陈芳,13800001003,rep-1\r\n"
            + ",\(creditCode(4)),east-china,注塑,,,ERP-4,周八,13800001004,\r\n"
            + "绍兴纺织机械有限公司,,east-china,纺织,C,,,吴九,13800001005,\r\n"
    }

    func start(_ service: RPCHarness, _ text: String, as user: String = "sup-1", dryRun: Bool = false, bytes: [UInt8]? = nil) async throws -> String {
        let identity = Org.identity(user)
        var headers = identity.headers
        headers[RPC.Header.query] = "dryRun=\(dryRun)"
        let response = await service.handle(
            RPCRequest(operation: StartImportHandler.operation, body: bytes ?? Array(text.utf8), identity: identity, headers: headers)
        )
        #expect(response.status == 202, "\(response.text)")
        return try #require(try response.object()["id"] as? String)
    }

    func runJobs(_ service: RPCHarness, batchSize: Int = 2) async throws {
        let worker = ImportWorker(postgres: service.client, logger: Self.logger, batchSize: batchSize)
        while try await worker.runNext() {}
    }

    func job(_ service: RPCHarness, _ id: String, as user: String = "sup-1") async throws -> [String: Any] {
        let response = await service.call(ImportJobHandler.get, as: user, id: id)
        #expect(response.status == 200, "\(response.text)")
        return try response.object()
    }

    func errors(_ service: RPCHarness, _ id: String, as user: String = "sup-1") async throws -> [[String: Any]] {
        let response = await service.call(ImportJobHandler.errors, as: user, id: id, query: "limit=100")
        #expect(response.status == 200, "\(response.text)")
        return try #require(try response.object()["items"] as? [[String: Any]])
    }

    func customerCount(_ service: RPCHarness) async throws -> Int {
        var count = 0
        for try await n in try await service.client.query("SELECT count(*)::int FROM customers", logger: Self.logger).decode(Int.self) { count = n }
        return count
    }

    @Test("bad rows are named by row and column, the rest is imported with its events, and a dry run before wrote nothing")
    func badRowsAndDryRun() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            let dry = try await start(service, Self.mixedCSV, dryRun: true)
            try await runJobs(service)
            let dryJob = try await job(service, dry)
            #expect(dryJob["status"] as? String == "succeeded" && dryJob["dryRun"] as? Bool == true)
            #expect(dryJob["created"] as? Int == 3 && dryJob["errors"] as? Int == 2 && dryJob["totalRows"] as? Int == 5)
            #expect(try await customerCount(service) == 0)
            #expect(try await service.outbox().isEmpty)

            let id = try await start(service, Self.mixedCSV)
            try await runJobs(service)
            let done = try await job(service, id)
            #expect(done["status"] as? String == "succeeded", "\(done)")
            #expect(done["processedRows"] as? Int == 5 && done["created"] as? Int == 3 && done["errors"] as? Int == 2)
            #expect(done["format"] as? String == "csv" && done["encoding"] as? String == "utf-8")
            let listed = try await errors(service, id)
            #expect(listed.map { $0["row"] as? Int } == [3, 5])
            #expect(listed.map { $0["column"] as? String } == ["统一社会信用代码", "客户名称"])
            #expect(listed.map { $0["code"] as? String } == ["invalid", "required"])
            #expect(try await customerCount(service) == 3)
            // The batch's new customers travel as one customer.imported, not one customer.created each.
            #expect(try await service.outbox(CustomerCreated.self).isEmpty)
            let batches = try await service.outbox(CustomersImported.self)
            #expect(batches.map(\.firstRow) == [2, 4, 6])  // batches of two rows: 2–3, 4–5, 6
            let created = batches.flatMap(\.customers).map { CustomerCreated(customer: $0) }
            #expect(Set(created.map(\.customer.name)) == ["宁波精工机械有限公司", "温州五金制品有限公司", "绍兴纺织机械有限公司"])
            // 负责人 rep-1 owns row 4's customer; the others belong to the importer.
            #expect(created.first { $0.customer.name == "温州五金制品有限公司" }?.customer.ownerID == "rep-1")
            #expect(created.first { $0.customer.name == "宁波精工机械有限公司" }?.customer.ownerID == "sup-1")
        }
    }

    @Test("importing the same file again changes nothing: every row matches by external id or credit code, or is a duplicate")
    func reimport() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            _ = try await start(service, Self.mixedCSV)
            try await runJobs(service)
            let events = try await service.outbox().count
            let again = try await start(service, Self.mixedCSV)
            try await runJobs(service)
            let second = try await job(service, again)
            #expect(second["created"] as? Int == 0 && second["updated"] as? Int == 0)
            // Rows 2 and 4 match by key; row 6 has none, so it is the duplicate of the customer its first import made.
            #expect(second["unchanged"] as? Int == 2 && second["duplicates"] as? Int == 1, "\(second)")
            #expect(try await customerCount(service) == 3)
            #expect(try await service.outbox().count == events)

            // A changed cell updates the matched customer and publishes customer.updated.
            let changed = Self.mixedCSV.replacingOccurrences(
                of: "宁波精工机械有限公司,\(Self.creditCode(1)),east-china,机械,A",
                with: "宁波精工机械有限公司,\(Self.creditCode(1)),east-china,机械,B"
            )
            let third = try await start(service, changed)
            try await runJobs(service)
            #expect(try await job(service, third)["updated"] as? Int == 1)
            #expect(try await service.outbox(CustomerUpdated.self).map(\.customer.name) == ["宁波精工机械有限公司"])
        }
    }

    @Test("a row like an existing customer (same name, or a contact's mobile) or like an earlier row is a duplicate, not created")
    func duplicates() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            let existing = await service.call(
                Operation.Customers.create,
                as: "sup-1",
                #"{"name":"宁波精工机械有限公司","region":"east-china","industry":"机械","contacts":[{"name":"王工","phone":"13800009999"}]}"#
            )
            #expect(existing.status == 201, "\(existing.text)")
            let csv =
                Self.header
                + "宁波精工机械（有限公司）,,east-china,机械,,,,李工,13800002001,\r\n"
                + "慈溪电器有限公司,,east-china,电器,,,,王工,13800009999,\r\n"
                + "余姚塑料有限公司,,east-china,塑料,,,,赵工,13800002003,\r\n"
                + "余姚 塑料有限公司,,east-china,塑料,,,,钱工,13800002004,\r\n"
            let id = try await start(service, csv)
            try await runJobs(service)
            let done = try await job(service, id)
            #expect(done["created"] as? Int == 1 && done["duplicates"] as? Int == 3 && done["errors"] as? Int == 0, "\(done)")
            let listed = try await errors(service, id)
            #expect(listed.map { $0["row"] as? Int } == [2, 3, 5])
            #expect(listed.allSatisfy { $0["code"] as? String == "duplicate" })
            #expect(listed.map { $0["column"] as? String } == ["客户名称", "手机", "客户名称"])
            #expect(try await customerCount(service) == 2)
        }
    }

    @Test("a worker that dies after a committed batch is resumed from the next row by another, and no row is applied twice")
    func resumeAfterCrash() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            let id = try await start(service, Self.mixedCSV)
            let dying = ImportWorker(postgres: service.client, logger: Self.logger, batchSize: 2, stopAfterBatches: 1)
            #expect(try await dying.runNext())
            let halfway = try await job(service, id)
            #expect(halfway["status"] as? String == "running" && halfway["processedRows"] as? Int == 2)
            #expect(try await customerCount(service) == 1)
            // Its lease has not run out: no other worker takes the job yet.
            #expect(try await ImportWorker(postgres: service.client, logger: Self.logger).runNext() == false)
            try await service.client.query("UPDATE import_jobs SET lease_until = now() - interval '1 second'", logger: Self.logger)
            try await runJobs(service)
            let done = try await job(service, id)
            #expect(done["status"] as? String == "succeeded" && done["processedRows"] as? Int == 5)
            #expect(done["created"] as? Int == 3 && done["errors"] as? Int == 2)
            #expect(try await customerCount(service) == 3)
            #expect(try await service.outbox(CustomersImported.self).flatMap(\.customers).count == 3)
            #expect(try await errors(service, id).count == 2)
        }
    }

    @Test("a job is its creator's and admins' only; a file that is not a spreadsheet fails the job with the reason")
    func accessAndUnreadable() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            let id = try await start(service, "", bytes: [0x50, 0x4B, 0x03, 0x04, 1, 2, 3])
            #expect(await service.call(ImportJobHandler.get, as: "rep-1", id: id).status == 404)
            #expect(await service.call(ImportJobHandler.get, as: "gm", id: id).status == 404)
            #expect(await service.call(ImportJobHandler.get, as: "admin", id: id).status == 200)
            try await runJobs(service)
            let failed = try await job(service, id)
            #expect(failed["status"] as? String == "failed" && (failed["failure"] as? String)?.contains("XLSX") == true)
            #expect(await service.call(StartImportHandler.operation, as: "finance", "a,b").status == 403)
            #expect(await service.call(StartImportHandler.operation, as: "rep-1", "").status == 422)
            #expect(await service.call(StartImportHandler.operation, as: "rep-1", "a", query: "dryRun=maybe").status == 422)
        }
    }

    @Test("a rep imports into their own scope only: another owner is an error of that row, so is a region outside a manager's")
    func scope() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            let csv =
                Self.header
                + "甲公司,,east-china,机械,,,,甲,13800003001,rep-2\r\n"
                + "乙公司,,east-china,机械,,,,乙,13800003002,nobody\r\n"
                + "丙公司,,east-china,机械,,,,丙,13800003003,rep-1\r\n"
                + "丁公司,,mars,机械,,,,丁,13800003004,\r\n"
            let id = try await start(service, csv, as: "rep-1")
            try await runJobs(service)
            let done = try await job(service, id, as: "rep-1")
            #expect(done["created"] as? Int == 1 && done["errors"] as? Int == 3, "\(done)")
            let listed = try await errors(service, id, as: "rep-1")
            #expect(listed.map { $0["row"] as? Int } == [2, 3, 5])
            #expect(listed.map { $0["column"] as? String } == ["负责人", "负责人", "区域"])
            #expect((listed.last?["message"] as? String)?.contains("no region 'mars'") == true, "\(listed)")

            let north = Self.header + "戊公司,,north-china,机械,,,,戊,13800003005,\r\n"
            let managed = try await start(service, north, as: "rm-east")
            try await runJobs(service)
            #expect(try await errors(service, managed, as: "rm-east").map { $0["column"] as? String } == ["区域"])
        }
    }

    @Test("an export page lists the caller's customers in import column order, owner as username, and imports again unchanged")
    func exportPage() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            try await Org.seed(service)
            _ = try await start(service, Self.mixedCSV)
            try await runJobs(service)
            let page = await service.call(ExportCustomersHandler.operation, as: "sup-1", query: "limit=2")
            #expect(page.status == 200, "\(page.text)")
            let json = try page.object()
            #expect(json["header"] as? [String] == CustomerSheet.exportHeader)
            let first = try #require(json["rows"] as? [[String]])
            let cursor = try #require(json["nextCursor"] as? String)
            let rest = try #require(
                try await service.call(ExportCustomersHandler.operation, as: "sup-1", query: "limit=2&cursor=\(cursor)").object()["rows"]
                    as? [[String]]
            )
            let rows = first + rest
            #expect(rows.count == 3)
            #expect(rows.contains { $0[0] == "温州五金制品有限公司" && $0[11] == "rep-1" && $0[5] == "B" })
            #expect(try await service.call(ExportCustomersHandler.operation, as: "rep-north").object()["rows"] as? [[String]] == [])

            let csv = ([CustomerSheet.exportHeader] + rows).map { $0.joined(separator: ",") }.joined(separator: "\r\n")
            let again = try await start(service, csv)
            try await runJobs(service)
            let reimported = try await job(service, again)
            #expect(
                reimported["unchanged"] as? Int == 2 && reimported["duplicates"] as? Int == 1 && reimported["errors"] as? Int == 0,
                "\(reimported)"
            )
        }
    }
}

extension RPCResponse {
    func object() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }
}
