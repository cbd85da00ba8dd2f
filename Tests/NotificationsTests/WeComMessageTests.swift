import Contracts
import Foundation
import Testing

@testable import Notifications

@Suite("WeCom messages")
struct WeComMessageTests {
    func assigned(customer: String, approverName: String?, mobile: String?) -> ApprovalStepAssigned {
        ApprovalStepAssigned(
            approvalID: "ap-1",
            contractID: "ct-1",
            contractNumber: "HT-2026-000123",
            customerName: customer,
            amountFen: 8_000_000,
            submitterID: "rep-1",
            step: 0,
            stepCount: 3,
            approverID: "sup-1",
            approverName: approverName,
            approverMobile: mobile,
            assignedAt: Date()
        )
    }

    @Test("what users typed never becomes a link, markup or an extra line in the company chat", arguments: [nil, "13800000002"])
    func userTextIsInert(mobile: String?) {
        let message = WeComMessage.stepAssigned(
            assigned(customer: "[点此登录](https://evil.example)", approverName: "张**主管**\n> 金额：¥1", mobile: mobile)
        )
        let content = message.content
        #expect(!content.contains("]("))
        #expect(!content.contains("[点此登录]"))
        #expect(content.contains("［点此登录］（https://evil.example）"))
        #expect(!content.contains("**主管**"))
        #expect(!content.contains("\n> 金额：¥1"))
        // Our own wording keeps its form: the amount line and, for markdown, the bold title.
        #expect(content.contains("¥80,000.00"))
        if mobile == nil { #expect(content.hasPrefix("**合同审批待处理**")) }
    }
}
