import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `GET /contracts/{id}/payments`: a signed contract's payment plan and receipts, with what is paid, written off and
/// outstanding, and who changed what when.
struct PaymentsView: Encodable, Sendable {
    struct Installment: Encodable, Sendable {
        var id: RecordID
        var sequence: Int
        var label: String
        var amountFen: Fen
        var dueOn: String?
        var dueAfterDeliveryDays: Int?
        var paidFen: Fen
        var writtenOffFen: Fen
        var outstandingFen: Fen
        var status: String
        var writtenOffReason: String?
        var writtenOffBy: String?
        var writtenOffAt: Date?
    }

    struct Allocation: Encodable, Sendable {
        var installmentID: RecordID
        var amountFen: Fen

        enum CodingKeys: String, CodingKey {
            case amountFen
            case installmentID = "installmentId"
        }
    }

    struct Receipt: Encodable, Sendable {
        var id: RecordID
        var amountFen: Fen
        var receivedOn: String
        var method: String
        var reference: String?
        var recordedBy: String
        var recordedAt: Date
        var reversedAt: Date?
        var reversedBy: String?
        var reversalReason: String?
        var allocations: [Allocation]
    }

    struct Change: Encodable, Sendable {
        var kind: String
        var changedBy: String
        var changedAt: Date
    }

    var contractID: RecordID
    var amountFen: Fen
    var paidFen: Fen
    var writtenOffFen: Fen
    var outstandingFen: Fen
    var collected: Bool
    var deliveredAt: Date?
    var installments: [Installment]
    var receipts: [Receipt]
    var planChanges: [Change]

    enum CodingKeys: String, CodingKey {
        case amountFen, paidFen, writtenOffFen, outstandingFen, collected, deliveredAt, installments, receipts, planChanges
        case contractID = "contractId"
    }
}

/// What the payment operations share: finding and locking the signed contract, proposing its plan from the terms,
/// reading its ledger, publishing the collection events and the automatic move to `paid`.
///
/// **Concurrency.** Every write locks the contract's row first (`FOR UPDATE`) and reads the ledger after, so two
/// receipts for one contract run one after the other and the second sees the first: the contract cannot be
/// over-collected. A write that moves the deal locks the deal after the contract, the order signing uses.
///
/// **Contracts signed before plans existed** get their plan proposed lazily, the first time any payment operation
/// (the GET included) touches them, in that operation's transaction and with `payment_plan.changed`; no migration or
/// start-up job is needed, and a contract nobody looks at costs nothing.
struct PaymentsDesk: Sendable {
    let store: DealsStore
    let payments: PaymentRepository
    let terms: PaymentTerms
    let logger: Logger

    init(store: DealsStore, terms: PaymentTerms, logger: Logger) {
        self.store = store
        self.payments = PaymentRepository(logger: logger)
        self.terms = terms
        self.logger = logger
    }

    /// The contract if it is in `scope` (404 otherwise) and signed (409 otherwise), locked for the caller's
    /// transaction when `forUpdate`.
    func signedContract(_ id: RecordID, scope: DataScope, forUpdate: Bool, on connection: PostgresConnection) async throws -> Contract {
        let contract = try scope.visible(try await store.contracts.find(id: id, on: connection, forUpdate: forUpdate), "contract", id: id)
        guard contract.status == .signed else {
            throw Problem.conflict("Contract \(contract.number) is \(contract.status.rawValue); only a signed contract has a payment plan.")
        }
        return contract
    }

    /// Proposes the plan from the terms when the signed contract has none (see the type's note); the contract must be
    /// locked by the caller.
    /// - Returns: whether a plan was proposed now.
    @discardableResult
    func ensurePlan(_ contract: Contract, by actor: String, traceparent: String?, on connection: PostgresConnection) async throws -> Bool {
        guard try await payments.installments(contractID: contract.id, on: connection).isEmpty, contract.amountFen > 0 else { return false }
        try await proposePlan(contract, by: actor, at: Date(), traceparent: traceparent, on: connection)
        return true
    }

    /// Writes the plan the terms propose for a signed contract and publishes `payment_plan.changed`.
    func proposePlan(_ contract: Contract, by actor: String, at time: Date, traceparent: String?, on connection: PostgresConnection) async throws {
        let signedOn = BusinessCalendar.day(of: contract.signedAt ?? time)
        let deliveredOn = try await store.shipments.deliveredAt(contractID: contract.id, on: connection).map(BusinessCalendar.day(of:))
        for planned in terms.propose(amountFen: contract.amountFen, signedOn: signedOn) {
            try await payments.save(planned, existing: nil, contractID: contract.id, deliveredOn: deliveredOn, at: time, on: connection)
        }
        try await planChanged(contract, kind: "proposed", by: actor, at: time, traceparent: traceparent, on: connection)
    }

    /// Records the plan's change in its audit trail and publishes `payment_plan.changed` with the plan as it is now.
    func planChanged(
        _ contract: Contract,
        kind: String,
        by actor: String,
        at time: Date,
        traceparent: String?,
        on connection: PostgresConnection
    )
        async throws
    {
        let deliveredOn = try await store.shipments.deliveredAt(contractID: contract.id, on: connection).map(BusinessCalendar.day(of:))
        let snapshots = try await payments.installments(contractID: contract.id, on: connection).map {
            InstallmentSnapshot(
                installmentID: $0.id.description,
                sequence: $0.sequence,
                label: $0.label,
                amountFen: $0.amountFen,
                dueOn: $0.dueDay(deliveredOn: deliveredOn)?.description
            )
        }
        try await payments.recordPlanChange(contractID: contract.id, kind: kind, by: actor, at: time, installments: snapshots, on: connection)
        let event = PaymentPlanChanged(
            party: party(contract),
            amountFen: contract.amountFen,
            signedAt: contract.signedAt ?? time,
            installments: snapshots,
            at: time
        )
        try await publish(event, contract: contract, at: time, traceparent: traceparent, on: connection)
    }

    /// Appends a collection event of the contract to the outbox, with the contract's next sequence.
    func publish(
        _ event: some ContractEvent,
        contract: Contract,
        at time: Date,
        traceparent: String?,
        on connection: PostgresConnection
    )
        async throws
    {
        let sequence = try await payments.nextContractSequence(contractID: contract.id, at: time, on: connection)
        let envelope = try EventEnvelope(
            event,
            source: DealsService.name,
            subject: contract.id.description,
            sequence: sequence,
            time: time,
            traceparent: traceparent
        )
        try await Outbox.append(envelope, on: connection, logger: logger)
    }

    /// Who the contract's events concern.
    func party(_ contract: Contract) -> ContractParty {
        ContractParty(
            contractID: contract.id.description,
            dealID: contract.dealID.description,
            customerID: contract.customerID,
            customerName: contract.customerName,
            ownerID: contract.ownerID,
            region: contract.region
        )
    }

    /// The installments still open, as the allocation rules see them.
    func openInstallments(of contract: Contract, on connection: PostgresConnection) async throws -> [PaymentPlan.Open] {
        let deliveredOn = try await store.shipments.deliveredAt(contractID: contract.id, on: connection).map(BusinessCalendar.day(of:))
        return try await payments.installments(contractID: contract.id, on: connection).map {
            PaymentPlan.Open(id: $0.id, sequence: $0.sequence, dueOn: $0.dueDay(deliveredOn: deliveredOn), outstandingFen: $0.outstandingFen)
        }
    }

    /// What is still to collect on the contract.
    func outstanding(of contract: Contract, on connection: PostgresConnection) async throws -> Fen {
        try await payments.outstandingFen(of: contract, on: connection)
    }

    /// The stage rule's payment half: once nothing is outstanding, a delivered contract's deal still at `delivered`
    /// moves to `paid` (stage history and `deal.stage_changed`, like a hand move). A reversal that opens the contract
    /// again does not move the deal back: `paid` is closed, and the payments view shows what is outstanding again.
    func settleIfCollected(
        _ contract: Contract,
        by actor: String,
        at time: Date,
        traceparent: String?,
        on connection: PostgresConnection
    )
        async throws
    {
        let collected = try await outstanding(of: contract, on: connection) <= 0
        let delivered = try await store.shipments.deliveredAt(contractID: contract.id, on: connection) != nil
        guard collected, delivered, var deal = try await store.deals.find(id: contract.dealID, on: connection, forUpdate: true) else { return }
        for stage in DealStageRules.automaticMoves(from: deal.stage, delivered: delivered, collected: collected) {
            deal = try await store.moveDeal(deal, to: stage, by: actor, at: time, traceparent: traceparent, on: connection)
        }
    }

    /// The payments view of a contract, read on the caller's connection.
    func view(of contract: Contract, on connection: PostgresConnection) async throws -> PaymentsView {
        let deliveredAt = try await store.shipments.deliveredAt(contractID: contract.id, on: connection)
        let deliveredOn = deliveredAt.map(BusinessCalendar.day(of:))
        let today = BusinessCalendar.day(of: Date())
        let stored = try await payments.installments(contractID: contract.id, on: connection)
        let installments = stored.map { installment in
            let dueOn = installment.dueDay(deliveredOn: deliveredOn)
            return PaymentsView.Installment(
                id: installment.id,
                sequence: installment.sequence,
                label: installment.label,
                amountFen: installment.amountFen,
                dueOn: dueOn?.description,
                dueAfterDeliveryDays: installment.dueAfterDeliveryDays,
                paidFen: installment.paidFen,
                writtenOffFen: installment.writtenOffFen,
                outstandingFen: installment.outstandingFen,
                status: PaymentPlan.status(
                    outstandingFen: installment.outstandingFen,
                    writtenOffFen: installment.writtenOffFen,
                    dueOn: dueOn,
                    today: today
                ),
                writtenOffReason: installment.writtenOffReason,
                writtenOffBy: installment.writtenOffBy,
                writtenOffAt: installment.writtenOffAt
            )
        }
        let receipts = try await payments.receipts(contractID: contract.id, on: connection).map { receipt in
            PaymentsView.Receipt(
                id: receipt.id,
                amountFen: receipt.amountFen,
                receivedOn: receipt.receivedOn,
                method: receipt.method,
                reference: receipt.reference,
                recordedBy: receipt.recordedBy,
                recordedAt: receipt.recordedAt,
                reversedAt: receipt.reversedAt,
                reversedBy: receipt.reversedBy,
                reversalReason: receipt.reversalReason,
                allocations: receipt.allocations.map { PaymentsView.Allocation(installmentID: $0.installmentID, amountFen: $0.amountFen) }
            )
        }
        let changes = try await payments.planChanges(contractID: contract.id, on: connection).map {
            PaymentsView.Change(kind: $0.kind, changedBy: $0.changedBy, changedAt: $0.changedAt)
        }
        let paid = stored.reduce(Fen(0)) { $0 + $1.paidFen }
        let writtenOff = stored.reduce(Fen(0)) { $0 + $1.writtenOffFen }
        let outstanding = contract.amountFen - paid - writtenOff
        return PaymentsView(
            contractID: contract.id,
            amountFen: contract.amountFen,
            paidFen: paid,
            writtenOffFen: writtenOff,
            outstandingFen: outstanding,
            collected: outstanding == 0,
            deliveredAt: deliveredAt,
            installments: installments,
            receipts: receipts,
            planChanges: changes
        )
    }

    /// The caller, if they may record receipts, reverse them and write installments off: finance only (403).
    static func finance(_ request: RPCRequest) throws(Problem) -> DataScope {
        let scope = try request.dataScope()
        guard scope.caller.role == .finance else { throw Problem.forbidden("Only finance records receipts, reversals and write-offs.") }
        return scope
    }
}
