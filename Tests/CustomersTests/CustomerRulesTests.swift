import Contracts
import Foundation
import ServiceRuntime
import Testing

@testable import Customers

@Suite("Customer rules")
struct CustomerRulesTests {
    let valid = CustomerDraft(
        name: "  宁波精工紧固件有限公司 ",
        region: "east-china",
        industry: "fasteners",
        contacts: [ContactDraft(name: "王经理", phone: "+86 138 0013 8000")]
    )

    @Test("a complete draft is accepted, trimmed, and the phone normalised")
    func acceptsCompleteDraft() throws {
        let fields = try CustomerRules.validate(valid)
        #expect(fields.name == "宁波精工紧固件有限公司")
        #expect(fields.contacts == [CustomerContact(name: "王经理", phone: "13800138000")])
    }

    @Test("no contact, no save: a contact with neither phone nor email is refused")
    func refusesContactWithoutPhoneOrEmail() {
        var draft = valid
        draft.contacts = [ContactDraft(name: "李工")]
        let problem = #expect(throws: Problem.self) { try CustomerRules.validate(draft) }
        #expect(problem?.status == 422)
        #expect(problem?.errors?.contains { $0.field == "contacts[0]" } == true)
    }

    @Test("a customer without contacts is refused")
    func refusesNoContacts() {
        var draft = valid
        draft.contacts = []
        let problem = #expect(throws: Problem.self) { try CustomerRules.validate(draft) }
        #expect(problem?.errors?.map(\.field) == ["contacts"])
    }

    @Test("every missing required field is reported at once")
    func reportsAllMissingFields() {
        let problem = #expect(throws: Problem.self) { try CustomerRules.validate(CustomerDraft()) }
        #expect(Set(problem?.errors?.map(\.field) ?? []) == ["name", "region", "industry", "contacts"])
    }

    @Test(
        "region codes are lower-case slugs",
        arguments: [
            ("east-china", true), ("sh", true), ("south-2", true),
            ("East China", false), ("华东", false), ("e", false), ("-east", false), ("east-", false), ("east--china", false),
        ]
    )
    func regionFormat(code: String, accepted: Bool) {
        #expect(RegionCode.isValid(code) == accepted)
    }

    @Test(
        "phones: mainland mobiles and landlines pass, the rest is refused",
        arguments: [
            ("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("0086 13800138000", "13800138000"),
            ("021-12345678", "021-12345678"), ("12345", nil), ("12800138000", nil), ("phone", nil),
        ]
    )
    func phoneFormat(input: String, normalised: String?) {
        #expect(CustomerRules.normalizedPhone(input) == normalised)
    }

    @Test("a bad email is named in the error")
    func badEmail() {
        var draft = valid
        draft.contacts = [ContactDraft(name: "王经理", email: "wang@")]
        let problem = #expect(throws: Problem.self) { try CustomerRules.validate(draft) }
        #expect(problem?.errors?.map(\.field) == ["contacts[0].email"])
    }

    @Test("a patch reports exactly the fields it changed")
    func patchChangedFields() throws {
        let current = try CustomerRules.validate(valid)
        let (fields, changed) = try CustomerRules.apply(CustomerPatch(name: current.name, industry: "bearings"), to: current)
        #expect(changed == ["industry"])
        #expect(fields.industry == "bearings")
        #expect(fields.contacts == current.contacts)
    }

    @Test("a patch cannot remove the last way to reach the customer")
    func patchCannotRemoveContacts() throws {
        let current = try CustomerRules.validate(valid)
        #expect(throws: Problem.self) { try CustomerRules.apply(CustomerPatch(contacts: []), to: current) }
    }

    @Test("cursor tokens round-trip and junk is rejected")
    func cursorTokens() {
        let cursor = PageCursor(createdAt: .init(timeIntervalSince1970: 1_790_000_000.123456), id: .init())
        #expect(PageCursor(token: cursor.token) == cursor)
        #expect(PageCursor(token: "not-a-cursor") == nil)
    }

    @Test("a cursor's bound time reaches PostgreSQL as exactly its microsecond, which PostgresNIO truncates to")
    func cursorBoundTime() {
        let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let micros = Int64.random(in: 1_700_000_000_000_000...2_000_000_000_000_000, using: &generator)
            let stored = Date(timeInterval: Double(micros - 946_684_800_000_000) / 1_000_000, since: postgresEpoch)
            guard let parsed = PageCursor(token: PageCursor(createdAt: stored, id: UUID()).token) else {
                Issue.record("a token this API wrote was refused")
                return
            }
            // PostgresNIO's own encoding of a Date: microseconds since 2000, truncated.
            let bound = Int64(parsed.boundTime.timeIntervalSince(postgresEpoch) * 1_000_000)
            guard bound == micros - 946_684_800_000_000 else {
                Issue.record("\(micros) µs is bound as \(bound + 946_684_800_000_000)")
                return
            }
            #expect(PageCursor(token: parsed.token) == parsed)
        }
    }

    @Test(
        "a cursor carrying an extreme time or a bad id is refused, never passed to the database",
        arguments: [
            "\(Int64.max):\(UUID().uuidString)", "-9223372036854775808:\(UUID().uuidString)", "1790000000123456:not-a-uuid", "1:2:3",
        ]
    )
    func tamperedCursor(plain: String) {
        let token = Base64URL.encode(Data(plain.utf8))
        #expect(PageCursor(token: token) == nil)
    }
}
