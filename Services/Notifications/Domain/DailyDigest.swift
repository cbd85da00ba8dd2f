public import Contracts
import Foundation

/// One user's 09:00 digest (每日待办): what waits for them today, in one notification instead of a flood.
///
/// Fed by replicas notifications keeps from events it consumes:
/// - pending approvals — `approval.step_assigned` (the approval's current step and approver), ended by
///   `approval.completed`;
/// - follow-ups — the `nextFollowUpOn` of the customer's latest visit (`visit.checked_in`, `visit.checked_out`),
///   overdue when before today, a reminder when today; names from `customer.created` / `customer.updated`;
/// - overdue receivables — `payment.overdue`, less `receipt.recorded` allocations, removed by
///   `installment.written_off`;
/// - today's reminders — follow-ups due today and the `repurchase.reminder`s of the last day.
public struct DailyDigest: Sendable, Equatable {
    /// An approval step waiting for the user.
    public struct PendingApproval: Sendable, Equatable {
        public var approvalID: String
        public var contractNumber: String
        public var customerName: String
        public var amountFen: Fen
        public var step: Int
        public var stepCount: Int

        public init(approvalID: String, contractNumber: String, customerName: String, amountFen: Fen, step: Int, stepCount: Int) {
            self.approvalID = approvalID
            self.contractNumber = contractNumber
            self.customerName = customerName
            self.amountFen = amountFen
            self.step = step
            self.stepCount = stepCount
        }
    }

    /// A follow-up the user planned at their latest visit to a customer.
    public struct FollowUp: Sendable, Equatable {
        public var customerID: String
        public var customerName: String?
        public var dueOn: CalendarDay

        public init(customerID: String, customerName: String?, dueOn: CalendarDay) {
            self.customerID = customerID
            self.customerName = customerName
            self.dueOn = dueOn
        }

        var customer: String { customerName ?? customerID }
    }

    /// An installment of the user's contract that is past due.
    public struct Receivable: Sendable, Equatable {
        public var customerName: String
        public var contractNumber: String?
        public var label: String
        public var dueOn: CalendarDay
        public var outstandingFen: Fen

        public init(customerName: String, contractNumber: String?, label: String, dueOn: CalendarDay, outstandingFen: Fen) {
            self.customerName = customerName
            self.contractNumber = contractNumber
            self.label = label
            self.dueOn = dueOn
            self.outstandingFen = outstandingFen
        }
    }

    public var userID: String
    public var today: CalendarDay
    public var approvals: [PendingApproval]
    public var overdueFollowUps: [FollowUp]
    public var overdueReceivables: [Receivable]
    /// Today's reminders, one line each (follow-ups due today, re-purchase reminders).
    public var reminders: [String]

    /// The digest, or `nil` when nothing waits for the user (no digest is sent then).
    /// - Parameters:
    ///   - followUps: the user's planned follow-ups: those before `today` are overdue, those on it are reminders.
    ///   - receivables: the user's installments with money outstanding; only those due before `today` count.
    ///   - reminderTitles: the titles of the user's re-purchase reminders of the last day.
    public static func compose(
        userID: String,
        today: CalendarDay,
        approvals: [PendingApproval],
        followUps: [FollowUp],
        receivables: [Receivable],
        reminderTitles: [String]
    ) -> DailyDigest? {
        let followUps = followUps.sorted { ($0.dueOn, $0.customer) < ($1.dueOn, $1.customer) }
        let digest = DailyDigest(
            userID: userID,
            today: today,
            approvals: approvals,
            overdueFollowUps: followUps.filter { $0.dueOn < today },
            overdueReceivables: receivables.filter { $0.dueOn < today && $0.outstandingFen > 0 }.sorted { $0.dueOn < $1.dueOn },
            reminders: followUps.filter { $0.dueOn == today }.map { "跟进 \($0.customer)" } + reminderTitles
        )
        return digest.count == 0 ? nil : digest
    }

    /// How many things wait, all sections together.
    public var count: Int { approvals.count + overdueFollowUps.count + overdueReceivables.count + reminders.count }

    /// Lines shown per section; the rest are counted (`等 12 项`).
    static let linesPerSection = 5

    /// `今日待办：2 项待审批 · 1 项逾期跟进 · 1 笔逾期回款 · 2 条提醒`.
    public var title: String {
        var parts: [String] = []
        if !approvals.isEmpty { parts.append("\(approvals.count) 项待审批") }
        if !overdueFollowUps.isEmpty { parts.append("\(overdueFollowUps.count) 项逾期跟进") }
        if !overdueReceivables.isEmpty { parts.append("\(overdueReceivables.count) 笔逾期回款") }
        if !reminders.isEmpty { parts.append("\(reminders.count) 条提醒") }
        return "今日待办：" + parts.joined(separator: " · ")
    }

    /// The sections as (heading, items), only those with something in them.
    public var sections: [(heading: String, items: [String])] {
        var sections: [(String, [String])] = []
        if !approvals.isEmpty {
            sections.append(
                (
                    "待审批",
                    approvals.map { "\($0.contractNumber) \($0.customerName) ¥\(CNY.format($0.amountFen))（第 \($0.step + 1)/\($0.stepCount) 步）" }
                )
            )
        }
        if !overdueFollowUps.isEmpty {
            sections.append(
                ("逾期跟进", overdueFollowUps.map { "\($0.customer)（计划 \($0.dueOn) 跟进，已过 \(today.daysSince($0.dueOn)) 天）" })
            )
        }
        if !overdueReceivables.isEmpty {
            sections.append(
                (
                    "逾期回款",
                    overdueReceivables.map { item in
                        let contract = item.contractNumber.map { " \($0)" } ?? ""
                        return
                            "\(item.customerName)\(contract) \(item.label) ¥\(CNY.format(item.outstandingFen))（逾期 \(today.daysSince(item.dueOn)) 天）"
                    }
                )
            )
        }
        if !reminders.isEmpty { sections.append(("今日提醒", reminders)) }
        return sections.map { heading, items in
            let shown = Array(items.prefix(Self.linesPerSection))
            return (heading, items.count > shown.count ? shown + ["等 \(items.count) 项"] : shown)
        }
    }

    /// The in-app body: a line per section heading, then its items.
    public var body: String {
        sections.map { section in (["【\(section.heading)】"] + section.items.map { "· \($0)" }).joined(separator: "\n") }
            .joined(separator: "\n")
    }
}

extension CalendarDay {
    /// Whole days from `earlier` to this day (0 for the same day).
    func daysSince(_ earlier: CalendarDay) -> Int {
        let seconds = BusinessCalendar.start(of: self).timeIntervalSince(BusinessCalendar.start(of: earlier))
        return Int((seconds / 86_400).rounded())
    }
}

extension WeComMessage {
    /// The digest as a push: the title, then each section's items as lines; user-typed text is neutralized.
    static func dailyDigest(_ digest: DailyDigest, recipient: Contact?) -> WeComMessage {
        var lines: [(String, String)] = []
        for section in digest.sections {
            for (index, item) in section.items.enumerated() { lines.append((index == 0 ? section.heading : "　", item)) }
        }
        return WeComMessage(
            title: digest.title,
            lines: lines,
            closing: "请 \(neutralized(recipient?.displayName ?? digest.userID)) 在 SalesDesk 收件箱查看详情。",
            mobile: recipient?.mobile
        )
    }
}
