public import Contracts

/// Who holds a step: its approver, possibly standing in for the approver it was meant for.
public struct StepAssignment: Sendable, Equatable {
    /// Who decides the step.
    public var approver: OrgUser
    /// The approver the step was meant for, when ``approver`` holds it as their delegate.
    public var onBehalfOf: OrgUser?
    /// How the approver was found: ``ResolvedApprover/resolution``.
    public var resolution: String
}

/// The delegation rule (委托审批), in one place: where a step goes when its approver has named a delegate, and where a
/// pending step goes when its holder is away or leaves.
///
/// - A step whose approver (as ``OrgChart`` resolves them) has a delegation in force today goes to the delegate, who
///   holds it **on behalf of** that approver.
/// - Separation of duties still holds. The delegate may not take the step when they own or submitted the contract,
///   already decided an earlier step of the same approval (one person would approve twice), are deactivated or no longer
///   hold an approver role, or are away themselves (delegations do not chain). Then the step goes **up the line**: both
///   the away approver and the delegate are passed over as if their seats were empty, and ``OrgChart`` resolves the
///   step again — the supervisor's manager, the regional manager, the gm, an admin last. Whoever that is may be away
///   too, and the rule applies to them in turn. The resolution records who was passed over and why (`away`,
///   `delegate-owner`, `delegate-submitter`, `delegate-decided`, `delegate-inactive`, `delegate-not-approver`,
///   `delegate-away`, `deactivated`).
/// - A pending step moves (``reassignment(of:from:in:chart:delegations:)``) when its holder's delegation starts or the
///   holder is deactivated: to the holder's delegate when they have one who may take it, otherwise up the line with
///   the holder passed over.
public enum DelegationRule {
    /// The delegations in force today, by delegator.
    public typealias Active = [String: Delegation]

    /// Who takes a newly assigned step with `role` of `approval`; `nil` when nobody can (see ``NoApprover``).
    public static func assignment(
        for role: Role,
        of approval: Approval,
        chart: OrgChart,
        delegations: Active,
        passingOver initial: [String: String] = [:]
    ) -> StepAssignment? {
        var passed = initial
        // Each round passes over at least one more person, so a small bound is enough to end even on odd data.
        for _ in 0..<8 {
            guard
                let resolved = chart.approver(
                    for: role,
                    ownerID: approval.ownerID,
                    submitterID: approval.submitterID,
                    region: approval.region,
                    passingOver: passed
                )
            else { return nil }
            let approver = resolved.user
            let resolution = noting(passed, in: resolved.resolution)
            guard let delegation = delegations[approver.id] else {
                return StepAssignment(approver: approver, onBehalfOf: nil, resolution: resolution)
            }
            switch delegate(of: delegation, for: approval, chart: chart, delegations: delegations) {
            case .success(let delegate):
                return StepAssignment(approver: delegate, onBehalfOf: approver, resolution: resolution)
            case .failure(let refusal):
                passed[approver.id] = "away"
                passed[delegation.delegateID] = "delegate-\(refusal.rawValue)"
            }
        }
        return nil
    }

    /// Where the current, pending step of `approval` goes when `holderID` can no longer hold it: their delegation
    /// started (`.delegation`) or they were deactivated (`.deactivated`). `nil` when nobody can take it.
    public static func reassignment(
        of approval: Approval,
        from holderID: String,
        in reason: StepReassignment,
        chart: OrgChart,
        delegations: Active
    ) -> StepAssignment? {
        guard approval.steps.indices.contains(approval.currentStep) else { return nil }
        let step = approval.steps[approval.currentStep]
        var passed: [String: String] = [holderID: reason == .deactivated ? "deactivated" : "away"]
        if let delegation = delegations[holderID] {
            switch delegate(of: delegation, for: approval, chart: chart, delegations: delegations) {
            case .success(let delegate):
                let holder =
                    chart.users[holderID]
                    ?? OrgUser(
                        id: holderID,
                        role: step.role,
                        region: nil,
                        supervisorID: nil,
                        displayName: step.approverName ?? holderID,
                        mobile: nil,
                        active: false
                    )
                return StepAssignment(approver: delegate, onBehalfOf: holder, resolution: step.resolution ?? "direct")
            case .failure(let refusal):
                passed[delegation.delegateID] = "delegate-\(refusal.rawValue)"
            }
        }
        return assignment(for: step.role, of: approval, chart: chart, delegations: delegations, passingOver: passed)
    }

    /// `resolution` with every person of `passed` the search did not meet on its way (a delegate outside the line, a
    /// holder whose seat the search started above) added to its `;skipped:` list, so the step says who was passed over.
    static func noting(_ passed: [String: String], in resolution: String) -> String {
        let missing = passed.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.filter { !resolution.contains($0) }
        guard !missing.isEmpty else { return resolution }
        return resolution + (resolution.contains(";skipped:") ? "," : ";skipped:") + missing.joined(separator: ",")
    }

    /// Why a delegate may not take a step of an approval.
    public enum Refusal: String, Error, Sendable {
        case owner, submitter, decided, inactive, away
        case notApprover = "not-approver"
    }

    /// The delegate of `delegation`, if they may decide the current step of `approval`.
    public static func delegate(
        of delegation: Delegation,
        for approval: Approval,
        chart: OrgChart,
        delegations: Active
    ) -> Result<OrgUser, Refusal> {
        guard let delegate = chart.users[delegation.delegateID], delegate.active else { return .failure(.inactive) }
        guard Delegation.approverRoles.contains(delegate.role) else { return .failure(.notApprover) }
        if delegate.id == approval.ownerID { return .failure(.owner) }
        if delegate.id == approval.submitterID { return .failure(.submitter) }
        let decidedEarlier = approval.steps.contains { step in
            step.step < approval.currentStep && step.status == .approved && (step.decidedByID ?? step.approverID) == delegate.id
        }
        if decidedEarlier { return .failure(.decided) }
        if delegations[delegate.id] != nil { return .failure(.away) }
        return .success(delegate)
    }
}
