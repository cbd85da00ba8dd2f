public import Foundation

/// `approval.step_reminded`: a pending step was not decided within its policy's reminder time (issue 12); its approver
/// is reminded (in-app and WeCom, not urgent: the push waits for working hours). Repeats each working day, at most
/// ``maxReminders`` times.
public struct ApprovalStepReminded: ApprovalEvent, Equatable {
    public static let eventType = "approval.step_reminded"
    public var approvalID: String
    public var contractID: String
    public var contractNumber: String
    public var customerName: String
    public var amountFen: Fen
    /// 0-based index of the step.
    public var step: Int
    public var stepCount: Int
    public var approverID: String
    public var approverName: String?
    /// The approver's mobile, to @-mention them in the WeCom group.
    public var approverMobile: String?
    /// When the step was assigned to this approver.
    public var assignedAt: Date
    /// Which reminder this is (1-based) and how many the policy allows.
    public var reminder: Int
    public var maxReminders: Int
    /// When the step's SLA runs out (escalation), in working time from ``assignedAt``.
    public var dueAt: Date
    public var remindedAt: Date

    public init(
        approvalID: String,
        contractID: String,
        contractNumber: String,
        customerName: String,
        amountFen: Fen,
        step: Int,
        stepCount: Int,
        approverID: String,
        approverName: String?,
        approverMobile: String?,
        assignedAt: Date,
        reminder: Int,
        maxReminders: Int,
        dueAt: Date,
        remindedAt: Date
    ) {
        self.approvalID = approvalID
        self.contractID = contractID
        self.contractNumber = contractNumber
        self.customerName = customerName
        self.amountFen = amountFen
        self.step = step
        self.stepCount = stepCount
        self.approverID = approverID
        self.approverName = approverName
        self.approverMobile = approverMobile
        self.assignedAt = assignedAt
        self.reminder = reminder
        self.maxReminders = maxReminders
        self.dueAt = dueAt
        self.remindedAt = remindedAt
    }
}

/// `approval.step_escalated`: a pending step passed its SLA (issue 12). The approver's manager is told (in-app and an
/// urgent WeCom push, kind `approval_escalated`), and the approver too; under a `reassign` policy the step also moved
/// to the manager (an `approval.step_assigned` with `reassignedFromId` follows in the same transaction).
public struct ApprovalStepEscalated: ApprovalEvent, Equatable {
    public static let eventType = "approval.step_escalated"
    public var approvalID: String
    public var contractID: String
    public var contractNumber: String
    public var customerName: String
    public var amountFen: Fen
    /// 0-based index of the step.
    public var step: Int
    public var stepCount: Int
    /// Who held the step when its SLA ran out.
    public var approverID: String
    public var approverName: String?
    /// The approver's manager who was told; absent when the approver has nobody above them (a gm).
    public var managerID: String?
    public var managerName: String?
    public var managerMobile: String?
    /// Whether the step moved to ``managerID``.
    public var reassigned: Bool
    public var assignedAt: Date
    public var slaWorkingDays: Double
    public var escalatedAt: Date

    public init(
        approvalID: String,
        contractID: String,
        contractNumber: String,
        customerName: String,
        amountFen: Fen,
        step: Int,
        stepCount: Int,
        approverID: String,
        approverName: String?,
        managerID: String?,
        managerName: String?,
        managerMobile: String?,
        reassigned: Bool,
        assignedAt: Date,
        slaWorkingDays: Double,
        escalatedAt: Date
    ) {
        self.approvalID = approvalID
        self.contractID = contractID
        self.contractNumber = contractNumber
        self.customerName = customerName
        self.amountFen = amountFen
        self.step = step
        self.stepCount = stepCount
        self.approverID = approverID
        self.approverName = approverName
        self.managerID = managerID
        self.managerName = managerName
        self.managerMobile = managerMobile
        self.reassigned = reassigned
        self.assignedAt = assignedAt
        self.slaWorkingDays = slaWorkingDays
        self.escalatedAt = escalatedAt
    }
}
