import Contracts
import Foundation
import ServiceRuntime
import Testing

@testable import Gateway

@Suite("Gateway user rules")
struct UserRulesTests {
    static func patch(_ json: String) throws(Problem) -> UserPatch {
        try JSONBody.decode(UserPatch.self, from: Array(json.utf8))
    }

    static func fieldErrors(_ json: String) -> [Problem.FieldError] {
        do {
            _ = try patch(json)
            return []
        } catch {
            return error.errors ?? []
        }
    }

    @Test("region codes follow the shared rule: double and trailing hyphens are refused")
    func regionCodesFollowSharedRule() {
        for code in ["a--b", "east-", "east--china", "East", "e", "1east"] {
            var errors: [Problem.FieldError] = []
            UserRules.checkRegionCode(code, into: &errors)
            #expect(errors == [.init(field: "region", message: RegionCode.requirement)], "\(code)")
        }
        for code in ["east", "east-china", "e2"] {
            var errors: [Problem.FieldError] = []
            UserRules.checkRegionCode(code, into: &errors)
            #expect(errors.isEmpty, "\(code)")
        }
    }

    @Test("a patch tells an absent field from null: absent keeps, null clears, a value sets")
    func patchTellsAbsentFromNull() throws {
        let supervisor = RecordID()
        let patch = try Self.patch(#"{"mobile":null,"region":"east","supervisorId":"\#(supervisor.description.uppercased())","version":3}"#)
        #expect(patch.mobile == .clear)
        #expect(patch.region == .set("east"))
        #expect(patch.supervisorId == .set(supervisor))
        #expect(patch.wecomUserId == .keep)
        #expect(patch.username == nil && patch.role == nil)
        #expect(patch.version == 3)

        let now = Date()
        let user = User(
            id: RecordID(),
            username: "wang",
            displayName: "王",
            role: .rep,
            region: "west",
            supervisorId: nil,
            mobile: "13800138000",
            wecomUserId: "wang-wecom",
            active: true,
            version: 3,
            createdAt: now,
            updatedAt: now
        )
        let patched = patch.applied(to: user)
        #expect(patched.mobile == nil)
        #expect(patched.region == "east")
        #expect(patched.supervisorId == supervisor)
        #expect(patched.wecomUserId == "wang-wecom")
        #expect(User.changedFields(user, patched) == ["region", "supervisorId", "mobile"])
    }

    @Test("a patch reports unknown fields, nulls, wrong types and broken rules together, in one 422")
    func patchReportsEveryFieldError() {
        let errors = Self.fieldErrors(#"{"active":false,"username":null,"role":"emperor","mobile":5,"region":"a--b","supervisorId":"x"}"#)
        #expect(
            errors == [
                .init(field: "active", message: "cannot be changed here (deactivate with POST /api/v1/users/{id}/deactivate)"),
                .init(field: "username", message: "cannot be null"),
                .init(field: "mobile", message: "must be a string"),
                .init(field: "region", message: RegionCode.requirement),
                .init(field: "role", message: "must be one of rep, supervisor, regional_manager, gm, finance, admin, warehouse"),
                .init(field: "supervisorId", message: "must be a user id (UUID)"),
            ]
        )
    }

    @Test("a patch body that is not an object is a 400 saying so")
    func patchMustBeObject() {
        #expect { try Self.patch("[1]") } throws: { ($0 as? Problem)?.status == 400 && ($0 as? Problem)?.detail == "The body must be a JSON object." }
        #expect { try Self.patch("{") } throws: { ($0 as? Problem)?.detail == "The body is not valid JSON." }
    }

    @Test("a user's JSON has lower-case ids and leaves out the fields that are nil")
    func userJSON() throws {
        let id = try #require(RecordID("5F0C8B7E-0000-4000-8000-00000000000A"))
        let user = User(
            id: id,
            username: "admin",
            displayName: "Administrator",
            role: .admin,
            region: nil,
            supervisorId: nil,
            mobile: nil,
            wecomUserId: nil,
            active: true,
            version: 1,
            createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: Date(timeIntervalSince1970: 0)
        )
        let object = try #require(try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(user)) as? [String: Any])
        #expect(object["id"] as? String == "5f0c8b7e-0000-4000-8000-00000000000a")
        #expect(Set(object.keys) == ["id", "username", "displayName", "role", "active", "version", "createdAt", "updatedAt"])
        var managed = user
        managed.supervisorId = id
        let withSupervisor = try #require(try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(managed)) as? [String: Any])
        #expect(withSupervisor["supervisorId"] as? String == "5f0c8b7e-0000-4000-8000-00000000000a")
    }
}
