import Contracts
import Foundation
import Testing

@testable import Customers

@Suite("Duplicate rule")
struct DuplicateRuleTests {
    @Test(
        "names that differ only in width, case, spacing, punctuation or the legal-form suffix normalize alike",
        arguments: [
            ("宁波精工紧固件有限公司", "宁波精工紧固件"),
            ("宁波精工紧固件有限责任公司", "宁波精工紧固件"),
            ("宁波精工紧固件股份有限公司", "宁波精工紧固件"),
            ("宁波精工紧固件（有限公司）", "宁波精工紧固件"),
            ("  宁波 精工·紧固件 有限公司 ", "宁波精工紧固件"),
            ("【宁波】精工紧固件有限公司", "宁波精工紧固件"),
            ("ＡＢＣ机械（宁波）有限公司", "abc机械宁波"),
            ("ABC Machinery Co., Ltd.", "abcmachinerycoltd"),
            ("宁波精工、紧固件，有限公司。", "宁波精工紧固件"),
        ]
    )
    func normalizedNames(name: String, expected: String) {
        #expect(DuplicateRule.normalizedName(name) == expected)
    }

    @Test("different companies stay different, and a bare suffix is not stripped to nothing")
    func differentNames() {
        #expect(DuplicateRule.normalizedName("华为") != DuplicateRule.normalizedName("华为技术有限公司"))
        #expect(DuplicateRule.normalizedName("有限公司") == "有限公司")
        #expect(DuplicateRule.normalizedName("精工股份有限公司") == "精工")
    }

    @Test("only mainland mobiles count, normalized, each once")
    func mobiles() {
        let contacts = [
            CustomerContact(name: "a", phone: "+86 138 0013 8000"),
            CustomerContact(name: "b", phone: "13800138000"),
            CustomerContact(name: "c", phone: "021-12345678"),
            CustomerContact(name: "d", email: "d@example.com"),
            CustomerContact(name: "e", phone: "139-0000-0001"),
        ]
        #expect(DuplicateRule.mobiles(of: contacts) == ["13800138000", "13900000001"])
    }

    @Test("a credit-code match always blocks; name and mobile matches only until confirmed")
    func blocking() {
        let customer = Customer(
            id: RecordID(),
            name: "x",
            region: "east-china",
            industry: "x",
            ownerID: "rep-1",
            contacts: [],
            version: 1,
            createdAt: .now,
            updatedAt: .now
        )
        let byName = [DuplicateRule.Match(reason: .name, customer: customer)]
        let byCode = [DuplicateRule.Match(reason: .creditCode, customer: customer)]
        #expect(DuplicateRule.blocks(byName, confirmed: false))
        #expect(!DuplicateRule.blocks(byName, confirmed: true))
        #expect(DuplicateRule.blocks(byCode, confirmed: true))
        #expect(!DuplicateRule.blocks([], confirmed: false))
    }

    @Test("a merge keeps the survivor's data, fills its gaps and adds only new contacts")
    func merge() throws {
        let now = Date.now
        var survivor = Customer(
            id: RecordID(),
            name: "精工",
            region: "east-china",
            industry: "x",
            ownerID: "rep-1",
            contacts: [CustomerContact(name: "王", phone: "13800138000")],
            version: 3,
            createdAt: now,
            updatedAt: now
        )
        survivor.level = .a
        var merged = survivor
        merged.id = RecordID()
        merged.level = .c
        merged.source = .exhibition
        merged.creditCode = "91350100M000100Y43"
        merged.contacts = [CustomerContact(name: "王经理", phone: "+86 13800138000"), CustomerContact(name: "李", phone: "13900000002")]
        let result = try CustomerMerge.survivor(survivor, absorbing: merged)
        #expect(result.level == .a)
        #expect(result.source == .exhibition)
        #expect(result.creditCode == "91350100M000100Y43")
        #expect(result.contacts.map(\.name) == ["王", "李"])
        survivor.creditCode = "91110108551385082Q"
        #expect(throws: Problem.self) { try CustomerMerge.survivor(survivor, absorbing: merged) }
    }
}
