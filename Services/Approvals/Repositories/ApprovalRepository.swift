public import Contracts
public import Foundation
public import Logging
import Persistence
public import PostgresNIO
public import ServiceRuntime

/// Approval instances and their steps, policies and the working-day calendar.
public protocol ApprovalRepository: Sendable {
    /// The newest policy version.
    func currentPolicy(on connection: PostgresConnection) async throws -> ApprovalPolicy
    /// Stores tiers and step timing as the next policy version and returns it.
    func appendPolicy(
        tiers: [ApprovalPolicy.Tier],
        timing: StepTiming,
        createdBy: String,
        on connection: PostgresConnection
    ) async throws -> ApprovalPolicy
    /// The newest policy of a subject type (the contracts' for `.contract`).
    func currentPolicy(for subject: ApprovalSubjectType, on connection: PostgresConnection) async throws -> ApprovalPolicy
    /// Stores tiers and step timing as the next version of a subject type's policy and returns it.
    func appendPolicy(
        for subject: ApprovalSubjectType,
        tiers: [ApprovalPolicy.Tier],
        timing: StepTiming,
        createdBy: String,
        on connection: PostgresConnection
    ) async throws -> ApprovalPolicy
    /// The reminder and escalation timing of a policy version (the defaults for a version not found).
    func timing(policyVersion: Int64, on connection: PostgresConnection) async throws -> StepTiming
    /// The reminder and escalation timing of a version of a subject type's policy (the defaults for one not found).
    func timing(policyVersion: Int64, of subject: ApprovalSubjectType, on connection: PostgresConnection) async throws -> StepTiming
    /// Holidays and make-up workdays.
    func calendar(on connection: PostgresConnection) async throws -> WorkingCalendar
    /// Stores a new instance and its steps; `false` when the contract already has a pending approval.
    func insert(_ approval: Approval, on connection: PostgresConnection) async throws -> Bool
    /// An instance with its steps; `lock` takes a row lock until the transaction ends, serialising decisions.
    func find(id: RecordID, lock: Bool, on connection: PostgresConnection) async throws -> Approval?
    /// Writes back an instance's state and all its steps.
    func update(_ approval: Approval, on connection: PostgresConnection) async throws
    /// Pending approvals whose current step waits for `approverID`, of `contractID` when given, oldest first (by request
    /// time and id), a page at a time: the page's cursor is the last item seen, and the next page starts after it.
    func queue(of approverID: String, contractID: RecordID?, page: PageRequest, on connection: PostgresConnection) async throws -> [Approval]
    /// How many approvals wait for `approverID` now (their current step is theirs and pending): the inbox badge.
    func queueCount(of approverID: String, on connection: PostgresConnection) async throws -> Int
    /// The pending approvals whose current, pending step `approverID` holds, oldest first.
    func held(by approverID: String, on connection: PostgresConnection) async throws -> [RecordID]
    /// The pending approvals whose current, pending step a delegate holds on someone's behalf, with both ids.
    func heldOnBehalf(on connection: PostgresConnection) async throws -> [(approval: RecordID, holderID: String, onBehalfOfID: String)]
    /// Approvals `userID` submitted, owns or approves a step of, with `status` and of `contractID` when given, newest
    /// first (by request time and id), a page at a time.
    func involving(
        _ userID: String,
        status: ApprovalStatus?,
        contractID: RecordID?,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [Approval]
}

/// The PostgreSQL implementation.
public struct PostgresApprovalRepository: ApprovalRepository {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func currentPolicy(on connection: PostgresConnection) async throws -> ApprovalPolicy {
        if let policy = try await newestPolicy(on: connection) { return policy }
        // No policy yet: the default is written as version 1 from ApprovalPolicy.defaultTiers, its only definition.
        // Two first readers race on the primary key; the loser's insert does nothing and it reads the winner's row.
        let json = String(decoding: try JSONCoding.encoder.encode(ApprovalPolicy.defaultTiers), as: UTF8.self)
        try await connection.query(
            "INSERT INTO policies (version, tiers, created_by) VALUES (1, \(json)::jsonb, 'default') ON CONFLICT (version) DO NOTHING",
            logger: logger
        )
        guard let policy = try await newestPolicy(on: connection) else { throw PolicyMissing() }
        return policy
    }

    private func newestPolicy(on connection: PostgresConnection) async throws -> ApprovalPolicy? {
        let rows = try await connection.query(
            """
            SELECT version, tiers::text, created_by, created_at, reminder_working_hours, max_reminders, sla_working_days, escalation
            FROM policies ORDER BY version DESC LIMIT 1
            """,
            logger: logger
        )
        typealias Columns = (Int64, String, String, Date, Double, Int, Double, String)
        for try await (version, tiers, createdBy, createdAt, hours, reminders, days, escalation) in rows.decode(Columns.self) {
            let decoded = try JSONCoding.decoder.decode([ApprovalPolicy.Tier].self, from: Data(tiers.utf8))
            let timing = StepTiming(
                reminderWorkingHours: hours,
                maxReminders: reminders,
                slaWorkingDays: days,
                escalation: try StepTiming.Escalation(stored: escalation, column: "policies.escalation")
            )
            return ApprovalPolicy(version: version, tiers: decoded, createdBy: createdBy, createdAt: createdAt, timing: timing)
        }
        return nil
    }

    public func timing(policyVersion: Int64, on connection: PostgresConnection) async throws -> StepTiming {
        let rows = try await connection.query(
            "SELECT reminder_working_hours, max_reminders, sla_working_days, escalation FROM policies WHERE version = \(policyVersion)",
            logger: logger
        )
        for try await (hours, reminders, days, escalation) in rows.decode((Double, Int, Double, String).self) {
            return StepTiming(
                reminderWorkingHours: hours,
                maxReminders: reminders,
                slaWorkingDays: days,
                escalation: try StepTiming.Escalation(stored: escalation, column: "policies.escalation")
            )
        }
        return .standard
    }

    public func appendPolicy(
        tiers: [ApprovalPolicy.Tier],
        timing: StepTiming,
        createdBy: String,
        on connection: PostgresConnection
    ) async throws -> ApprovalPolicy {
        // Version 1 is always the default, so the first change an admin makes is version 2.
        _ = try await currentPolicy(on: connection)
        let json = String(decoding: try JSONCoding.encoder.encode(tiers), as: UTF8.self)
        // Concurrent puts both read the same max; the primary key makes the loser fail instead of overwriting.
        let rows = try await connection.query(
            """
            INSERT INTO policies (version, tiers, created_by, reminder_working_hours, max_reminders, sla_working_days, escalation)
            SELECT COALESCE(max(version), 0) + 1, \(json)::jsonb, \(createdBy), \(timing.reminderWorkingHours), \(timing.maxReminders),
                \(timing.slaWorkingDays), \(timing.escalation.rawValue) FROM policies
            RETURNING version, created_at
            """,
            logger: logger
        )
        for try await (version, createdAt) in rows.decode((Int64, Date).self) {
            return ApprovalPolicy(version: version, tiers: tiers, createdBy: createdBy, createdAt: createdAt, timing: timing)
        }
        throw PolicyMissing()
    }

    /// The newest policy of a subject type (issue 12): the contracts' ``currentPolicy(on:)`` for `.contract`, otherwise
    /// that type's in `subject_policies`, written from ``ApprovalPolicy/defaultTiers(for:)`` as version 1 when it has none.
    public func currentPolicy(for subject: ApprovalSubjectType, on connection: PostgresConnection) async throws -> ApprovalPolicy {
        if subject == .contract { return try await currentPolicy(on: connection) }
        if let policy = try await newestPolicy(for: subject, on: connection) { return policy }
        let json = String(decoding: try JSONCoding.encoder.encode(ApprovalPolicy.defaultTiers(for: subject)), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO subject_policies (subject_type, version, tiers, created_by) VALUES (\(subject.rawValue), 1, \(json)::jsonb, 'default')
            ON CONFLICT (subject_type, version) DO NOTHING
            """,
            logger: logger
        )
        guard let policy = try await newestPolicy(for: subject, on: connection) else { throw PolicyMissing() }
        return policy
    }

    private func newestPolicy(for subject: ApprovalSubjectType, on connection: PostgresConnection) async throws -> ApprovalPolicy? {
        let rows = try await connection.query(
            """
            SELECT version, tiers::text, created_by, created_at, reminder_working_hours, max_reminders, sla_working_days, escalation
            FROM subject_policies WHERE subject_type = \(subject.rawValue)
            ORDER BY version DESC LIMIT 1
            """,
            logger: logger
        )
        typealias Columns = (Int64, String, String, Date, Double, Int, Double, String)
        for try await (version, tiers, createdBy, createdAt, hours, reminders, days, escalation) in rows.decode(Columns.self) {
            let decoded = try JSONCoding.decoder.decode([ApprovalPolicy.Tier].self, from: Data(tiers.utf8))
            let timing = StepTiming(
                reminderWorkingHours: hours,
                maxReminders: reminders,
                slaWorkingDays: days,
                escalation: try StepTiming.Escalation(stored: escalation, column: "subject_policies.escalation")
            )
            return ApprovalPolicy(version: version, tiers: decoded, createdBy: createdBy, createdAt: createdAt, timing: timing)
        }
        return nil
    }

    public func timing(policyVersion: Int64, of subject: ApprovalSubjectType, on connection: PostgresConnection) async throws -> StepTiming {
        if subject == .contract { return try await timing(policyVersion: policyVersion, on: connection) }
        let rows = try await connection.query(
            """
            SELECT reminder_working_hours, max_reminders, sla_working_days, escalation FROM subject_policies
            WHERE subject_type = \(subject.rawValue) AND version = \(policyVersion)
            """,
            logger: logger
        )
        for try await (hours, reminders, days, escalation) in rows.decode((Double, Int, Double, String).self) {
            return StepTiming(
                reminderWorkingHours: hours,
                maxReminders: reminders,
                slaWorkingDays: days,
                escalation: try StepTiming.Escalation(stored: escalation, column: "subject_policies.escalation")
            )
        }
        return .standard
    }

    /// Stores tiers and step timing as the next version of a subject type's policy (the contracts'
    /// ``appendPolicy(tiers:timing:createdBy:on:)`` for `.contract`) and returns it.
    public func appendPolicy(
        for subject: ApprovalSubjectType,
        tiers: [ApprovalPolicy.Tier],
        timing: StepTiming = .standard,
        createdBy: String,
        on connection: PostgresConnection
    ) async throws -> ApprovalPolicy {
        if subject == .contract { return try await appendPolicy(tiers: tiers, timing: timing, createdBy: createdBy, on: connection) }
        _ = try await currentPolicy(for: subject, on: connection)
        let json = String(decoding: try JSONCoding.encoder.encode(tiers), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO subject_policies (subject_type, version, tiers, created_by, reminder_working_hours, max_reminders, sla_working_days,
                escalation)
            SELECT \(subject.rawValue), COALESCE(max(version), 0) + 1, \(json)::jsonb, \(createdBy), \(timing.reminderWorkingHours),
                \(timing.maxReminders), \(timing.slaWorkingDays), \(timing.escalation.rawValue)
            FROM subject_policies WHERE subject_type = \(subject.rawValue)
            RETURNING version, created_at
            """,
            logger: logger
        )
        for try await (version, createdAt) in rows.decode((Int64, Date).self) {
            return ApprovalPolicy(version: version, tiers: tiers, createdBy: createdBy, createdAt: createdAt, timing: timing)
        }
        throw PolicyMissing()
    }

    /// The holiday calendar of the service's replica (kept from the gateway's `calendar.*` events). The tables
    /// `holidays` and `workdays` of migration 0002 are no longer read: the gateway owns the calendar now.
    public func calendar(on connection: PostgresConnection) async throws -> WorkingCalendar {
        try await CalendarReplica(logger: logger).calendar(on: connection)
    }

    public func insert(_ approval: Approval, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO approval_instances (id, contract_id, contract_number, customer_name, amount_fen, owner_id, region, submitter_id,
                policy_version, status, current_step, step_count, version, requested_at, subject_type, title)
            VALUES (\(approval.id), \(approval.contractID), \(approval.contractNumber), \(approval.customerName), \(approval.amountFen),
                \(approval.ownerID), \(approval.region), \(approval.submitterID), \(approval.policyVersion), \(approval.status.rawValue),
                \(approval.currentStep), \(approval.stepCount), \(approval.version), \(approval.requestedAt), \(approval.subjectType.rawValue),
                \(approval.title))
            ON CONFLICT (contract_id) WHERE status = 'pending' DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return false }
        for step in approval.steps {
            try await connection.query(
                """
                INSERT INTO approval_steps (approval_id, step, role, status, approver_id, approver_name, resolution,
                    assigned_at, decided_at, comment, working_days, on_behalf_of_id, on_behalf_of_name, decided_by_id, decided_by_name,
                    reassigned_from_id, reassigned_reason)
                VALUES (\(approval.id), \(step.step), \(step.role.rawValue), \(step.status.rawValue), \(step.approverID), \(step.approverName),
                    \(step.resolution), \(step.assignedAt), \(step.decidedAt), \(step.comment), \(step.workingDays), \(step.onBehalfOfID),
                    \(step.onBehalfOfName), \(step.decidedByID), \(step.decidedByName), \(step.reassignedFromID), \(step.reassignedReason?.rawValue))
                """,
                logger: logger
            )
        }
        return true
    }

    public func update(_ approval: Approval, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE approval_instances SET status = \(approval.status.rawValue), current_step = \(approval.currentStep),
                version = \(approval.version), completed_at = \(approval.completedAt), comment = \(approval.comment),
                working_days = \(approval.workingDays)
            WHERE id = \(approval.id)
            """,
            logger: logger
        )
        for step in approval.steps {
            try await connection.query(
                """
                UPDATE approval_steps SET status = \(step.status.rawValue), approver_id = \(step.approverID),
                    approver_name = \(step.approverName), resolution = \(step.resolution), assigned_at = \(step.assignedAt),
                    decided_at = \(step.decidedAt), comment = \(step.comment), working_days = \(step.workingDays),
                    on_behalf_of_id = \(step.onBehalfOfID), on_behalf_of_name = \(step.onBehalfOfName), decided_by_id = \(step.decidedByID),
                    decided_by_name = \(step.decidedByName), reassigned_from_id = \(step.reassignedFromID),
                    reassigned_reason = \(step.reassignedReason?.rawValue)
                WHERE approval_id = \(approval.id) AND step = \(step.step)
                """,
                logger: logger
            )
        }
    }

    public func find(id: RecordID, lock: Bool, on connection: PostgresConnection) async throws -> Approval? {
        let rows = try await connection.query(
            lock
                ? "SELECT \(unescaped: Self.columns) FROM approval_instances WHERE id = \(id) FOR UPDATE"
                : "SELECT \(unescaped: Self.columns) FROM approval_instances WHERE id = \(id)",
            logger: logger
        )
        return try await withSteps(try await decode(rows), on: connection).first
    }

    public func queue(
        of approverID: String,
        contractID: RecordID?,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [Approval] {
        let cursor = page.cursor
        // Contract ids arrive as text in contract.submitted; compared case-blind, as `RecordID` parses them.
        let contract = contractID?.description
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM approval_instances i
            WHERE i.status = 'pending' AND EXISTS (
                SELECT 1 FROM approval_steps s
                WHERE s.approval_id = i.id AND s.step = i.current_step AND s.status = 'pending' AND s.approver_id = \(approverID))
              AND (\(contract)::text IS NULL OR lower(i.contract_id) = \(contract))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (i.requested_at, i.id) > (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY i.requested_at, i.id
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        return try await withSteps(try await decode(rows), on: connection)
    }

    public func queueCount(of approverID: String, on connection: PostgresConnection) async throws -> Int {
        // From the approver's pending steps (index approval_steps_queue), not from every pending approval.
        let rows = try await connection.query(
            """
            SELECT count(*)::bigint FROM approval_steps s
            JOIN approval_instances i ON i.id = s.approval_id AND i.current_step = s.step
            WHERE s.approver_id = \(approverID) AND s.status = 'pending' AND i.status = 'pending'
            """,
            logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    public func involving(
        _ userID: String,
        status: ApprovalStatus?,
        contractID: RecordID?,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> [Approval] {
        let cursor = page.cursor
        // Contract ids arrive as text in contract.submitted; compared case-blind, as `RecordID` parses them.
        let contract = contractID?.description
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM approval_instances i
            WHERE (i.submitter_id = \(userID) OR i.owner_id = \(userID) OR EXISTS (
                    SELECT 1 FROM approval_steps s WHERE s.approval_id = i.id
                      AND (s.approver_id = \(userID) OR s.on_behalf_of_id = \(userID) OR s.reassigned_from_id = \(userID))))
              AND (\(status?.rawValue)::text IS NULL OR i.status = \(status?.rawValue))
              AND (\(contract)::text IS NULL OR lower(i.contract_id) = \(contract))
              AND (\(cursor?.boundTime)::timestamptz IS NULL OR (i.requested_at, i.id) < (\(cursor?.boundTime), \(cursor?.id)))
            ORDER BY i.requested_at DESC, i.id DESC
            LIMIT \(page.fetchLimit)
            """,
            logger: logger
        )
        return try await withSteps(try await decode(rows), on: connection)
    }

    public func held(by approverID: String, on connection: PostgresConnection) async throws -> [RecordID] {
        let rows = try await connection.query(
            """
            SELECT i.id FROM approval_instances i
            JOIN approval_steps s ON s.approval_id = i.id AND s.step = i.current_step
            WHERE s.approver_id = \(approverID) AND s.status = 'pending' AND i.status = 'pending'
            ORDER BY i.requested_at, i.id
            """,
            logger: logger
        )
        var ids: [RecordID] = []
        for try await id in rows.decode(RecordID.self) { ids.append(id) }
        return ids
    }

    public func heldOnBehalf(on connection: PostgresConnection) async throws -> [(approval: RecordID, holderID: String, onBehalfOfID: String)] {
        let rows = try await connection.query(
            """
            SELECT i.id, s.approver_id, s.on_behalf_of_id FROM approval_instances i
            JOIN approval_steps s ON s.approval_id = i.id AND s.step = i.current_step
            WHERE s.on_behalf_of_id IS NOT NULL AND s.approver_id IS NOT NULL AND s.status = 'pending' AND i.status = 'pending'
            ORDER BY i.requested_at, i.id
            """,
            logger: logger
        )
        var held: [(approval: RecordID, holderID: String, onBehalfOfID: String)] = []
        for try await (id, holder, onBehalfOf) in rows.decode((RecordID, String, String).self) {
            held.append((approval: id, holderID: holder, onBehalfOfID: onBehalfOf))
        }
        return held
    }

    private static let columns = """
        id, contract_id, contract_number, customer_name, amount_fen, owner_id, region, submitter_id, policy_version, status,
        current_step, step_count, version, requested_at, completed_at, comment, working_days, subject_type, title
        """

    private func decode(_ rows: PostgresRowSequence) async throws -> [Approval] {
        var approvals: [Approval] = []
        for try await row in rows {
            let (
                id, contractID, number, customer, amount, owner, region, submitter, policy, status, current, count, version, requestedAt, completedAt,
                comment, workingDays, subjectType, title
            ) = try row.decode(
                (
                    RecordID, String, String, String, Int64, String, String, String, Int64, String, Int, Int, Int64, Date, Date?, String?, Double?,
                    String, String?
                ).self
            )
            approvals.append(
                Approval(
                    id: id,
                    contractID: contractID,
                    contractNumber: number,
                    customerName: customer,
                    amountFen: amount,
                    ownerID: owner,
                    region: region,
                    submitterID: submitter,
                    policyVersion: policy,
                    status: try ApprovalStatus(stored: status, column: "approval_instances.status"),
                    currentStep: current,
                    stepCount: count,
                    version: version,
                    requestedAt: requestedAt,
                    completedAt: completedAt,
                    comment: comment,
                    workingDays: workingDays,
                    steps: [],
                    subjectType: try ApprovalSubjectType(stored: subjectType, column: "approval_instances.subject_type"),
                    title: title
                )
            )
        }
        return approvals
    }

    private func withSteps(_ approvals: [Approval], on connection: PostgresConnection) async throws -> [Approval] {
        guard !approvals.isEmpty else { return [] }
        let ids = approvals.map(\.id.uuid)
        let rows = try await connection.query(
            """
            SELECT approval_id, step, role, status, approver_id, approver_name, resolution, assigned_at, decided_at, comment, working_days,
                on_behalf_of_id, on_behalf_of_name, decided_by_id, decided_by_name, reassigned_from_id, reassigned_reason,
                sla_working_days, due_at, reminders, last_reminded_at
            FROM approval_steps WHERE approval_id = ANY(\(ids)) ORDER BY approval_id, step
            """,
            logger: logger
        )
        var steps: [RecordID: [ApprovalStep]] = [:]
        typealias Columns = (
            RecordID, Int, String, String, String?, String?, String?, Date?, Date?, String?, Double?, String?, String?, String?, String?, String?,
            String?, Double?, Date?, Int, Date?
        )
        let escalations = try await escalations(of: ids, on: connection)
        for try await row in rows {
            let (
                id, index, role, status, approverID, approverName, resolution, assignedAt, decidedAt, comment, workingDays, onBehalfOfID,
                onBehalfOfName, decidedByID, decidedByName, reassignedFromID, reassignedReason, slaWorkingDays, dueAt, reminders, lastRemindedAt
            ) = try row.decode(Columns.self)
            var step =
                ApprovalStep(
                    step: index,
                    role: try Role(stored: role, column: "approval_steps.role"),
                    status: try ApprovalStepStatus(stored: status, column: "approval_steps.status"),
                    approverID: approverID,
                    approverName: approverName,
                    resolution: resolution,
                    assignedAt: assignedAt,
                    decidedAt: decidedAt,
                    comment: comment,
                    workingDays: workingDays,
                    onBehalfOfID: onBehalfOfID,
                    onBehalfOfName: onBehalfOfName,
                    decidedByID: decidedByID,
                    decidedByName: decidedByName,
                    reassignedFromID: reassignedFromID,
                    reassignedReason: try reassignedReason.map { try StepReassignment(stored: $0, column: "approval_steps.reassigned_reason") }
                )
            if step.status == .pending {
                step.slaWorkingDays = slaWorkingDays
                step.dueAt = dueAt
            }
            step.reminders = reminders
            step.lastRemindedAt = lastRemindedAt
            step.escalations = escalations[StepKey(approval: id, step: index)] ?? []
            steps[id, default: []].append(step)
        }
        return approvals.map { approval in
            var approval = approval
            approval.steps = steps[approval.id] ?? []
            return approval
        }
    }
}

private struct StepKey: Hashable {
    var approval: RecordID
    var step: Int
}

extension PostgresApprovalRepository {
    fileprivate func escalations(of ids: [UUID], on connection: PostgresConnection) async throws -> [StepKey: [StepEscalation]] {
        let rows = try await connection.query(
            """
            SELECT approval_id, step, approver_id, approver_name, manager_id, manager_name, reassigned, escalated_at
            FROM step_escalations WHERE approval_id = ANY(\(ids)) ORDER BY approval_id, step, id
            """,
            logger: logger
        )
        var escalations: [StepKey: [StepEscalation]] = [:]
        typealias Columns = (RecordID, Int, String, String?, String?, String?, Bool, Date)
        for try await (id, step, approverID, approverName, managerID, managerName, reassigned, at) in rows.decode(Columns.self) {
            escalations[StepKey(approval: id, step: step), default: []].append(
                StepEscalation(
                    approverID: approverID,
                    approverName: approverName,
                    managerID: managerID,
                    managerName: managerName,
                    reassigned: reassigned,
                    escalatedAt: at
                )
            )
        }
        return escalations
    }
}

/// The policies table has no version: the schema is broken (the migration seeds version 1).
struct PolicyMissing: Error, CustomStringConvertible {
    var description: String { "the policies table has no version" }
}
