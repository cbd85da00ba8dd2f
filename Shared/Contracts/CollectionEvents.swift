public import Foundation

/// Where a signed contract's money stands: events of its payment plan (回款计划), receipts (回款) and write-offs, all
/// owned by `deals`. Reporting reads them for the true margin (days to collect, written-off amounts) and the
/// re-purchase rate; notifications turns ``PaymentOverdue`` into alerts.
///
/// Every event names the contract's deal, customer, owner and region, so a consumer can scope it without asking back.
public struct ContractParty: Codable, Sendable, Equatable {
    public var contractID: String
    public var dealID: String
    public var customerID: String
    public var customerName: String
    public var ownerID: String
    public var region: String

    enum CodingKeys: String, CodingKey {
        case customerName, region
        case contractID = "contractId"
        case dealID = "dealId"
        case customerID = "customerId"
        case ownerID = "ownerId"
    }

    public init(contractID: String, dealID: String, customerID: String, customerName: String, ownerID: String, region: String) {
        self.contractID = contractID
        self.dealID = dealID
        self.customerID = customerID
        self.customerName = customerName
        self.ownerID = ownerID
        self.region = region
    }
}

/// One installment of a payment plan as the events carry it.
public struct InstallmentSnapshot: Codable, Sendable, Equatable {
    public var installmentID: String
    /// 1-based position in the plan.
    public var sequence: Int
    public var label: String
    public var amountFen: Fen
    /// `YYYY-MM-DD` (Asia/Shanghai); `nil` while it waits for the delivery it is due on.
    public var dueOn: String?

    enum CodingKeys: String, CodingKey {
        case sequence, label, amountFen, dueOn
        case installmentID = "installmentId"
    }

    public init(installmentID: String, sequence: Int, label: String, amountFen: Fen, dueOn: String?) {
        self.installmentID = installmentID
        self.sequence = sequence
        self.label = label
        self.amountFen = amountFen
        self.dueOn = dueOn
    }
}

/// `payment_plan.changed`: a signed contract's payment plan was proposed, edited, or an installment got its date from
/// the delivery. Carries the whole plan; the installments sum exactly to `amountFen`.
public struct PaymentPlanChanged: ContractEvent, Equatable {
    public static let eventType = "payment_plan.changed"
    public var party: ContractParty
    public var amountFen: Fen
    public var signedAt: Date
    public var installments: [InstallmentSnapshot]
    public var at: Date

    public init(party: ContractParty, amountFen: Fen, signedAt: Date, installments: [InstallmentSnapshot], at: Date) {
        self.party = party
        self.amountFen = amountFen
        self.signedAt = signedAt
        self.installments = installments
        self.at = at
    }
}

/// `receipt.recorded`: finance recorded money received against a contract, allocated to its installments.
public struct ReceiptRecorded: ContractEvent, Equatable {
    public static let eventType = "receipt.recorded"

    /// The part of a receipt applied to one installment.
    public struct Allocation: Codable, Sendable, Equatable {
        public var installmentID: String
        public var amountFen: Fen

        enum CodingKeys: String, CodingKey {
            case amountFen
            case installmentID = "installmentId"
        }

        public init(installmentID: String, amountFen: Fen) {
            self.installmentID = installmentID
            self.amountFen = amountFen
        }
    }

    public var receiptID: String
    public var party: ContractParty
    public var amountFen: Fen
    /// `YYYY-MM-DD` (Asia/Shanghai), the day the money arrived.
    public var receivedOn: String
    /// `bank_transfer`, `acceptance_bill` (承兑汇票), `cash`, `other`.
    public var method: String
    public var allocations: [Allocation]
    /// What is still to collect on the contract after this receipt.
    public var outstandingFen: Fen
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case party, amountFen, receivedOn, method, allocations, outstandingFen, at
        case receiptID = "receiptId"
    }

    public init(
        receiptID: String,
        party: ContractParty,
        amountFen: Fen,
        receivedOn: String,
        method: String,
        allocations: [Allocation],
        outstandingFen: Fen,
        at: Date
    ) {
        self.receiptID = receiptID
        self.party = party
        self.amountFen = amountFen
        self.receivedOn = receivedOn
        self.method = method
        self.allocations = allocations
        self.outstandingFen = outstandingFen
        self.at = at
    }
}

/// `receipt.reversed`: a receipt was reversed (never edited); its allocations no longer count.
public struct ReceiptReversed: ContractEvent, Equatable {
    public static let eventType = "receipt.reversed"
    public var receiptID: String
    public var party: ContractParty
    public var amountFen: Fen
    public var reason: String
    public var byUserID: String
    public var outstandingFen: Fen
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case party, amountFen, reason, outstandingFen, at
        case receiptID = "receiptId"
        case byUserID = "byUserId"
    }

    public init(receiptID: String, party: ContractParty, amountFen: Fen, reason: String, byUserID: String, outstandingFen: Fen, at: Date) {
        self.receiptID = receiptID
        self.party = party
        self.amountFen = amountFen
        self.reason = reason
        self.byUserID = byUserID
        self.outstandingFen = outstandingFen
        self.at = at
    }
}

/// `installment.written_off`: finance wrote off what was left of an installment (坏账核销); it is no longer due.
public struct InstallmentWrittenOff: ContractEvent, Equatable {
    public static let eventType = "installment.written_off"
    public var installmentID: String
    public var party: ContractParty
    public var amountFen: Fen
    public var reason: String
    public var byUserID: String
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case party, amountFen, reason, at
        case installmentID = "installmentId"
        case byUserID = "byUserId"
    }

    public init(installmentID: String, party: ContractParty, amountFen: Fen, reason: String, byUserID: String, at: Date) {
        self.installmentID = installmentID
        self.party = party
        self.amountFen = amountFen
        self.reason = reason
        self.byUserID = byUserID
        self.at = at
    }
}

/// `payment.overdue`: an installment is past due with money outstanding. Published by the working-day 09:00
/// (Asia/Shanghai) check at most once per installment per threshold: `thresholdDays` 1 (overdue, tell the owner) and
/// 16 (more than 15 days late, tell their supervisor too).
public struct PaymentOverdue: ContractEvent, Equatable {
    public static let eventType = "payment.overdue"
    public var installmentID: String
    public var party: ContractParty
    public var label: String
    /// `YYYY-MM-DD`.
    public var dueOn: String
    public var outstandingFen: Fen
    public var daysOverdue: Int
    public var thresholdDays: Int
    public var at: Date
    /// The contract's number (`HT-2026-0001`), for the message; absent from events published before it was added.
    public var contractNumber: String?
    /// The installment's 1-based position in the plan (第N期), for the message; absent like ``contractNumber``.
    public var sequence: Int?

    enum CodingKeys: String, CodingKey {
        case party, label, dueOn, outstandingFen, daysOverdue, thresholdDays, at, contractNumber, sequence
        case installmentID = "installmentId"
    }

    public init(
        installmentID: String,
        party: ContractParty,
        label: String,
        dueOn: String,
        outstandingFen: Fen,
        daysOverdue: Int,
        thresholdDays: Int,
        at: Date,
        contractNumber: String? = nil,
        sequence: Int? = nil
    ) {
        self.installmentID = installmentID
        self.party = party
        self.label = label
        self.dueOn = dueOn
        self.outstandingFen = outstandingFen
        self.daysOverdue = daysOverdue
        self.thresholdDays = thresholdDays
        self.at = at
        self.contractNumber = contractNumber
        self.sequence = sequence
    }
}
