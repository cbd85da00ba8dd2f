public import Contracts
public import Foundation

/// A customer import as its creator follows it: `queued` until a worker takes it, `running` while batches commit
/// (``processedRows`` of ``totalRows``), then `succeeded` (rows with errors are counted, not fatal) or `failed` (the
/// file could not be read at all; ``failure`` says why).
public struct ImportJob: Sendable, Equatable, Encodable {
    public enum Status: String, Sendable, Codable { case queued, running, succeeded, failed }

    public var id: RecordID
    public var status: Status
    public var dryRun: Bool
    /// `csv` or `xlsx`, known once the file is read.
    @ExplicitNull public var format: String?
    /// The text encoding a CSV was read in (`utf-8`, `utf-8-bom`, `gb18030`); `null` for XLSX.
    @ExplicitNull public var encoding: String?
    public var totalRows: Int
    public var processedRows: Int
    public var created: Int
    public var updated: Int
    public var unchanged: Int
    public var duplicates: Int
    /// How many errors were found (header and rows); list them at `…/errors`.
    public var errors: Int
    @ExplicitNull public var failure: String?
    public var createdAt: Date
    @ExplicitNull public var finishedAt: Date?
    /// The user who uploaded the file; only they (and admins) see the job.
    public var createdBy: String
}
