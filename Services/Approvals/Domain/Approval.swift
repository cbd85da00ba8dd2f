public import Contracts
public import Foundation

/// Where an approval stands.
public enum ApprovalStatus: String, Codable, Sendable {
    case pending, approved, rejected, recalled

    /// The outcome of an approval that ended; `nil` while it is pending.
    public var outcome: ApprovalOutcome? {
        switch self {
        case .pending: nil
        case .approved: .approved
        case .rejected: .rejected
        case .recalled: .recalled
        }
    }
}

/// Where one step stands: `waiting` until the earlier steps are approved, `pending` while its approver decides,
/// `cancelled` when the approval ended before reaching it.
public enum ApprovalStepStatus: String, Codable, Sendable {
    case waiting, pending, approved, rejected, cancelled
}

/// One step of an approval.
public struct ApprovalStep: Codable, Sendable, Equatable {
    public var step: Int
    public var role: Role
    public var status: ApprovalStepStatus
    public var approverID: String?
    public var approverName: String?
    public var resolution: String?
    public var assignedAt: Date?
    public var decidedAt: Date?
    public var comment: String?
    public var workingDays: Double?
    /// The approver the step was meant for, when ``approverID`` holds it as their delegate (委托审批).
    public var onBehalfOfID: String?
    public var onBehalfOfName: String?
    /// Who decided the step: its approver at the time of the decision (with ``onBehalfOfID``, "X 代 Y 审批").
    public var decidedByID: String?
    public var decidedByName: String?
    /// Who held the step before it moved to ``approverID``, and why: ``StepReassignment``.
    public var reassignedFromID: String?
    public var reassignedReason: StepReassignment?
    /// While pending: the step's SLA in working days under its policy, and when it runs out (应在 … 前处理).
    public var slaWorkingDays: Double? = nil
    public var dueAt: Date? = nil
    /// How many reminders its approvers were sent (issue 12), and the latest.
    public var reminders: Int? = nil
    public var lastRemindedAt: Date? = nil
    /// Every time the step passed its SLA: who was told, when, and whether it moved up the line.
    public var escalations: [StepEscalation]? = nil

    enum CodingKeys: String, CodingKey {
        case step, role, status, approverName, resolution, assignedAt, decidedAt, comment, workingDays
        case onBehalfOfName, decidedByName, reassignedReason
        case slaWorkingDays, dueAt, reminders, lastRemindedAt, escalations
        case approverID = "approverId"
        case onBehalfOfID = "onBehalfOfId"
        case decidedByID = "decidedById"
        case reassignedFromID = "reassignedFromId"
    }
}

/// Why a pending step moved from one approver to another.
public enum StepReassignment: String, Codable, Sendable {
    /// Its approver's delegation started: it went to their delegate (or up the line when the delegate may not decide it).
    case delegation
    /// Its approver was deactivated.
    case deactivated
    /// The delegation it was held under ended or was cancelled: it went back to the approver it was meant for.
    case delegationEnded = "delegation_ended"
    /// Its SLA ran out under a policy that reassigns: it went up the line to its approver's manager.
    case escalated
}

/// An approval instance for one contract, with its steps.
public struct Approval: Codable, Sendable, Equatable {
    public var id: RecordID
    public var contractID: String
    public var contractNumber: String
    public var customerName: String
    public var amountFen: Fen
    public var ownerID: String
    public var region: String
    public var submitterID: String
    public var policyVersion: Int64
    public var status: ApprovalStatus
    public var currentStep: Int
    public var stepCount: Int
    /// The aggregate version, the `sequence` of its latest event.
    public var version: Int64
    public var requestedAt: Date
    public var completedAt: Date?
    public var comment: String?
    public var workingDays: Double?
    public var steps: [ApprovalStep]

    enum CodingKeys: String, CodingKey {
        case id, contractNumber, customerName, amountFen, region, policyVersion, status, currentStep, stepCount, version
        case requestedAt, completedAt, comment, workingDays, steps
        case contractID = "contractId"
        case ownerID = "ownerId"
        case submitterID = "submitterId"
    }

    /// The step waiting for a decision, while the approval is pending.
    public var pendingStep: ApprovalStep? {
        guard status == .pending, steps.indices.contains(currentStep) else { return nil }
        let step = steps[currentStep]
        return step.status == .pending ? step : nil
    }

    /// Whether `userID` took part: submitted, owns the contract, approves one of its steps, has a delegate approve one
    /// on their behalf, or held one before it moved.
    public func involves(_ userID: String) -> Bool {
        submitterID == userID || ownerID == userID
            || steps.contains { $0.approverID == userID || $0.onBehalfOfID == userID || $0.reassignedFromID == userID }
    }
}
