import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// Applies one batch of import rows inside the batch's transaction, with the rules of create and update.
///
/// Each row is validated by ``CustomerRules/validate(_:)`` (the create-customer rules), its owner by
/// ``OwnerAssignment`` and the caller's scope. Then it is matched: by external id, else by credit code. A match is
/// updated through ``CustomerRules/apply(_:to:)`` (the update rules) when something changed, else counted unchanged;
/// no match is a new customer unless ``DuplicateRule`` finds one like it (same normalized name or a contact's mobile),
/// in the database or earlier in the file: that row is reported as a duplicate, never created.
///
/// New customers, their mobiles, audit lines and one `customer.imported` event go in one statement per table per batch.
/// A dry run does every check and match and writes nothing.
struct ImportBatch: Sendable {
    let logger: Logger
    let repository: PostgresCustomerRepository

    /// What the whole run knows: the caller, the org chart and the keys seen in earlier rows of the file.
    struct Run: Sendable {
        var scope: DataScope
        var dryRun: Bool
        var layout: ImportLayout
        var header: [String]
        /// Users by username and by id, for the 负责人/owner column.
        var users: [String: UserSnapshot]
        var seenExternalIDs: Set<String> = []
        var seenCreditCodes: Set<String> = []
        var seenNames: Set<String> = []
        var seenMobiles: Set<String> = []
        /// Regions already checked against the region replica: `nil` when it exists, else the refusal.
        var regionChecks: [String: Problem?] = [:]
        var traceparent: String?
        /// The import job: the subject of its `customer.imported` events.
        var importID: RecordID
    }

    private struct Candidate {
        var row: Int
        var fields: CustomerRules.Fields
        var ownerID: String
    }

    func apply(_ rows: ArraySlice<SheetRow>, run: inout Run, on connection: PostgresConnection) async throws -> ImportRepository.Progress {
        var progress = ImportRepository.Progress()
        var evaluated: [Candidate] = []
        for sheetRow in rows {
            let row = ImportRow(number: sheetRow.number, values: run.layout.values(of: sheetRow))
            if let candidate = evaluate(row, run: run, into: &progress.errors) { evaluated.append(candidate) }
        }
        // The region must be one an admin created, as for customers.create (checked once per region and run).
        var candidates: [Candidate] = []
        for candidate in evaluated {
            let region = candidate.fields.region
            if run.regionChecks[region] == nil {
                do {
                    try await CreateCustomerHandler.requireRegion(region, regions: RegionReplica(logger: logger), on: connection)
                    run.regionChecks[region] = .some(nil)
                } catch let problem as Problem {
                    run.regionChecks[region] = .some(problem)
                }
            }
            if let refusal = run.regionChecks[region] ?? nil {
                progress.errors.append(contentsOf: fieldErrors(refusal, row: candidate.row, run: run))
            } else {
                candidates.append(candidate)
            }
        }
        progress.errors.sort { $0.row < $1.row }
        let externalIDs = candidates.compactMap(\.fields.externalID)
        let creditCodes = candidates.compactMap(\.fields.creditCode)
        var matches: [RecordID] = []
        if !externalIDs.isEmpty || !creditCodes.isEmpty {
            let rows = try await connection.query(
                """
                SELECT id FROM customers
                WHERE merged_into IS NULL AND (external_id = ANY(\(externalIDs)::text[]) OR credit_code = ANY(\(creditCodes)::text[]))
                """,
                logger: logger
            )
            for try await id in rows.decode(RecordID.self) { matches.append(id) }
        }
        let existing = try await repository.lock(ids: matches, on: connection)
        let byExternalID = Dictionary(existing.compactMap { c in c.externalID.map { ($0, c) } }, uniquingKeysWith: { first, _ in first })
        let byCreditCode = Dictionary(existing.compactMap { c in c.creditCode.map { ($0, c) } }, uniquingKeysWith: { first, _ in first })

        var unmatched: [Candidate] = []
        var updates: [(before: Customer, after: Customer, changed: [String])] = []
        for candidate in candidates {
            let fields = candidate.fields
            if let key = fields.externalID, run.seenExternalIDs.contains(key) {
                progress.duplicates += 1
                progress.errors.append(duplicate(candidate.row, .externalID, run: run, "the same 外部编号/externalId appears in an earlier row"))
                continue
            }
            if let key = fields.creditCode, run.seenCreditCodes.contains(key) {
                progress.duplicates += 1
                progress.errors.append(duplicate(candidate.row, .creditCode, run: run, "the same credit code appears in an earlier row"))
                continue
            }
            remember(fields, in: &run)
            guard let match = fields.externalID.flatMap({ byExternalID[$0] }) ?? fields.creditCode.flatMap({ byCreditCode[$0] }) else {
                unmatched.append(candidate)
                continue
            }
            guard run.scope.contains(ownerID: match.ownerID, region: match.region) else {
                // The key belongs to a customer the importer may not see: never created twice, never shown.
                progress.duplicates += 1
                progress.errors.append(
                    duplicate(candidate.row, fields.externalID != nil ? .externalID : .creditCode, run: run, "another user's customer has this key")
                )
                continue
            }
            if match.archived || match.mergedInto != nil {
                progress.errors.append(
                    error(candidate.row, .name, run: run, code: "customer_not_editable", "the matching customer \(match.id) is archived or merged")
                )
                continue
            }
            do {
                let outcome = try update(match, with: fields)
                if outcome.changed.isEmpty {
                    progress.unchanged += 1
                } else {
                    guard run.scope.contains(ownerID: outcome.customer.ownerID, region: outcome.customer.region) else {
                        progress.errors.append(error(candidate.row, .region, run: run, code: "invalid", "is outside your region"))
                        continue
                    }
                    progress.updated += 1
                    updates.append((match, outcome.customer, outcome.changed))
                }
            } catch {
                progress.errors.append(contentsOf: fieldErrors(error, row: candidate.row, run: run))
            }
        }

        var creations: [Customer] = []
        if !unmatched.isEmpty {
            let names = unmatched.map { DuplicateRule.normalizedName($0.fields.name) }
            let mobiles = unmatched.flatMap { DuplicateRule.mobiles(of: $0.fields.contacts) }
            var takenNames: Set<String> = []
            var takenMobiles: Set<String> = []
            for try await name in try await connection.query(
                "SELECT normalized_name FROM customers WHERE merged_into IS NULL AND normalized_name = ANY(\(names)::text[])",
                logger: logger
            ).decode(String.self) {
                takenNames.insert(name)
            }
            for try await mobile in try await connection.query(
                "SELECT mobile FROM customer_mobiles WHERE mobile = ANY(\(mobiles)::text[])",
                logger: logger
            ).decode(String.self) {
                takenMobiles.insert(mobile)
            }
            let now = Date()
            for candidate in unmatched {
                let name = DuplicateRule.normalizedName(candidate.fields.name)
                let candidateMobiles = DuplicateRule.mobiles(of: candidate.fields.contacts)
                if takenNames.contains(name) || run.seenNames.contains(name) {
                    progress.duplicates += 1
                    progress.errors.append(duplicate(candidate.row, .name, run: run, "a customer with the same name already exists"))
                    continue
                }
                if let mobile = candidateMobiles.first(where: { takenMobiles.contains($0) || run.seenMobiles.contains($0) }) {
                    progress.duplicates += 1
                    progress.errors.append(duplicate(candidate.row, .contactPhone, run: run, "the mobile \(mobile) belongs to another customer"))
                    continue
                }
                run.seenNames.insert(name)
                run.seenMobiles.formUnion(candidateMobiles)
                let fields = candidate.fields
                creations.append(
                    Customer(
                        id: RecordID(),
                        name: fields.name,
                        region: fields.region,
                        industry: fields.industry,
                        address: fields.address,
                        notes: fields.notes,
                        ownerID: candidate.ownerID,
                        contacts: fields.contacts,
                        version: 1,
                        createdAt: now,
                        updatedAt: now,
                        creditCode: fields.creditCode,
                        level: fields.level,
                        source: fields.source,
                        externalID: fields.externalID
                    )
                )
            }
            progress.created = creations.count
        }
        guard !run.dryRun else { return progress }
        try await insert(creations, run: run, on: connection)
        for update in updates {
            try await repository.update(update.after, on: connection)
            try await repository.appendHistory(
                CustomerHistoryEntry(
                    at: update.after.updatedAt,
                    actorID: run.scope.caller.userID,
                    action: .updated,
                    changes: try CustomerHistoryEntry.differences(from: update.before, to: update.after)
                ),
                customerID: update.after.id,
                on: connection
            )
        }
        // The batch's new customers are one `customer.imported` (its sequence, the batch's first row, grows with
        // each batch of the job); each updated one is a `customer.updated` of its own.
        let created =
            try creations.isEmpty
            ? []
            : [
                EventEnvelope(
                    CustomersImported(importID: run.importID.description, firstRow: rows.first?.number ?? 0, customers: creations.map(\.snapshot)),
                    source: CustomersService.name,
                    subject: run.importID.description,
                    sequence: Int64(rows.first?.number ?? 0),
                    time: creations[0].createdAt,
                    traceparent: run.traceparent
                )
            ]
        let events =
            created
            + (try updates.map {
                try EventEnvelope(
                    CustomerUpdated(customer: $0.after.snapshot, changedFields: $0.changed),
                    source: CustomersService.name,
                    subject: $0.after.snapshot.id,
                    sequence: $0.after.version,
                    time: $0.after.updatedAt,
                    traceparent: run.traceparent
                )
            })
        try await Outbox.append(contentsOf: events, on: connection, logger: logger)
        return progress
    }

    /// A row checked by the create rules and the owner rules; `nil` (with its errors recorded) when it breaks one.
    private func evaluate(_ row: ImportRow, run: Run, into errors: inout [ImportError]) -> Candidate? {
        var draft = row.draft
        draft.creditCode = row.values[.creditCode]
        draft.level = row.values[.level].map(ImportVocabulary.level)
        draft.source = row.values[.source].map(ImportVocabulary.source)
        draft.externalID = row.values[.externalID]
        var rowErrors: [ImportError] = []
        var fields: CustomerRules.Fields?
        do {
            fields = try CustomerRules.validate(draft)
        } catch {
            rowErrors.append(contentsOf: fieldErrors(error, row: row.number, run: run))
        }
        var ownerID = run.scope.caller.userID
        if let owner = row.values[.owner] {
            if let user = run.users[owner] {
                do {
                    try OwnerAssignment.check(user.id, user: ReplicatedUser(user), scope: run.scope, field: "owner")
                    ownerID = user.id
                } catch {
                    rowErrors.append(contentsOf: fieldErrors(error, row: row.number, run: run))
                }
            } else {
                rowErrors.append(self.error(row.number, .owner, run: run, code: "unknown_user", "no user with the username '\(owner)'"))
            }
        }
        if let fields, rowErrors.isEmpty, !run.scope.contains(ownerID: ownerID, region: fields.region) {
            rowErrors.append(self.error(row.number, .region, run: run, code: "invalid", "is outside your region"))
        }
        errors.append(contentsOf: rowErrors)
        guard rowErrors.isEmpty, let fields else { return nil }
        return Candidate(row: row.number, fields: fields, ownerID: ownerID)
    }

    /// The matched customer with the row applied by the update rules: given cells replace, empty cells keep the
    /// stored value, and the row's contact joins the customer's contacts (replacing one with the same phone or name).
    private func update(_ customer: Customer, with fields: CustomerRules.Fields) throws(Problem) -> (customer: Customer, changed: [String]) {
        var contacts = customer.contacts
        for contact in fields.contacts {
            if let index = contacts.firstIndex(where: { ($0.phone != nil && $0.phone == contact.phone) || $0.name == contact.name }) {
                contacts[index] = contact
            } else {
                contacts.append(contact)
            }
        }
        let current = customer.ruleFields
        let patch = CustomerPatch(
            name: fields.name,
            region: fields.region,
            industry: fields.industry,
            address: fields.address,
            contacts: contacts.map { ContactDraft(name: $0.name, phone: $0.phone, email: $0.email, title: $0.title) },
            creditCode: fields.creditCode,
            level: fields.level?.rawValue,
            source: fields.source?.rawValue
        )
        let (applied, changed) = try CustomerRules.apply(patch, to: current)
        var updated = customer
        guard !changed.isEmpty else { return (updated, []) }
        updated.take(applied)
        if updated.externalID == nil { updated.externalID = fields.externalID }
        updated.version += 1
        updated.updatedAt = Date()
        return (updated, changed)
    }

    private func remember(_ fields: CustomerRules.Fields, in run: inout Run) {
        if let key = fields.externalID { run.seenExternalIDs.insert(key) }
        if let key = fields.creditCode { run.seenCreditCodes.insert(key) }
    }

    /// New customers, their mobiles, their first audit lines: one statement each.
    private func insert(_ customers: [Customer], run: Run, on connection: PostgresConnection) async throws {
        guard !customers.isEmpty else { return }
        let records = try customers.map { customer in
            ImportedCustomerRecord(
                id: customer.id.description,
                name: customer.name,
                region: customer.region,
                industry: customer.industry,
                address: customer.address,
                notes: customer.notes,
                ownerID: customer.ownerID,
                contacts: customer.contacts,
                version: customer.version,
                createdAt: customer.createdAt,
                creditCode: customer.creditCode,
                level: customer.level?.rawValue,
                source: customer.source?.rawValue,
                externalID: customer.externalID,
                normalizedName: DuplicateRule.normalizedName(customer.name),
                mobiles: DuplicateRule.mobiles(of: customer.contacts),
                history: try CustomerHistoryEntry.created(customer, by: run.scope.caller.userID).changes
            )
        }
        let json = String(decoding: try JSONCoding.encoder.encode(records), as: UTF8.self)
        try await connection.query(
            """
            WITH records AS (
                SELECT * FROM jsonb_to_recordset(\(json)::jsonb) AS r(
                    id uuid, name text, region text, industry text, address text, notes text, "ownerId" text, contacts jsonb,
                    version bigint, "createdAt" timestamptz, "creditCode" text, level text, source text, "externalId" text,
                    "normalizedName" text, mobiles text[], history jsonb)
            ), customers_in AS (
                INSERT INTO customers (id, name, region, industry, address, notes, owner_id, contacts, version, created_at, updated_at,
                                       credit_code, level, source, external_id, normalized_name)
                SELECT id, name, region, industry, address, notes, "ownerId", contacts, version, "createdAt", "createdAt",
                       "creditCode", level, source, "externalId", "normalizedName"
                FROM records
                RETURNING id
            ), mobiles_in AS (
                INSERT INTO customer_mobiles (customer_id, mobile)
                SELECT r.id, m.mobile FROM records r, unnest(r.mobiles) AS m(mobile)
                WHERE EXISTS (SELECT 1 FROM customers_in c WHERE c.id = r.id)
                ON CONFLICT DO NOTHING
            )
            INSERT INTO customer_history (customer_id, at, actor_id, action, changes)
            SELECT r.id, r."createdAt", \(run.scope.caller.userID), 'created', r.history
            FROM records r JOIN customers_in c ON c.id = r.id
            """,
            logger: logger
        )
    }

    private func duplicate(_ row: Int, _ column: CustomerSheet.Column, run: Run, _ message: String) -> ImportError {
        error(row, column, run: run, code: ImportError.duplicateCode, message)
    }

    private func error(_ row: Int, _ column: CustomerSheet.Column, run: Run, code: String, _ message: String) -> ImportError {
        ImportError(row: row, column: run.layout.header(of: column, in: run.header), code: code, message: message)
    }

    /// A 422's field errors as errors of the row's columns.
    private func fieldErrors(_ error: any Error, row: Int, run: Run) -> [ImportError] {
        guard let problem = error as? Problem else {
            return [ImportError(row: row, column: nil, code: "invalid", message: "\(error)")]
        }
        guard let fieldErrors = problem.errors, !fieldErrors.isEmpty else {
            return [ImportError(row: row, column: nil, code: "invalid", message: problem.detail ?? problem.title)]
        }
        return fieldErrors.map { fieldError in
            let column = ImportRow.column(forField: fieldError.field)
            return ImportError(
                row: row,
                column: column.map { run.layout.header(of: $0, in: run.header) } ?? fieldError.field,
                code: fieldError.message == "is required" ? "required" : "invalid",
                message: fieldError.message
            )
        }
    }
}

/// A new customer as the bulk insert reads it (`jsonb_to_recordset`).
private struct ImportedCustomerRecord: Encodable {
    var id: String
    var name: String
    var region: String
    var industry: String
    var address: String?
    var notes: String?
    var ownerID: String?
    var contacts: [CustomerContact]
    var version: Int64
    var createdAt: Date
    var creditCode: String?
    var level: String?
    var source: String?
    var externalID: String?
    var normalizedName: String
    var mobiles: [String]
    var history: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case id, name, region, industry, address, notes, contacts, version, createdAt, creditCode, level, source, normalizedName, mobiles,
            history
        case ownerID = "ownerId"
        case externalID = "externalId"
    }
}

/// The words Chinese spreadsheets use for the coded columns, read as the codes the rules know; anything else is passed
/// on unchanged for the rules to refuse by name.
enum ImportVocabulary {
    static func level(_ text: String) -> String {
        switch text.uppercased() {
        case "A", "重点", "重点客户", "A级": "A"
        case "B", "普通", "B级": "B"
        case "C", "小客户", "C级": "C"
        default: text
        }
    }

    static func source(_ text: String) -> String {
        switch text {
        case "转介绍", "介绍": "referral"
        case "展会": "exhibition"
        case "官网", "网站": "website"
        case "陌拜", "电话", "陌生拜访": "cold_call"
        case "广告": "advertising"
        case "老客户", "存量": "existing"
        case "其他": "other"
        default: text
        }
    }
}
