import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// `deals.replacePaymentPlan` (path id = contract id) `{"installments": [{label, amountFen, dueOn | dueAfterDeliveryDays}]}`:
/// the owner, their managers (anyone whose scope holds the contract and who may write) or finance replace a signed
/// contract's plan, by position (``PaymentPlan``). Publishes `payment_plan.changed`.
struct ReplacePaymentPlanHandler: Sendable {
    static let operation = "deals.replacePaymentPlan"
    let postgres: PostgresClient
    let desk: PaymentsDesk
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        // Finance may not change deals, but payment plans are theirs too (DataScope: "payments excepted").
        let scope = try request.dataScope()
        let id = try request.pathRecordID("contract")
        let edit = try request.decode(PaymentPlan.Edit.self)
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            let contract = try await desk.signedContract(id, scope: scope, forUpdate: true, on: connection)
            let traceparent = request.headers[RPC.Header.traceparent]
            try await desk.ensurePlan(contract, by: scope.caller.userID, traceparent: traceparent, on: connection)
            let current = try await desk.payments.installments(contractID: id, on: connection)
            let plan = try PaymentPlan.validate(
                edit,
                amountFen: contract.amountFen,
                current: current.map {
                    PaymentPlan.Settled(
                        sequence: $0.sequence,
                        settledFen: $0.paidFen + $0.writtenOffFen,
                        hasHistory: $0.hasAllocations || $0.writtenOffFen > 0
                    )
                }
            )
            let now = Date()
            let deliveredOn = try await desk.store.shipments.deliveredAt(contractID: id, on: connection).map(BusinessCalendar.day(of:))
            try await desk.payments.remove(contractID: id, after: plan.count, on: connection)
            for planned in plan {
                let existing = current.first { $0.sequence == planned.sequence }?.id
                try await desk.payments.save(planned, existing: existing, contractID: id, deliveredOn: deliveredOn, at: now, on: connection)
            }
            try await desk.planChanged(contract, kind: "edited", by: scope.caller.userID, at: now, traceparent: traceparent, on: connection)
            return try .json(try await desk.view(of: contract, on: connection))
        }
    }
}
