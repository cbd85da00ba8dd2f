import Contracts
import Foundation
import Testing

@testable import Notifications

/// Pushes about approvals of subjects other than contracts (issue 12, ADR 0011) name the subject and its title.
@Suite("WeCom messages for approval subjects")
struct SubjectMessageTests {
    @Test("an expense claim's step is pushed as 报销 with its purpose and no empty customer line; a contract's as before")
    func expenseClaimStep() {
        let claim = ApprovalStepAssigned(
            approvalID: "ap-2",
            contractID: "0b7b7c1e-9d1e-4a57-8f7e-1c2d3e4f5a6b",
            contractNumber: "BX-2026-000007",
            customerName: "",
            amountFen: 128_000,
            submitterID: "rep-1",
            step: 0,
            stepCount: 1,
            approverID: "sup-1",
            approverName: "周主管",
            approverMobile: nil,
            assignedAt: Date(),
            subjectType: .expenseClaim,
            subjectID: "0b7b7c1e-9d1e-4a57-8f7e-1c2d3e4f5a6b",
            subjectTitle: "差旅 · 宁波客户拜访高铁"
        )
        let content = WeComMessage.stepAssigned(claim).content
        #expect(content.hasPrefix("**报销审批待处理**"))
        #expect(content.contains("BX-2026-000007"))
        #expect(content.contains("差旅 · 宁波客户拜访高铁"))
        #expect(!content.contains("客户："))
        #expect(!content.contains("合同"))
        #expect(content.contains("¥1,280.00"))

        var contract = claim
        contract.subjectType = nil
        contract.subjectID = nil
        contract.subjectTitle = nil
        contract.contractNumber = "HT-2026-000123"
        contract.customerName = "宁波精工"
        let contractContent = WeComMessage.stepAssigned(contract).content
        #expect(contractContent.hasPrefix("**合同审批待处理**"))
        #expect(contractContent.contains("宁波精工"))
    }
}
