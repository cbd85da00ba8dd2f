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

    enum CodingKeys: String, CodingKey {
        case step, role, status, approverName, resolution, assignedAt, decidedAt, comment, workingDays
        case approverID = "approverId"
    }
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

    /// Whether `userID` took part: submitted, owns the contract, or approves one of its steps.
    public func involves(_ userID: String) -> Bool {
        submitterID == userID || ownerID == userID || steps.contains { $0.approverID == userID }
    }
}
