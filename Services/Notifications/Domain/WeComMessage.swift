public import Contracts
import Foundation

/// Formats money for people: fen → `80,000.00` (CNY, thousands separated, exactly two decimals, no floating point).
public enum CNY {
    /// The amount in yuan with two decimals.
    public static func format(_ fen: Fen) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let yuan = String(magnitude / 100)
        let cents = magnitude % 100
        var grouped = ""
        for (index, character) in yuan.enumerated() {
            if index > 0, (yuan.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return "\(sign)\(grouped).\(cents < 10 ? "0" : "")\(cents)"
    }
}

/// A WeCom group-robot message: the JSON body of `POST <base>/cgi-bin/webhook/send?key=KEY`.
///
/// The robot can @-mention by mobile only in a `text` message (`mentioned_mobile_list`); `markdown` messages mention
/// only by WeCom user id (`<@userid>`), which the org chart does not reliably carry. So a message for someone whose
/// mobile we know is `text` with `mentioned_mobile_list` (the mention notifies their phone, which is the point for an
/// approver on the road), and otherwise `markdown`, which reads better in the group.
public struct WeComMessage: Codable, Sendable, Equatable {
    public var msgtype: String
    public var text: Text?
    public var markdown: Markdown?

    /// A `text` message body.
    public struct Text: Codable, Sendable, Equatable {
        public var content: String
        public var mentionedMobileList: [String]?

        enum CodingKeys: String, CodingKey {
            case content
            case mentionedMobileList = "mentioned_mobile_list"
        }
    }

    /// A `markdown` message body.
    public struct Markdown: Codable, Sendable, Equatable {
        public var content: String
    }

    /// A message from a title and `label: value` lines, mentioning `mobile` when known. The values (what users typed:
    /// customer names, comments, people's names) pass through ``neutralized(_:)``; the title, labels and closing
    /// wording are ours.
    public init(title: String, lines: [(String, String)], closing: String, mobile: String?) {
        let lines = lines.map { ($0.0, Self.neutralized($0.1)) }
        if let mobile, !mobile.isEmpty {
            let body = ([title] + lines.map { "\($0.0)：\($0.1)" } + [closing]).joined(separator: "\n")
            self.msgtype = "text"
            self.text = Text(content: body, mentionedMobileList: [mobile])
            self.markdown = nil
        } else {
            let body = (["**\(title)**"] + lines.map { "> \($0.0)：<font color=\"comment\">\($0.1)</font>" } + [closing])
                .joined(separator: "\n")
            self.msgtype = "markdown"
            self.text = nil
            self.markdown = Markdown(content: body)
        }
    }

    /// Text users typed, made inert in a group message: markdown's active characters become their full-width forms
    /// (`[点此登录](https://evil.example)` shows as `［点此登录］（https://evil.example）`, not as a link), and line breaks
    /// become spaces so that a value cannot fake another line of the message.
    public static func neutralized(_ text: String) -> String {
        let replacements: [Character: Character] = [
            "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "_": "＿", "`": "｀", "#": "＃",
            "~": "～", "|": "｜", "\\": "＼",
        ]
        return String(text.map { character in character.isNewline ? " " : replacements[character] ?? character })
    }

    /// The message telling an approver a step waits for them.
    public static func stepAssigned(_ event: ApprovalStepAssigned) -> WeComMessage {
        // Another subject than a contract (issue 12) names itself and its title; a contract reads as it always did.
        let subject = (event.subjectType ?? .contract).displayName
        var lines = [(subject, event.contractNumber)]
        if let title = event.subjectTitle { lines.append(("事由", title)) }
        if !event.customerName.isEmpty { lines.append(("客户", event.customerName)) }
        lines.append(("金额", "¥\(CNY.format(event.amountFen))"))
        lines.append(("步骤", "\(event.step + 1)/\(event.stepCount)"))
        return WeComMessage(
            title: "\(subject)审批待处理",
            lines: lines,
            closing: "请 \(neutralized(event.approverName ?? event.approverID)) 审批。",
            mobile: event.approverMobile
        )
    }

    /// The message telling the submitter how their approval ended.
    public static func completed(_ event: ApprovalCompleted, summary: ApprovalSummary?, submitter: Contact?) -> WeComMessage {
        var lines = [((event.subjectType ?? .contract).displayName, event.contractNumber)]
        if let summary {
            if !summary.customerName.isEmpty { lines.append(("客户", summary.customerName)) }
            lines.append(("金额", "¥\(CNY.format(summary.amountFen))"))
        }
        lines.append(("结果", outcomeText(event.outcome)))
        if let comment = event.comment { lines.append(("意见", comment)) }
        return WeComMessage(
            title: "\((event.subjectType ?? .contract).displayName)审批\(outcomeText(event.outcome))",
            lines: lines,
            closing: "提交人：\(neutralized(submitter?.displayName ?? event.submitterID))",
            mobile: submitter?.mobile
        )
    }

    /// The Chinese word for an outcome.
    public static func outcomeText(_ outcome: ApprovalOutcome) -> String {
        switch outcome {
        case .approved: "已通过"
        case .rejected: "已驳回"
        case .recalled: "已撤回"
        }
    }

    /// The visible text, whichever type the message is.
    public var content: String { text?.content ?? markdown?.content ?? "" }
}

/// An approval as notifications remembers it from `approval.step_assigned`.
public struct ApprovalSummary: Sendable, Equatable {
    public var contractNumber: String
    public var customerName: String
    public var amountFen: Fen
}

/// A user as notifications knows them from `user.*` events.
public struct Contact: Sendable, Equatable {
    public var id: String
    public var displayName: String
    public var mobile: String?
}
