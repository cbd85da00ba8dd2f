import Contracts
import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceLifecycle
import ServiceRuntime

/// Runs customer import jobs (`customers.startImport`), several instances side by side.
///
/// A worker claims the oldest queued job — or a running one whose lease ran out because its worker died — with
/// `FOR UPDATE SKIP LOCKED`, reads the stored file, and processes its rows from the job's `next_row` in batches of
/// ``batchSize``. Each batch is one transaction: its customers, audit lines, outbox events, errors and the job's
/// counters and `next_row` commit together, fenced by the claim's lease token. So a worker killed mid-job (even with
/// `kill -9`) loses at most the batch in flight, and the next claim resumes after the last committed one; no row is
/// applied twice (and a repeated row would match by external id or credit code anyway).
public struct ImportWorker: Service {
    let postgres: PostgresClient
    let logger: Logger
    let batchSize: Int
    let leaseSeconds: Int
    let pollInterval: Duration
    let maxAttempts: Int
    /// Tests only: return after this many batches as if the process had died, leaving the job leased and running.
    let stopAfterBatches: Int?

    /// Creates a worker.
    /// - Parameters:
    ///   - batchSize: rows per transaction.
    ///   - leaseSeconds: how long a claim (renewed by every batch) keeps other workers off a job.
    ///   - pollInterval: the pause when no job is waiting.
    ///   - maxAttempts: claims of one job before it is failed (a file that crashes every worker must not loop).
    public init(
        postgres: PostgresClient,
        logger: Logger,
        batchSize: Int = 1_000,
        leaseSeconds: Int = 60,
        pollInterval: Duration = .milliseconds(300),
        maxAttempts: Int = 5,
        stopAfterBatches: Int? = nil
    ) {
        self.stopAfterBatches = stopAfterBatches
        self.postgres = postgres
        self.logger = logger
        self.batchSize = max(batchSize, 1)
        self.leaseSeconds = max(leaseSeconds, 5)
        self.pollInterval = pollInterval
        self.maxAttempts = max(maxAttempts, 1)
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    let worked: Bool
                    do {
                        worked = try await runNext()
                    } catch {
                        // The database may be restarting; the job's lease runs out and a later claim resumes it.
                        logger.warning("import round failed", metadata: ["error": "\(String(reflecting: error))"])
                        worked = false
                    }
                    if !worked { try await Task.sleep(for: pollInterval) }
                }
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // A drain stops the job between its batches' transactions at the latest: what committed stays, and the
            // job resumes from its last committed batch once its lease runs out.
            logger.info("drain: import worker stopped")
        }
    }

    /// Claims one job and runs it to its end (or until its lease is lost).
    /// - Returns: whether a job was claimed.
    @discardableResult
    public func runNext() async throws -> Bool {
        let jobs = ImportRepository(logger: logger)
        guard let claim = try await jobs.claim(leaseSeconds: leaseSeconds, maxAttempts: maxAttempts, on: postgres) else { return false }
        logger.info("import claimed", metadata: ["job": "\(claim.id)", "nextRow": "\(claim.nextRow)", "attempt": "\(claim.attempts)"])
        let sheet: Sheet
        do {
            sheet = try SheetReader.read(claim.file)
        } catch {
            try await jobs.finish(id: claim.id, token: claim.token, failure: "The file cannot be read: \(error.message).", on: postgres)
            return true
        }
        let users = try await postgres.withConnection { connection in try await OrgReplica(logger: logger).users(on: connection) }
        var usersByName: [String: UserSnapshot] = [:]
        for user in users {
            usersByName[user.id] = user
            if !user.username.isEmpty { usersByName[user.username] = user }
        }
        let layout = ImportLayout(header: sheet.header)
        var run = ImportBatch.Run(
            scope: DataScope(claim.caller),
            dryRun: claim.dryRun,
            layout: layout,
            header: sheet.header,
            users: usersByName,
            importID: claim.id
        )
        let batch = ImportBatch(logger: logger, repository: PostgresCustomerRepository(logger: logger))
        var start = min(claim.nextRow, sheet.rows.count)
        if start > 0 {
            // Rows already committed are in the database; for a dry run, what the file repeats is remembered here.
            for row in sheet.rows[..<start] {
                let values = layout.values(of: row)
                if let key = values[.externalID] { run.seenExternalIDs.insert(key) }
                if let key = values[.creditCode] { run.seenCreditCodes.insert(CreditCode.normalized(key)) }
                if run.dryRun, let name = values[.name] { run.seenNames.insert(DuplicateRule.normalizedName(name)) }
            }
        }
        var first = start == 0
        var batches = 0
        repeat {
            let end = min(start + batchSize, sheet.rows.count)
            let rows = sheet.rows[start..<end]
            let isFirst = first
            run = try await postgres.withTransaction(deadline: PostgresSettings.defaultTransactionDeadline, logger: logger) {
                [batch, jobs, leaseSeconds, run] connection in
                var run = run
                var progress = try await batch.apply(rows, run: &run, on: connection)
                if isFirst { progress.errors.insert(contentsOf: layout.headerErrors, at: 0) }
                let held = try await jobs.record(
                    progress,
                    sheet: isFirst ? sheet : nil,
                    nextRow: end,
                    claim: claim,
                    leaseSeconds: leaseSeconds,
                    on: connection
                )
                // Losing the lease rolls the batch back: the worker that holds the job now does these rows.
                guard held else { throw LeaseLost() }
                return run
            }
            first = false
            start = end
            batches += 1
            if let stopAfterBatches, batches >= stopAfterBatches { return true }
        } while start < sheet.rows.count
        try await jobs.finish(id: claim.id, token: claim.token, failure: nil, on: postgres)
        logger.info("import finished", metadata: ["job": "\(claim.id)", "rows": "\(sheet.rows.count)"])
        return true
    }

    /// Another worker took the job over after this one's lease ran out.
    struct LeaseLost: Error {}
}
