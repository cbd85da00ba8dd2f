public import Contracts
public import Foundation

/// Where a delegation stands on a given Asia/Shanghai day.
public enum DelegationStatus: String, Codable, Sendable {
    /// It starts on a later day.
    case scheduled
    /// Today is within its range: the delegate holds the delegator's steps.
    case active
    /// Its last day has passed.
    case ended
    /// Someone cancelled it.
    case cancelled
}

/// An approver's delegate (委托审批) for a range of days, both ends included, in Asia/Shanghai.
public struct Delegation: Codable, Sendable, Equatable {
    public var id: RecordID
    public var delegatorID: String
    public var delegatorName: String
    public var delegateID: String
    public var delegateName: String
    public var from: CalendarDay
    public var to: CalendarDay
    public var reason: String
    public var createdBy: String
    public var createdAt: Date
    public var cancelledBy: String?
    public var cancelledAt: Date?
    /// As of the day it was read.
    public var status: DelegationStatus

    enum CodingKeys: String, CodingKey {
        case id, delegatorName, delegateName, from, to, reason, createdAt, cancelledAt, status
        case delegatorID = "delegatorId"
        case delegateID = "delegateId"
        case createdBy = "createdById"
        case cancelledBy = "cancelledById"
    }

    /// Whether it is in force on `day`.
    public func isActive(on day: CalendarDay) -> Bool {
        cancelledAt == nil && from <= day && day <= to
    }

    /// Its status on `day`.
    public static func status(from: CalendarDay, to: CalendarDay, cancelled: Bool, on day: CalendarDay) -> DelegationStatus {
        if cancelled { return .cancelled }
        if day < from { return .scheduled }
        return day > to ? .ended : .active
    }

    /// The longest range one delegation may cover: a long leave is a reporting-line change, which an admin makes.
    public static let maximumDays = 90

    /// The roles that may delegate and be delegates: those who hold approval steps.
    public static let approverRoles: Set<Role> = ApprovalPolicy.approverRoles
}

/// A new delegation as a caller asks for it (`{delegatorId?, delegateId, from, to, reason}`), checked field by field.
public struct DelegationDraft: Sendable, Equatable {
    public var delegatorID: String
    public var delegateID: String
    public var from: CalendarDay
    public var to: CalendarDay
    public var reason: String

    struct Body: Decodable {
        var delegatorId: String?
        var delegateId: String?
        var from: String?
        var to: String?
        var reason: String?
    }

    /// Validates the body's shape: every broken rule at once, as a 422 naming its field. Who the people are is
    /// checked against the org chart by ``validate(delegator:delegate:)``.
    /// - Parameters:
    ///   - callerID: the delegator when the body names none.
    ///   - today: the Asia/Shanghai day now; a range may not end before it.
    static func parse(_ body: Body, callerID: String, today: CalendarDay) throws(Problem) -> DelegationDraft {
        var errors: [Problem.FieldError] = []
        let delegator = body.delegatorId?.trimmingCharacters(in: .whitespaces) ?? callerID
        if delegator.isEmpty { errors.append(.init(field: "delegatorId", message: "must not be empty")) }
        let delegate = body.delegateId?.trimmingCharacters(in: .whitespaces) ?? ""
        if delegate.isEmpty { errors.append(.init(field: "delegateId", message: "is required")) }
        let from = body.from.flatMap(CalendarDay.init)
        let to = body.to.flatMap(CalendarDay.init)
        if from == nil { errors.append(.init(field: "from", message: "must be a day, YYYY-MM-DD")) }
        if to == nil { errors.append(.init(field: "to", message: "must be a day, YYYY-MM-DD")) }
        if let from, let to {
            if to < from { errors.append(.init(field: "to", message: "must not be before from")) }
            if to < today { errors.append(.init(field: "to", message: "must not be in the past (today is \(today))")) }
            let days =
                BusinessCalendar.calendar.dateComponents([.day], from: BusinessCalendar.start(of: from), to: BusinessCalendar.start(of: to)).day ?? 0
            if days + 1 > Delegation.maximumDays {
                errors.append(.init(field: "to", message: "must be at most \(Delegation.maximumDays) days after from"))
            }
        }
        let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if reason.isEmpty { errors.append(.init(field: "reason", message: "is required")) }
        if reason.count > 500 { errors.append(.init(field: "reason", message: "must be at most 500 characters")) }
        if !delegate.isEmpty, delegate == delegator {
            errors.append(.init(field: "delegateId", message: "must be someone other than the delegator"))
        }
        guard errors.isEmpty, let from, let to else { throw Problem.validation(errors) }
        return DelegationDraft(delegatorID: delegator, delegateID: delegate, from: from, to: to, reason: reason)
    }

    /// Checks the people against the org chart: the delegator holds approval steps (a supervisor, regional manager or
    /// gm), and so does the delegate, who is active. A delegate of any approver role will do, whatever their rank: a
    /// regional manager on leave commonly leaves a trusted supervisor to sign (代签), and the steps the delegate would
    /// decide on a contract of their own still go up the line (``DelegationRule``).
    static func validate(delegator: OrgUser?, delegate: OrgUser?) throws(Problem) {
        var errors: [Problem.FieldError] = []
        if let delegator {
            if !Delegation.approverRoles.contains(delegator.role) {
                errors.append(.init(field: "delegatorId", message: "must be a supervisor, regional manager or gm: only they hold approval steps"))
            }
        } else {
            errors.append(.init(field: "delegatorId", message: "is not a known user"))
        }
        if let delegate {
            if !delegate.active { errors.append(.init(field: "delegateId", message: "is deactivated")) }
            if !Delegation.approverRoles.contains(delegate.role) {
                errors.append(.init(field: "delegateId", message: "must be a supervisor, regional manager or gm: only an approver may decide steps"))
            }
        } else {
            errors.append(.init(field: "delegateId", message: "is not a known user"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}
