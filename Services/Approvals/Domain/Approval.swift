public import Contracts
public import Foundation

/// Where an approval stands.
public enum ApprovalStatus: String, Codable, Sendable {
    case pending, approved, rejected, recalled
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
    public var id: UUID
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

    // Ids leave the API in lower case, the canonical form of RFC 9562 (Foundation would write upper case).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(contractID, forKey: .contractID)
        try container.encode(contractNumber, forKey: .contractNumber)
        try container.encode(customerName, forKey: .customerName)
        try container.encode(amountFen, forKey: .amountFen)
        try container.encode(ownerID, forKey: .ownerID)
        try container.encode(region, forKey: .region)
        try container.encode(submitterID, forKey: .submitterID)
        try container.encode(policyVersion, forKey: .policyVersion)
        try container.encode(status, forKey: .status)
        try container.encode(currentStep, forKey: .currentStep)
        try container.encode(stepCount, forKey: .stepCount)
        try container.encode(version, forKey: .version)
        try container.encode(requestedAt, forKey: .requestedAt)
        try container.encodeIfPresent(completedAt, forKey: .completedAt)
        try container.encodeIfPresent(comment, forKey: .comment)
        try container.encodeIfPresent(workingDays, forKey: .workingDays)
        try container.encode(steps, forKey: .steps)
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
