import Contracts
import Foundation
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// Issue 10's master data: the credit code, level and source, regions that must exist, duplicates answered within
/// the caller's scope, and merges.
@Suite("Customer master data, duplicates and merges")
struct CustomerMasterDataTests {
    static func json(
        _ name: String,
        mobile: String,
        region: String = "east-china",
        owner: String? = nil,
        extra: String = ""
    ) -> String {
        let ownerMember = owner.map { #","ownerId":"\#($0)""# } ?? ""
        return
            #"{"name":"\#(name)","region":"\#(region)","industry":"fasteners","contacts":[{"name":"王经理","phone":"\#(mobile)"}]\#(ownerMember)\#(extra)}"#
    }

    func create(_ org: CustomerFixture, as user: String, _ json: String) async throws -> Customer {
        let response = await org.call(Operation.Customers.create, as: user, json)
        #expect(response.status == 201, "\(response.text)")
        return try response.decode(Customer.self)
    }

    /// The `matches` of a 409 duplicate-customer problem.
    func matches(_ response: RPCResponse) throws -> [[String: JSONValue]] {
        #expect(response.status == 409, "\(response.text)")
        let problem = try response.problem()
        #expect(problem.type.hasSuffix("/duplicate-customer"))
        guard case .array(let items) = problem.extensions?["matches"] else { return [] }
        return items.compactMap { if case .object(let members) = $0 { members } else { nil } }
    }

    @Test("credit code, level and source are validated, stored normalized and answered with the status")
    func masterData() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let bad = await org.call(
                Operation.Customers.create,
                as: "rep-1",
                Self.json("甲", mobile: "13700000001", extra: #","creditCode":"91350100M000100Y44","level":"D","source":"tv""#)
            )
            #expect(bad.status == 422)
            #expect(Set(try bad.problem().errors?.map(\.field) ?? []) == ["creditCode", "level", "source"])
            let customer = try await create(
                org,
                as: "rep-1",
                Self.json("甲", mobile: "13700000001", extra: #","creditCode":" 91350100m000100y43","level":"A","source":"cold_call""#)
            )
            #expect(customer.creditCode == "91350100M000100Y43")
            #expect(customer.level == .a && customer.source == .coldCall && customer.status == .active)
            let body = String(decoding: try JSONCoding.encoder.encode(customer), as: UTF8.self)
            #expect(body.contains(#""status":"active""#) && body.contains(#""externalId":null"#))
            let cleared = await org.call(Operation.Customers.update, as: "rep-1", #"{"level":"","source":"referral"}"#, id: customer.id.description)
            #expect(try cleared.decode(Customer.self).level == nil)
            #expect(try cleared.decode(Customer.self).source == .referral)
            let listed = try await org.call(Operation.Customers.list, as: "rep-1", query: "level=A").decode(ListPage<Customer>.self)
            #expect(listed.items.isEmpty)
        }
    }

    @Test("a customer's region must exist: unknown is 422, a created one is accepted, an old unknown one is kept")
    func regionMustExist() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let unknown = await org.call(Operation.Customers.create, as: "gm", Self.json("乙", mobile: "13700000002", region: "south-china"))
            #expect(unknown.status == 422)
            #expect(try unknown.problem().errors?.map(\.field) == ["region"])
            _ = try await service.deliver(RegionCreated(code: "south-china", name: "华南"), subject: "south-china", sequence: 1)
            let known = try await create(org, as: "gm", Self.json("乙", mobile: "13700000002", region: "south-china"))
            // A customer stored before regions were checked keeps its region while other fields change.
            try await service.client.query("UPDATE customers SET region = 'old-slug' WHERE id = \(known.id)", logger: service.logger)
            let edited = await org.call(Operation.Customers.update, as: "gm", #"{"industry":"gears"}"#, id: known.id.description)
            #expect(edited.status == 200)
            let moved = await org.call(Operation.Customers.update, as: "gm", #"{"region":"west-china"}"#, id: known.id.description)
            #expect(moved.status == 422)
        }
    }

    @Test("a duplicate in the caller's scope answers 409 with the customer; confirmDuplicate saves a name match anyway")
    func duplicateInScope() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let first = try await create(org, as: "rep-1", Self.json("宁波精工紧固件有限公司", mobile: "13700000003"))
            let again = await org.call(Operation.Customers.create, as: "rep-1", Self.json("宁波精工紧固件（有限责任公司）", mobile: "13700000004"))
            let found = try matches(again)
            #expect(found.count == 1)
            #expect(found.first?["reason"] == .string("name"))
            #expect(found.first?["inScope"] == .bool(true))
            #expect(found.first?["customer"]?["id"] == .string(first.id.description))
            #expect(found.first?["askWho"] == .string("张伟"))
            let confirmed = await org.call(
                Operation.Customers.create,
                as: "rep-1",
                Self.json("宁波精工紧固件（有限责任公司）", mobile: "13700000004", extra: #","confirmDuplicate":true"#)
            )
            #expect(confirmed.status == 201)
        }
    }

    @Test("a duplicate outside the caller's scope says only that it exists and whom to ask")
    func duplicateOutOfScope() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let first = try await create(org, as: "rep-1", Self.json("宁波精工紧固件有限公司", mobile: "13700000005"))
            let byMobile = await org.call(Operation.Customers.create, as: "rep-2", Self.json("精工（宁波）", mobile: "+86 137 0000 0005"))
            let found = try matches(byMobile)
            #expect(found.map { $0["reason"] } == [.string("mobile")])
            #expect(found.first?["inScope"] == .bool(false))
            #expect(found.first?["customer"] == nil)
            #expect(found.first?["askWho"] == .string("张伟"))
            #expect(!byMobile.text.contains(first.id.description) && !byMobile.text.contains("宁波精工"))
            let lookup = await org.call(
                FindDuplicatesHandler.operation,
                as: "rep-2",
                query: "name=%E5%AE%81%E6%B3%A2%E7%B2%BE%E5%B7%A5%E7%B4%A7%E5%9B%BA%E4%BB%B6"
            )
            #expect(lookup.status == 200, "\(lookup.text)")
            #expect(!lookup.text.contains(first.id.description) && lookup.text.contains("\"inScope\":false"))
            let asSupervisor = await org.call(FindDuplicatesHandler.operation, as: "sup-1", query: "mobile=13700000005")
            #expect(asSupervisor.text.contains(first.id.description))
            #expect(await org.call(FindDuplicatesHandler.operation, as: "rep-2", query: "").status == 422)
            #expect(await org.call(FindDuplicatesHandler.operation, as: "rep-2", query: "creditCode=123").status == 422)
        }
    }

    @Test("the same credit code is a hard duplicate: confirmDuplicate does not override it")
    func creditCodeIsUnique() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            _ = try await create(org, as: "rep-1", Self.json("甲公司", mobile: "13700000006", extra: #","creditCode":"91110108551385082Q""#))
            let other = await org.call(
                Operation.Customers.create,
                as: "rep-north",
                Self.json("完全不同", mobile: "13700000007", region: "north-china", extra: #","creditCode":"91110108551385082Q","confirmDuplicate":true"#)
            )
            let found = try matches(other)
            #expect(found.map { $0["reason"] } == [.string("credit_code")])
            #expect(try other.problem().extensions?["confirmable"] == .bool(false))
            #expect(try await service.count("customers") == 4)
        }
    }

    @Test("a rep cannot merge; a supervisor merges within scope: contacts, visits and history move, the merged one is read-only")
    func merge() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let survivor = try await create(org, as: "rep-1", Self.json("甲", mobile: "13700000008"))
            let merged = try await create(
                org,
                as: "rep-1",
                #"{"name":"乙","region":"east-china","industry":"x","creditCode":"9144030071526726XG","contacts":[{"name":"王","phone":"13700000008"},{"name":"李","phone":"13700000009"}],"confirmDuplicate":true}"#
            )
            let checkIn = await org.call(CheckInHandler.operation, as: "rep-1", VisitTests.checkIn(northMeters: 0), id: merged.id.description)
            #expect(checkIn.status == 201, "\(checkIn.text)")
            let body = #"{"from":"\#(merged.id)"}"#
            #expect(await org.call(MergeCustomersHandler.operation, as: "rep-1", body, id: survivor.id.description).status == 403)
            #expect(await org.call(MergeCustomersHandler.operation, as: "sup-2", body, id: survivor.id.description).status == 404)
            let done = await service.call(MergeCustomersHandler.operation, as: "sup-1", body, id: survivor.id.description, key: "m-1")
            #expect(done.status == 200, "\(done.text)")
            let after = try done.decode(Customer.self)
            #expect(after.contacts.map(\.phone) == ["13700000008", "13700000009"])
            #expect(after.creditCode == "9144030071526726XG")
            let gone = try await org.call(Operation.Customers.get, as: "sup-1", id: merged.id.description).decode(Customer.self)
            #expect(gone.status == .merged && gone.mergedInto == survivor.id)
            let visits = try await org.call(ListVisitsHandler.listOfCustomer, as: "sup-1", id: survivor.id.description).decode(ListPage<Visit>.self)
            #expect(visits.items.count == 1)
            let history = try await org.call(Operation.Customers.history, as: "sup-1", id: survivor.id.description).decode(ListPage<HistoryLine>.self)
            // The survivor's trail: the merge, then the merged customer's lines (its check-in set its location), then its own.
            #expect(history.items.map(\.action) == [.merged, .updated, .created, .created])
            #expect(history.items.first?.changes["movedVisits"]?["to"] == .integer(1))
            let mergedHistory = try await org.call(Operation.Customers.history, as: "sup-1", id: merged.id.description).decode(
                ListPage<HistoryLine>.self
            )
            #expect(mergedHistory.items.map(\.action) == [.merged])

            let edit = await org.call(Operation.Customers.update, as: "rep-1", #"{"industry":"gears"}"#, id: merged.id.description)
            #expect(edit.status == 409)
            #expect(try edit.problem().type.hasSuffix("/customer-merged"))
            #expect(await org.call(ArchiveCustomerHandler.archive, as: "rep-1", id: merged.id.description).status == 409)
            let listed = try await org.call(Operation.Customers.list, as: "sup-1", query: "archived=all").decode(ListPage<Customer>.self)
            #expect(!listed.items.map(\.id).contains(merged.id))

            // Again with the same key, or again with another: the survivor, and one event only.
            let replay = await service.call(MergeCustomersHandler.operation, as: "sup-1", body, id: survivor.id.description, key: "m-1")
            #expect(replay.status == 200)
            let again = await service.call(MergeCustomersHandler.operation, as: "sup-1", body, id: survivor.id.description, key: "m-2")
            #expect(again.status == 200)
            let events = try await service.outbox(CustomerMerged.self)
            #expect(events.map(\.mergedID) == [merged.id.description])
            #expect(events.first?.survivorID == survivor.id.description && events.first?.byUserID == "sup-1")
            // The merged customer's mobiles and credit code now point at the survivor only.
            let lookup = await org.call(FindDuplicatesHandler.operation, as: "sup-1", query: "mobile=13700000009&creditCode=9144030071526726XG")
            #expect(lookup.text.contains(survivor.id.description) && !lookup.text.contains(merged.id.description))
        }
    }

    @Test("customers with different credit codes do not merge, nor a customer with itself")
    func mergeRefused() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let org = try await CustomerFixture.seed(service)
            let a = try await create(org, as: "rep-1", Self.json("甲", mobile: "13700000010", extra: #","creditCode":"91330000710926050W""#))
            let b = try await create(org, as: "rep-1", Self.json("乙", mobile: "13700000011", extra: #","creditCode":"91110000802100433B""#))
            let refused = await org.call(MergeCustomersHandler.operation, as: "sup-1", #"{"from":"\#(b.id)"}"#, id: a.id.description)
            #expect(refused.status == 409)
            let itself = await org.call(MergeCustomersHandler.operation, as: "sup-1", #"{"from":"\#(a.id)"}"#, id: a.id.description)
            #expect(itself.status == 422)
            #expect(try await service.outbox(CustomerMerged.self).isEmpty)
        }
    }
}
