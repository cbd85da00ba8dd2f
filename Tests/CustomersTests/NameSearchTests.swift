import Contracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// `q` finds customers by any fragment of their name through the indexes of customers migration 0011: pg_trgm from
/// three characters on, the name's characters and character pairs for one or two; the answer is ILIKE's either way.
@Suite("Customer name search")
struct NameSearchTests {
    static let rep = CallerIdentity(userID: "rep-1", role: .rep, region: "east-china")

    static let names = ["上海华东贸易有限公司", "华东精工", "东华机械厂", "北京科技发展", "ACME 工业", "百分之50%五金"]

    func names(matching query: String, _ service: RPCHarness) async throws -> Set<String> {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz")) ?? query
        let page = await service.call(Operation.Customers.list, as: Self.rep, query: "q=\(encoded)")
        #expect(page.status == 200, "\(page.text)")
        return Set(try page.decode(ListPage<Customer>.self).items.map(\.name))
    }

    @Test("one, two and three-or-more character fragments, Chinese or Latin, find exactly the names that contain them")
    func fragments() async throws {
        try await RPCHarness.with(CustomersService.self) { service async throws in
            for (index, name) in Self.names.enumerated() {
                let body = """
                    {"name":"\(name)","region":"east-china","industry":"fasteners",
                     "contacts":[{"name":"王经理","phone":"1380013800\(index)"}]}
                    """
                let created = await service.call(Operation.Customers.create, as: Self.rep, body)
                #expect(created.status == 201, "\(created.text)")
            }
            #expect(try await names(matching: "华东", service) == ["上海华东贸易有限公司", "华东精工"])
            #expect(try await names(matching: "华", service) == ["上海华东贸易有限公司", "华东精工", "东华机械厂"])
            #expect(try await names(matching: "东贸易", service) == ["上海华东贸易有限公司"])
            #expect(try await names(matching: "华东精工", service) == ["华东精工"])
            #expect(try await names(matching: "科学", service) == [])
            // Case-insensitive on every path: four letters (pg_trgm), two and one (the character pairs).
            #expect(try await names(matching: "acme", service) == ["ACME 工业"])
            #expect(try await names(matching: "cm", service) == ["ACME 工业"])
            #expect(try await names(matching: "c", service) == ["ACME 工业"])
            // LIKE's wildcards are plain characters in a fragment.
            #expect(try await names(matching: "0%", service) == ["百分之50%五金"])
            #expect(try await names(matching: "%", service) == ["百分之50%五金"])
            #expect(try await names(matching: "_", service) == [])
        }
    }
}
