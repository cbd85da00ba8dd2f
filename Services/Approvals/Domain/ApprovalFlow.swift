public import Contracts
public import Foundation

/// Why a caller may not decide or recall an approval; the handlers map each to a status.
public enum DecisionRefusal: Error, Equatable, Sendable {
    /// The approval ended, or the caller's step was already decided (a racing or late request): 409.
    case alreadyDecided
    /// The caller can see the approval but it is not theirs to decide or recall: 403.
    case notYours
    /// The caller owns or submitted the contract, so separation of duties forbids them to decide it: 403.
    case partyToContract
}

/// The approval's state machine, without I/O: who may act, and what acting changes.
extension Approval {
    /// A new pending approval of a contract: the generic ``start(id:request:policy:at:)`` with the contract as its
    /// subject (a contract's approval has no separate title).
    public static func start(id: RecordID, contract: ContractSubmitted, policy: ApprovalPolicy, at now: Date) -> Approval {
        let request = ApprovalSubjectRequest(
            subjectType: .contract,
            subjectID: contract.contractID,
            number: contract.number,
            title: "",
            amountFen: contract.amountFen,
            ownerID: contract.ownerID,
            region: contract.region,
            customerName: contract.customerName,
            submittedBy: contract.submittedBy,
            submittedAt: contract.submittedAt
        )
        var approval = start(id: id, request: request, policy: policy, at: now)
        approval.title = nil
        return approval
    }

    /// A new pending approval with every step waiting and version 0 (its first event makes it 1), with the steps of
    /// `policy` (its subject type's policy) for the request's amount; ``assign(_:at:)`` then hands step 0 to its approver.
    public static func start(id: RecordID, request: ApprovalSubjectRequest, policy: ApprovalPolicy, at now: Date) -> Approval {
        let roles = policy.steps(forAmount: request.amountFen)
        return Approval(
            id: id,
            contractID: request.subjectID,
            contractNumber: request.number,
            customerName: request.customerName ?? "",
            amountFen: request.amountFen,
            ownerID: request.ownerID,
            region: request.region,
            submitterID: request.submittedBy,
            policyVersion: policy.version,
            status: .pending,
            currentStep: 0,
            stepCount: roles.count,
            version: 0,
            requestedAt: now,
            completedAt: nil,
            comment: nil,
            workingDays: nil,
            steps: roles.enumerated().map { index, role in
                ApprovalStep(
                    step: index,
                    role: role,
                    status: .waiting,
                    approverID: nil,
                    approverName: nil,
                    resolution: nil,
                    assignedAt: nil,
                    decidedAt: nil,
                    comment: nil,
                    workingDays: nil
                )
            },
            subjectType: request.subjectType,
            title: request.title
        )
    }

    /// The subject fields of this approval's events: absent for a contract (events before subjects had none),
    /// present for any other subject.
    public var eventSubject: (type: ApprovalSubjectType?, id: String?, title: String?) {
        subjectType == .contract ? (nil, nil, nil) : (subjectType, contractID, title)
    }

    /// Hands the current step to its approver.
    public mutating func assign(_ approver: ResolvedApprover, at now: Date) {
        assign(StepAssignment(approver: approver.user, onBehalfOf: nil, resolution: approver.resolution), at: now)
    }

    /// Hands the current step to its assignee, who may hold it on behalf of the approver it was meant for.
    public mutating func assign(_ assignment: StepAssignment, at now: Date) {
        steps[currentStep].status = .pending
        steps[currentStep].approverID = assignment.approver.id
        steps[currentStep].approverName = assignment.approver.displayName
        steps[currentStep].onBehalfOfID = assignment.onBehalfOf?.id
        steps[currentStep].onBehalfOfName = assignment.onBehalfOf?.displayName
        steps[currentStep].resolution = assignment.resolution
        steps[currentStep].assignedAt = now
    }

    /// Moves the pending current step to a new assignee, recording from whom and why.
    public mutating func reassign(_ assignment: StepAssignment, reason: StepReassignment, at now: Date) {
        let previous = steps[currentStep].approverID
        assign(assignment, at: now)
        steps[currentStep].reassignedFromID = previous
        steps[currentStep].reassignedReason = reason
    }

    /// Whether `userID` owns or submitted the contract, and so may never decide a step of it.
    public func isParty(_ userID: String) -> Bool {
        userID == ownerID || userID == submitterID
    }

    /// Checks that `userID` may decide the current step now.
    ///
    /// The contract's owner and submitter never may, even if a step was somehow assigned to them (data from before
    /// separation of duties, an org chart edited by hand): ``OrgChart`` never assigns them, and this holds if it did.
    public func checkDecider(_ userID: String) throws(DecisionRefusal) {
        if isParty(userID) { throw .partyToContract }
        if let step = pendingStep, step.approverID == userID { return }
        // Someone who already decided a step of this approval (or any request once it ended) lost a race or
        // repeated themselves: that is a conflict with the current state, not a permission problem.
        if status != .pending || steps.contains(where: { $0.approverID == userID && ($0.status == .approved || $0.status == .rejected) }) {
            throw .alreadyDecided
        }
        throw .notYours
    }

    /// Records the current approver's decision. Approving moves to the next step (the caller assigns it) or
    /// completes the approval at the last one; rejecting completes it as rejected.
    /// - Returns: the decided step.
    public mutating func decide(_ outcome: ApprovalOutcome, comment: String?, at now: Date, calendar: WorkingCalendar) -> ApprovalStep {
        let index = currentStep
        steps[index].status = outcome == .approved ? .approved : .rejected
        steps[index].decidedAt = now
        steps[index].decidedByID = steps[index].approverID
        steps[index].decidedByName = steps[index].approverName
        steps[index].comment = comment
        steps[index].workingDays = calendar.workingDays(from: steps[index].assignedAt ?? requestedAt, to: now)
        let decided = steps[index]
        if outcome == .rejected {
            complete(.rejected, comment: comment, at: now, calendar: calendar)
        } else if index + 1 < stepCount {
            currentStep = index + 1
        } else {
            complete(.approved, comment: comment, at: now, calendar: calendar)
        }
        return decided
    }

    /// Checks that `userID` may recall the approval now (the submitter, while it is pending).
    public func checkRecaller(_ userID: String) throws(DecisionRefusal) {
        guard submitterID == userID else { throw .notYours }
        guard status == .pending else { throw .alreadyDecided }
    }

    /// Ends the approval; steps not yet decided are cancelled.
    public mutating func complete(_ outcome: ApprovalOutcome, comment: String?, at now: Date, calendar: WorkingCalendar) {
        status = ApprovalStatus(rawValue: outcome.rawValue) ?? .recalled
        completedAt = now
        self.comment = comment
        workingDays = calendar.workingDays(from: requestedAt, to: now)
        for index in steps.indices where steps[index].status == .waiting || steps[index].status == .pending {
            steps[index].status = .cancelled
        }
    }
}
