import Contracts
import Foundation
import PostgresNIO
import ServiceRuntime
import TestSupport
import Testing

@testable import Customers

/// A write is bounded by its caller's deadline (`PostgresClient.idempotentWrite`): once the gateway has answered
/// 504, the write does not land later.
@Suite("Writes end at their deadline", .timeLimit(.minutes(2)))
struct WriteDeadlineTests {
    @Test("a write still blocked at its deadline answers 504 and is not applied after what blocked it lets go")
    func blockedWriteIsNotAppliedAfterItsDeadline() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let id = try await CustomerOperationsTests().createCustomer(service).id
            let before = try await service.outbox().count
            // Another transaction holds the customer's row, so the update waits for it past its deadline.
            try await service.client.withTransaction(logger: service.logger) { blocker in
                try await blocker.query("SELECT id FROM customers WHERE id = \(id) FOR UPDATE", logger: service.logger)
                let reply = await service.call(
                    Operation.Customers.update,
                    as: CustomerOperationsTests.rep,
                    #"{"industry":"bearings"}"#,
                    id: id.description,
                    key: "deadline-1",
                    deadline: Date().addingTimeInterval(0.5)
                )
                #expect(reply.status == 504, "\(reply.text)")
            }
            let customer = try await service.call(Operation.Customers.get, as: CustomerOperationsTests.rep, id: id.description)
                .decode(Customer.self)
            #expect(customer.industry != "bearings")
            #expect(try await service.outbox().count == before, "no event for a write that was not applied")

            // The client retries with the same key and a fresh deadline: applied once.
            let retry = await service.call(
                Operation.Customers.update,
                as: CustomerOperationsTests.rep,
                #"{"industry":"bearings"}"#,
                id: id.description,
                key: "deadline-1",
                deadline: Date().addingTimeInterval(30)
            )
            #expect(retry.status == 200, "\(retry.text)")
            #expect(try retry.decode(Customer.self).industry == "bearings")
        }
    }

    @Test("a write that arrives after its deadline is not applied")
    func lateWriteIsNotApplied() async throws {
        try await RPCHarness.with(CustomersService.self) { service in
            let id = try await CustomerOperationsTests().createCustomer(service).id
            let reply = await service.call(
                Operation.Customers.update,
                as: CustomerOperationsTests.rep,
                #"{"industry":"gears"}"#,
                id: id.description,
                deadline: Date().addingTimeInterval(-1)
            )
            #expect(reply.status == 504)
            let customer = try await service.call(Operation.Customers.get, as: CustomerOperationsTests.rep, id: id.description)
                .decode(Customer.self)
            #expect(customer.industry != "gears")
        }
    }
}
