import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `customers.startImport`: stores an uploaded CSV or XLSX file (the raw request body) and its queued job in one
/// transaction, once per Idempotency-Key, and answers 202 with the job; ``ImportWorker`` does the rest.
///
/// `dryRun=true` runs every check and match and writes nothing but the job and its errors.
struct StartImportHandler: Sendable {
    static let operation = "customers.startImport"
    /// The largest file accepted (the gateway refuses a larger body first, with 413).
    static let maxFileBytes = 20 * 1_048_576

    let postgres: PostgresClient
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let scope = try CustomersService.writeScope(request)
        let dryRun: Bool
        switch request.query["dryRun"] ?? "false" {
        case "false", "": dryRun = false
        case "true": dryRun = true
        default: throw Problem.validation([.init(field: "dryRun", message: "must be true or false")])
        }
        guard !request.body.isEmpty else {
            throw Problem.validation([.init(field: "file", message: "is empty; send the CSV or XLSX file as the request body")])
        }
        guard request.body.count <= Self.maxFileBytes else {
            throw Problem(title: "Content too large", status: 413, detail: "The file is larger than \(Self.maxFileBytes / 1_048_576) MB.")
        }
        let job = ImportJob(
            id: RecordID(),
            status: .queued,
            dryRun: dryRun,
            format: nil,
            encoding: nil,
            totalRows: 0,
            processedRows: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            duplicates: 0,
            errors: 0,
            failure: nil,
            createdAt: Date(),
            finishedAt: nil,
            createdBy: scope.caller.userID
        )
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            try await ImportRepository(logger: logger).insert(job, caller: scope.caller, file: request.body, on: connection)
            return try .json(job, status: 202)
        }
    }
}

/// `customers.getImport` and `customers.listImportErrors`: a job and its errors (row, column, code, message) in row
/// order, to its creator and admins only; anyone else gets the 404 of a job that does not exist.
struct ImportJobHandler: Sendable {
    static let get = "customers.getImport"
    static let errors = "customers.listImportErrors"

    let postgres: PostgresClient
    let listsErrors: Bool
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let caller = try request.requireIdentity()
        let id = try request.pathRecordID("import")
        let page = listsErrors ? try request.pageRequest(defaultLimit: 50, maxLimit: 500) : nil
        let repository = ImportRepository(logger: logger)
        return try await postgres.withConnection { connection in
            guard let job = try await repository.find(id: id, on: connection), job.createdBy == caller.userID || caller.role == .admin else {
                throw Problem.notFound("No import \(id).")
            }
            guard let page else { return try .json(job) }
            let rows = try await repository.errors(jobID: id, after: page.cursor?.number, limit: page.fetchLimit, on: connection)
            let items = rows.prefix(page.limit)
            let next = rows.count > page.limit ? items.last.map { PageCursor(createdAt: job.createdAt, number: $0.0).token } : nil
            return try .json(Page(items: items.map(\.1), nextCursor: next))
        }
    }
}
