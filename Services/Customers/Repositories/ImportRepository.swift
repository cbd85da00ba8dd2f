public import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// Where import jobs, their files and their errors are stored (migration 0009).
public struct ImportRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// A job taken by a worker: everything it needs to go on from the last committed batch.
    public struct Claim: Sendable {
        public var id: RecordID
        public var token: UUID
        public var caller: CallerIdentity
        public var dryRun: Bool
        public var nextRow: Int
        public var attempts: Int
        public var file: [UInt8]
    }

    /// Stores a new queued job and its file (inside the caller's transaction).
    public func insert(_ job: ImportJob, caller: CallerIdentity, file: [UInt8], on connection: PostgresConnection) async throws {
        let callerJSON = String(decoding: try JSONCoding.encoder.encode(caller), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO import_jobs (id, created_by, caller, dry_run, status, created_at)
            VALUES (\(job.id), \(job.createdBy), \(callerJSON)::jsonb, \(job.dryRun), \(job.status.rawValue), \(job.createdAt))
            """,
            logger: logger
        )
        try await connection.query(
            "INSERT INTO import_files (job_id, content) VALUES (\(job.id), \(ByteBuffer(bytes: file)))",
            logger: logger
        )
    }

    /// A job by id.
    public func find(id: RecordID, on connection: PostgresConnection) async throws -> ImportJob? {
        let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM import_jobs WHERE id = \(id)", logger: logger)
        for try await row in rows { return try Self.decode(row) }
        return nil
    }

    /// Takes the oldest job that is queued, or running under a lease that ran out (its worker died), for `leaseSeconds`.
    /// Each claim counts an attempt; a job claimed `maxAttempts` times without finishing is failed instead.
    public func claim(leaseSeconds: Int, maxAttempts: Int, on client: PostgresClient) async throws -> Claim? {
        let rows = try await client.query(
            """
            UPDATE import_jobs SET status = 'running', attempts = attempts + 1, lease_token = gen_random_uuid(),
                lease_until = now() + make_interval(secs => \(Double(leaseSeconds))), started_at = coalesce(started_at, now())
            WHERE id = (
                SELECT id FROM import_jobs
                WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
                ORDER BY created_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id, lease_token, caller::text, dry_run, next_row, attempts
            """,
            logger: logger
        )
        var claimed: (RecordID, UUID, String, Bool, Int, Int)?
        for try await row in rows.decode((RecordID, UUID, String, Bool, Int, Int).self) { claimed = row }
        guard let (id, token, callerJSON, dryRun, nextRow, attempts) = claimed else { return nil }
        let caller = try JSONCoding.decoder.decode(CallerIdentity.self, from: Data(callerJSON.utf8))
        if attempts > maxAttempts {
            try await finish(id: id, token: token, failure: "the import stopped \(maxAttempts) times before finishing", on: client)
            return nil
        }
        var file: [UInt8] = []
        for try await content in try await client.query("SELECT content FROM import_files WHERE job_id = \(id)", logger: logger)
            .decode(ByteBuffer.self)
        {
            file = Array(content.readableBytesView)
        }
        return Claim(id: id, token: token, caller: caller, dryRun: dryRun, nextRow: nextRow, attempts: attempts, file: file)
    }

    /// What one committed batch adds to a job.
    public struct Progress: Sendable, Equatable {
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var duplicates = 0
        public var errors: [ImportError] = []

        public init() {}
    }

    /// Records a batch: its errors (duplicates among them, listed but counted under `duplicates`), its counts and the next row to process, and renews the lease — only while the
    /// claim still holds (same token). Run it in the batch's transaction.
    /// - Returns: `false` when the lease was lost to another worker; the caller must roll the batch back.
    public func record(
        _ progress: Progress,
        sheet: Sheet?,
        nextRow: Int,
        claim: Claim,
        leaseSeconds: Int,
        on connection: PostgresConnection
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE import_jobs SET next_row = \(nextRow), processed_rows = \(nextRow),
                created = created + \(progress.created), updated = updated + \(progress.updated),
                unchanged = unchanged + \(progress.unchanged), duplicates = duplicates + \(progress.duplicates),
                errors = errors + \(progress.errors.filter { $0.code != ImportError.duplicateCode }.count),
                format = coalesce(\(sheet?.format.rawValue), format), encoding = coalesce(\(sheet?.encoding?.rawValue), encoding),
                total_rows = coalesce(\(sheet?.rows.count), total_rows),
                lease_until = now() + make_interval(secs => \(Double(leaseSeconds)))
            WHERE id = \(claim.id) AND lease_token = \(claim.token) AND status = 'running'
            RETURNING id
            """,
            logger: logger
        )
        var held = false
        for try await _ in rows { held = true }
        guard held else { return false }
        if !progress.errors.isEmpty {
            let json = String(decoding: try JSONCoding.encoder.encode(progress.errors), as: UTF8.self)
            try await connection.query(
                """
                INSERT INTO import_errors (job_id, row_number, column_name, code, message)
                SELECT \(claim.id), e.row, e."column", e.code, e.message
                FROM jsonb_to_recordset(\(json)::jsonb) AS e("row" integer, "column" text, code text, message text)
                """,
                logger: logger
            )
        }
        return true
    }

    /// Ends a job: `succeeded`, or `failed` with a reason, if the claim still holds.
    public func finish(id: RecordID, token: UUID, failure: String?, on client: PostgresClient) async throws {
        let status = failure == nil ? ImportJob.Status.succeeded : .failed
        try await client.query(
            """
            UPDATE import_jobs SET status = \(status.rawValue), failure = \(failure), finished_at = now(), lease_until = NULL
            WHERE id = \(id) AND lease_token = \(token)
            """,
            logger: logger
        )
    }

    /// A job's errors in row order, a page at a time (the cursor carries the last error's number).
    public func errors(jobID: RecordID, after: Int64?, limit: Int, on connection: PostgresConnection) async throws -> [(Int64, ImportError)] {
        let rows = try await connection.query(
            """
            SELECT id, row_number, column_name, code, message FROM import_errors
            WHERE job_id = \(jobID) AND (\(after)::bigint IS NULL OR id > \(after))
            ORDER BY id
            LIMIT \(limit)
            """,
            logger: logger
        )
        var errors: [(Int64, ImportError)] = []
        for try await (id, row, column, code, message) in rows.decode((Int64, Int, String?, String, String).self) {
            errors.append((id, ImportError(row: row, column: column, code: code, message: message)))
        }
        return errors
    }

    private static let columns = """
        id, status, dry_run, format, encoding, total_rows, processed_rows, created, updated, unchanged, duplicates, errors, failure,
        created_at, finished_at, created_by
        """

    private static func decode(_ row: PostgresRow) throws -> ImportJob {
        typealias Columns = (RecordID, String, Bool, String?, String?, Int, Int, Int, Int, Int, Int, Int, String?, Date, Date?, String)
        let (
            id, status, dryRun, format, encoding, total, processed, created, updated, unchanged, duplicates, errors, failure, createdAt, finishedAt,
            createdBy
        ) =
            try row.decode(Columns.self)
        return ImportJob(
            id: id,
            status: try ImportJob.Status(stored: status, column: "import_jobs.status"),
            dryRun: dryRun,
            format: format,
            encoding: encoding,
            totalRows: total,
            processedRows: processed,
            created: created,
            updated: updated,
            unchanged: unchanged,
            duplicates: duplicates,
            errors: errors,
            failure: failure,
            createdAt: createdAt,
            finishedAt: finishedAt,
            createdBy: createdBy
        )
    }
}
