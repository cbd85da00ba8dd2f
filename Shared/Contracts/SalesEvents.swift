public import Foundation

/// Money is exact: integer fen (分), CNY. 50,000.00 CNY is 5_000_000 fen.
public typealias Fen = Int64

/// A deal's stage in the pipeline (商机阶段).
public enum DealStage: String, Codable, Sendable, CaseIterable {
    case lead, qualified, quoted, contract, delivered, paid, lost
}

/// One line of a quote version or contract, with everything reporting needs for margins.
public struct PricedLine: Codable, Sendable, Equatable {
    public var productID: String
    public var productName: String
    public var productLine: String
    public var quantity: Int64
    /// List or offered unit price before discount.
    public var unitPriceFen: Fen
    /// Discount in basis points (1/100 of a percent): 1_000 = 10 %.
    public var discountBasisPoints: Int64
    /// quantity × unit price × (1 − discount), rounded half-up to the fen.
    public var amountFen: Fen
    /// quantity × unit cost.
    public var costFen: Fen

    public init(
        productID: String,
        productName: String,
        productLine: String,
        quantity: Int64,
        unitPriceFen: Fen,
        discountBasisPoints: Int64,
        amountFen: Fen,
        costFen: Fen
    ) {
        self.productID = productID
        self.productName = productName
        self.productLine = productLine
        self.quantity = quantity
        self.unitPriceFen = unitPriceFen
        self.discountBasisPoints = discountBasisPoints
        self.amountFen = amountFen
        self.costFen = costFen
    }
}

/// A `deal.*` event: deals belong to the `deals` service.
public protocol DealEvent: DomainEvent {}

extension DealEvent {
    /// `deals`.
    public static var source: String { Operation.Deals.service }
}

/// A `contract.*` event: contracts belong to the `deals` service too.
public protocol ContractEvent: DomainEvent {}

extension ContractEvent {
    /// `deals`.
    public static var source: String { Operation.Deals.service }
}

/// `deal.stage_changed`: a deal moved in the pipeline (also emitted with `from: nil` when a deal is created).
public struct DealStageChanged: DealEvent, Equatable {
    public static let eventType = "deal.stage_changed"
    public var dealID: String
    public var customerID: String
    public var ownerID: String
    public var region: String
    public var from: DealStage?
    public var to: DealStage
    public var lostReason: String?
    public var at: Date
    public init(dealID: String, customerID: String, ownerID: String, region: String, from: DealStage?, to: DealStage, lostReason: String?, at: Date) {
        self.dealID = dealID
        self.customerID = customerID
        self.ownerID = ownerID
        self.region = region
        self.from = from
        self.to = to
        self.lostReason = lostReason
        self.at = at
    }
}

/// `deal.updated`: a deal's title, expected amount or expected close date changed; `changedFields` names what changed.
public struct DealUpdated: DealEvent, Equatable {
    public static let eventType = "deal.updated"
    public var dealID: String
    public var customerID: String
    public var ownerID: String
    public var region: String
    public var title: String
    public var expectedAmountFen: Fen
    /// `YYYY-MM-DD`, Asia/Shanghai.
    public var expectedCloseDate: String
    public var changedFields: [String]
    /// Who changed it.
    public var byUserID: String
    public var at: Date
    public init(
        dealID: String,
        customerID: String,
        ownerID: String,
        region: String,
        title: String,
        expectedAmountFen: Fen,
        expectedCloseDate: String,
        changedFields: [String],
        byUserID: String,
        at: Date
    ) {
        self.dealID = dealID
        self.customerID = customerID
        self.ownerID = ownerID
        self.region = region
        self.title = title
        self.expectedAmountFen = expectedAmountFen
        self.expectedCloseDate = expectedCloseDate
        self.changedFields = changedFields
        self.byUserID = byUserID
        self.at = at
    }
}

/// A `product.*` event: the catalogue belongs to the `deals` service.
public protocol ProductEvent: DomainEvent {}

extension ProductEvent {
    /// `deals`.
    public static var source: String { Operation.Deals.service }
}

/// A product as `product.*` events carry it, so a consumer can keep a copy without asking back.
public struct ProductSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var productLine: String
    public var listPriceFen: Fen
    public var unitCostFen: Fen
    public var retired: Bool
    public var version: Int64
    public init(id: String, name: String, productLine: String, listPriceFen: Fen, unitCostFen: Fen, retired: Bool, version: Int64) {
        self.id = id
        self.name = name
        self.productLine = productLine
        self.listPriceFen = listPriceFen
        self.unitCostFen = unitCostFen
        self.retired = retired
        self.version = version
    }
}

/// `product.updated`: a product's name, line, list price or unit cost changed; `changedFields` names what changed.
/// Quote versions already written keep the values they were priced with.
public struct ProductUpdated: ProductEvent, Equatable {
    public static let eventType = "product.updated"
    public var product: ProductSnapshot
    public var changedFields: [String]
    /// Who changed it.
    public var byUserID: String
    public init(product: ProductSnapshot, changedFields: [String], byUserID: String) {
        self.product = product
        self.changedFields = changedFields
        self.byUserID = byUserID
    }
}

/// `product.retired`: a product left the catalogue; no new quote line may name it.
public struct ProductRetired: ProductEvent, Equatable {
    public static let eventType = "product.retired"
    public var product: ProductSnapshot
    /// Who retired it.
    public var byUserID: String
    public init(product: ProductSnapshot, byUserID: String) {
        self.product = product
        self.byUserID = byUserID
    }
}

/// `contract.submitted`: a contract went to approval.
public struct ContractSubmitted: ContractEvent, Equatable {
    public static let eventType = "contract.submitted"
    public var contractID: String
    public var number: String
    public var dealID: String
    public var customerID: String
    public var customerName: String
    public var ownerID: String
    public var region: String
    public var amountFen: Fen
    public var lines: [PricedLine]
    public var submittedBy: String
    public var submittedAt: Date
    public init(
        contractID: String,
        number: String,
        dealID: String,
        customerID: String,
        customerName: String,
        ownerID: String,
        region: String,
        amountFen: Fen,
        lines: [PricedLine],
        submittedBy: String,
        submittedAt: Date
    ) {
        self.contractID = contractID
        self.number = number
        self.dealID = dealID
        self.customerID = customerID
        self.customerName = customerName
        self.ownerID = ownerID
        self.region = region
        self.amountFen = amountFen
        self.lines = lines
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
    }
}

/// `contract.signed`: an approved contract was signed; revenue and margin count from here.
public struct ContractSigned: ContractEvent, Equatable {
    public static let eventType = "contract.signed"
    public var contractID: String
    public var number: String
    public var dealID: String
    public var ownerID: String
    public var region: String
    public var amountFen: Fen
    public var lines: [PricedLine]
    public var signedAt: Date
    /// The deal's customer (issue 11: re-purchase is per customer). Events published before it existed lack it;
    /// reporting then takes the customer from the deal's events.
    public var customerID: String?
    public var customerName: String?
    /// The contract's end date, `YYYY-MM-DD` (Asia/Shanghai), when it runs for a term (a renewal is expected then).
    public var endsOn: String?
    public init(
        contractID: String,
        number: String,
        dealID: String,
        ownerID: String,
        region: String,
        amountFen: Fen,
        lines: [PricedLine],
        signedAt: Date,
        customerID: String? = nil,
        customerName: String? = nil,
        endsOn: String? = nil
    ) {
        self.contractID = contractID
        self.number = number
        self.dealID = dealID
        self.ownerID = ownerID
        self.region = region
        self.amountFen = amountFen
        self.lines = lines
        self.signedAt = signedAt
        self.customerID = customerID
        self.customerName = customerName
        self.endsOn = endsOn
    }
}

/// How an approval (or one step of it) ended.
public enum ApprovalOutcome: String, Codable, Sendable {
    case approved, rejected, recalled
}

/// An `approval.*` event: approval instances belong to the `approvals` service.
public protocol ApprovalEvent: DomainEvent {}

extension ApprovalEvent {
    /// `approvals`.
    public static var source: String { Operation.Approvals.service }
}

/// `approval.requested`: an approval instance started for a contract.
public struct ApprovalRequested: ApprovalEvent, Equatable {
    public static let eventType = "approval.requested"
    public var approvalID: String
    public var contractID: String
    public var contractNumber: String
    public var submitterID: String
    public var amountFen: Fen
    public var policyVersion: Int64
    /// The roles of the steps, in order, e.g. `["supervisor", "regional_manager", "gm"]`.
    public var steps: [Role]
    public var requestedAt: Date
    /// The subject decided on (issue 12, ADR 0011); absent for a contract. For another subject, ``contractID`` and
    /// ``contractNumber`` repeat the subject's id and reference, so consumers that predate subjects must check this first.
    public var subjectType: ApprovalSubjectType?
    /// The subject's id in its owning service; absent for a contract (``contractID`` is it).
    public var subjectID: String?
    /// One line describing the subject for people (e.g. `差旅 · 上海客户拜访`); absent for a contract.
    public var subjectTitle: String?
    public init(
        approvalID: String,
        contractID: String,
        contractNumber: String,
        submitterID: String,
        amountFen: Fen,
        policyVersion: Int64,
        steps: [Role],
        requestedAt: Date,
        subjectType: ApprovalSubjectType? = nil,
        subjectID: String? = nil,
        subjectTitle: String? = nil
    ) {
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.subjectTitle = subjectTitle
        self.approvalID = approvalID
        self.contractID = contractID
        self.contractNumber = contractNumber
        self.submitterID = submitterID
        self.amountFen = amountFen
        self.policyVersion = policyVersion
        self.steps = steps
        self.requestedAt = requestedAt
    }
}

/// `approval.step_assigned`: a step waits for one approver (notifications pushes it to WeCom).
public struct ApprovalStepAssigned: ApprovalEvent, Equatable {
    public static let eventType = "approval.step_assigned"
    public var approvalID: String
    public var contractID: String
    public var contractNumber: String
    public var customerName: String
    public var amountFen: Fen
    public var submitterID: String
    /// 0-based index of the step.
    public var step: Int
    public var stepCount: Int
    public var approverID: String
    public var approverName: String?
    /// The approver's mobile, to @-mention them in the WeCom group.
    public var approverMobile: String?
    public var assignedAt: Date
    /// The approver the step was meant for, when ``approverID`` holds it as their delegate (委托审批).
    public var onBehalfOfID: String?
    public var onBehalfOfName: String?
    /// Who held the step before, when it moved (delegation started, approver deactivated, delegation ended).
    public var reassignedFromID: String?
    /// The step's service level in working days under its policy (issue 12: reminders, escalation, SLA analytics);
    /// absent from events written before policies had one, which count as ``ApprovalStepAssigned/defaultSLAWorkingDays``.
    public var slaWorkingDays: Double?
    /// A step's SLA when its policy names none: one working day, so that three steps fit in about two with margin.
    public static let defaultSLAWorkingDays: Double = 1
    /// The subject decided on (issue 12, ADR 0011); absent for a contract. For another subject, ``contractID`` and
    /// ``contractNumber`` repeat the subject's id and reference, so consumers that predate subjects must check this first.
    public var subjectType: ApprovalSubjectType?
    /// The subject's id in its owning service; absent for a contract (``contractID`` is it).
    public var subjectID: String?
    /// One line describing the subject for people (e.g. `差旅 · 上海客户拜访`); absent for a contract.
    public var subjectTitle: String?
    public init(
        approvalID: String,
        contractID: String,
        contractNumber: String,
        customerName: String,
        amountFen: Fen,
        submitterID: String,
        step: Int,
        stepCount: Int,
        approverID: String,
        approverName: String?,
        approverMobile: String?,
        assignedAt: Date,
        onBehalfOfID: String? = nil,
        onBehalfOfName: String? = nil,
        reassignedFromID: String? = nil,
        slaWorkingDays: Double? = nil,
        subjectType: ApprovalSubjectType? = nil,
        subjectID: String? = nil,
        subjectTitle: String? = nil
    ) {
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.subjectTitle = subjectTitle
        self.slaWorkingDays = slaWorkingDays
        self.onBehalfOfID = onBehalfOfID
        self.onBehalfOfName = onBehalfOfName
        self.reassignedFromID = reassignedFromID
        self.approvalID = approvalID
        self.contractID = contractID
        self.contractNumber = contractNumber
        self.customerName = customerName
        self.amountFen = amountFen
        self.submitterID = submitterID
        self.step = step
        self.stepCount = stepCount
        self.approverID = approverID
        self.approverName = approverName
        self.approverMobile = approverMobile
        self.assignedAt = assignedAt
    }
}

/// `approval.step_decided`: an approver approved or rejected their step.
public struct ApprovalStepDecided: ApprovalEvent, Equatable {
    public static let eventType = "approval.step_decided"
    public var approvalID: String
    public var contractID: String
    public var step: Int
    public var approverID: String
    public var outcome: ApprovalOutcome
    public var comment: String?
    public var decidedAt: Date
    /// Working days the step waited (Asia/Shanghai, weekends and holidays excluded).
    public var workingDays: Double
    /// The subject decided on (issue 12, ADR 0011); absent for a contract. For another subject, ``contractID`` and
    /// ``contractNumber`` repeat the subject's id and reference, so consumers that predate subjects must check this first.
    public var subjectType: ApprovalSubjectType?
    /// The subject's id in its owning service; absent for a contract (``contractID`` is it).
    public var subjectID: String?
    /// One line describing the subject for people (e.g. `差旅 · 上海客户拜访`); absent for a contract.
    public var subjectTitle: String?
    public init(
        approvalID: String,
        contractID: String,
        step: Int,
        approverID: String,
        outcome: ApprovalOutcome,
        comment: String?,
        decidedAt: Date,
        workingDays: Double,
        subjectType: ApprovalSubjectType? = nil,
        subjectID: String? = nil,
        subjectTitle: String? = nil
    ) {
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.subjectTitle = subjectTitle
        self.approvalID = approvalID
        self.contractID = contractID
        self.step = step
        self.approverID = approverID
        self.outcome = outcome
        self.comment = comment
        self.decidedAt = decidedAt
        self.workingDays = workingDays
    }
}

/// `approval.completed`: the approval ended; deals moves the contract, notifications tells the submitter,
/// reporting records the time it took.
public struct ApprovalCompleted: ApprovalEvent, Equatable {
    public static let eventType = "approval.completed"
    public var approvalID: String
    public var contractID: String
    public var contractNumber: String
    public var submitterID: String
    public var outcome: ApprovalOutcome
    public var comment: String?
    public var requestedAt: Date
    public var completedAt: Date
    /// Working days from request to completion (Asia/Shanghai, weekends and holidays excluded).
    public var workingDays: Double
    /// The subject decided on (issue 12, ADR 0011); absent for a contract. For another subject, ``contractID`` and
    /// ``contractNumber`` repeat the subject's id and reference, so consumers that predate subjects must check this first.
    public var subjectType: ApprovalSubjectType?
    /// The subject's id in its owning service; absent for a contract (``contractID`` is it).
    public var subjectID: String?
    /// One line describing the subject for people (e.g. `差旅 · 上海客户拜访`); absent for a contract.
    public var subjectTitle: String?
    public init(
        approvalID: String,
        contractID: String,
        contractNumber: String,
        submitterID: String,
        outcome: ApprovalOutcome,
        comment: String?,
        requestedAt: Date,
        completedAt: Date,
        workingDays: Double,
        subjectType: ApprovalSubjectType? = nil,
        subjectID: String? = nil,
        subjectTitle: String? = nil
    ) {
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.subjectTitle = subjectTitle
        self.approvalID = approvalID
        self.contractID = contractID
        self.contractNumber = contractNumber
        self.submitterID = submitterID
        self.outcome = outcome
        self.comment = comment
        self.requestedAt = requestedAt
        self.completedAt = completedAt
        self.workingDays = workingDays
    }
}
