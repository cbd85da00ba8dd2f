import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceRuntime

/// `deals.recordShipment` (path id = contract id) `{shippedOn, carrier, trackingNumber?, note?, lines:[{lineNumber,
/// quantity}]}`: the warehouse records a shipment (发货) against a signed contract, by ``ShipmentRules``.
///
/// The contract row is locked first, so two shipments at once cannot both take what remains. The shipment that leaves
/// nothing to ship delivers the contract: `delivered_at` is set, installments due after delivery get their dates
/// (`payment_plan.changed` with the whole plan), and the deal moves to `delivered`, on to `paid` when the contract is
/// already fully collected — all in the shipment's transaction, with `shipment.recorded` in the outbox.
struct RecordShipmentHandler: Sendable {
    static let operation = "deals.recordShipment"

    let postgres: PostgresClient
    let store: DealsStore
    let logger: Logger

    func callAsFunction(_ request: RPCRequest) async throws -> RPCResponse {
        let identity = try request.requireIdentity()
        guard identity.role == .warehouse else { throw Problem.forbidden("Only the warehouse records shipments.") }
        let id = try request.pathRecordID("contract")
        let body = try request.decode(ShipmentRequest.self)
        let draft = try ShipmentRules.draft(body, today: BusinessCalendar.day(of: Date()))
        return try await postgres.idempotentWrite(request, logger: logger) { connection in
            guard var contract = try await store.contracts.find(id: id, on: connection, forUpdate: true), let signedAt = contract.signedAt,
                contract.status == .signed
            else {
                if let found = try await store.contracts.find(id: id, on: connection, forUpdate: false) {
                    throw Problem.conflict("Contract \(found.number) is \(found.status.rawValue); only a signed contract ships.")
                }
                throw Problem.notFound("No contract \(id).")
            }
            if try await store.shipments.deliveredAt(contractID: id, on: connection) != nil {
                throw Problem.conflict("Contract \(contract.number) is fully shipped; nothing remains to ship.")
            }
            guard let deal = try await store.deals.find(id: contract.dealID, on: connection, forUpdate: true) else { throw Problem.internalError() }
            guard deal.stage != .lost else { throw Problem.conflict("The deal of contract \(contract.number) is lost; reopen it before shipping.") }
            let shipped = try await store.shipments.shipped(contractID: id, on: connection)
            let progress = try ShipmentRules.apply(draft, to: contract.lines, shipped: shipped, signedOn: BusinessCalendar.day(of: signedAt))
            let completes = ShipmentRules.isComplete(progress)
            let now = Date()
            let traceparent = request.headers[RPC.Header.traceparent]
            let shipment = ShipmentView(
                id: RecordID(),
                shippedOn: draft.shippedOn.description,
                carrier: draft.carrier,
                trackingNumber: draft.trackingNumber,
                note: draft.note,
                recordedBy: identity.userID,
                recordedAt: now,
                lines: draft.lines.map { ShipmentView.Line(lineNumber: $0.lineNumber, quantity: $0.quantity) }
            )
            try await store.shipments.insert(shipment, contractID: id, on: connection)
            contract.version += 1
            contract.updatedAt = now
            try await store.shipments.update(contractID: id, version: contract.version, deliveredAt: completes ? now : nil, at: now, on: connection)
            let party = ContractParty(
                contractID: id.description,
                dealID: contract.dealID.description,
                customerID: contract.customerID,
                customerName: contract.customerName,
                ownerID: contract.ownerID,
                region: contract.region
            )
            let event = ShipmentRecorded(
                shipmentID: shipment.id.description,
                party: party,
                shippedOn: shipment.shippedOn,
                carrier: shipment.carrier,
                trackingNumber: shipment.trackingNumber,
                lines: draft.lines.map { line in
                    let contractLine = contract.lines[line.lineNumber - 1]
                    return ShipmentRecorded.Line(
                        lineNumber: line.lineNumber,
                        productID: contractLine.productID,
                        productLine: contractLine.productLine,
                        quantity: line.quantity
                    )
                },
                completesDelivery: completes,
                byUserID: identity.userID,
                at: now
            )
            try await Outbox.append(
                try EventEnvelope(
                    event,
                    source: DealsService.name,
                    subject: id.description,
                    sequence: contract.version,
                    time: now,
                    traceparent: traceparent
                ),
                on: connection,
                logger: logger
            )
            if completes {
                try await deliver(
                    &contract,
                    signedAt: signedAt,
                    party: party,
                    deal: deal,
                    by: identity.userID,
                    at: now,
                    traceparent: traceparent,
                    on: connection
                )
            }
            let status = ContractShipments(
                contractId: id,
                number: contract.number,
                dealId: contract.dealID,
                customerName: contract.customerName,
                status: contract.status,
                signedAt: signedAt,
                deliveredAt: completes ? now : nil,
                lines: progress,
                shipments: try await store.shipments.list(contractID: id, on: connection)
            )
            return try .json(status, status: 201)
        }
    }

    /// The delivery's consequences: installments due after delivery take their dates from the delivery day (the
    /// latest `shippedOn`), and the deal moves on by itself.
    private func deliver(
        _ contract: inout Contract,
        signedAt: Date,
        party: ContractParty,
        deal: Deal,
        by actor: String,
        at now: Date,
        traceparent: String?,
        on connection: PostgresConnection
    ) async throws {
        let deliveredOn = try await store.shipments.lastShippedOn(contractID: contract.id, on: connection) ?? BusinessCalendar.day(of: now)
        var installments = try await store.shipments.installments(contractID: contract.id, on: connection)
        var changed = false
        for index in installments.indices {
            guard installments[index].dueOn == nil, let days = installments[index].dueAfterDeliveryDays else { continue }
            let due = ShipmentRules.dueOn(deliveredOn: deliveredOn, afterDays: days)
            try await store.shipments.setDueOn(installmentID: installments[index].id, due, on: connection)
            installments[index].dueOn = due
            changed = true
        }
        if changed {
            contract.version += 1
            try await store.shipments.update(contractID: contract.id, version: contract.version, deliveredAt: now, at: now, on: connection)
            let plan = PaymentPlanChanged(
                party: party,
                amountFen: contract.amountFen,
                signedAt: signedAt,
                installments: installments.map {
                    InstallmentSnapshot(
                        installmentID: $0.id.description,
                        sequence: $0.sequence,
                        label: $0.label,
                        amountFen: $0.amountFen,
                        dueOn: $0.dueOn?.description
                    )
                },
                at: now
            )
            try await Outbox.append(
                try EventEnvelope(
                    plan,
                    source: DealsService.name,
                    subject: contract.id.description,
                    sequence: contract.version,
                    time: now,
                    traceparent: traceparent
                ),
                on: connection,
                logger: logger
            )
        }
        let outstanding = try await PaymentRepository(logger: logger).outstandingFen(of: contract, on: connection)
        var current = deal
        for stage in DealStageRules.automaticMoves(from: deal.stage, delivered: true, collected: outstanding <= 0) {
            current = try await store.moveDeal(current, to: stage, by: actor, at: now, traceparent: traceparent, on: connection)
        }
    }
}
