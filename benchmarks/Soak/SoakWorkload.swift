import Foundation
import Synchronization
import TestSupport

/// Everything the gateway answered 2xx for during the soak: what the checker then looks for in the database.
public final class SoakLedger: Sendable {
    struct State {
        var customers: [String: String] = [:]
        var deals: [String: String] = [:]
        var contracts: [String: String] = [:]
        var submitted: Set<String> = []
        /// (approval id, approver user id) of every approval answered 2xx.
        var decisions: [(approval: String, approver: String)] = []
    }

    let state = Mutex(State())

    /// Creates an empty ledger.
    public init() {}

    func customer(_ id: String, name: String) { state.withLock { $0.customers[id.lowercased()] = name } }
    func deal(_ id: String, title: String) { state.withLock { $0.deals[id.lowercased()] = title } }
    func contract(_ id: String, quote: String) { state.withLock { $0.contracts[id.lowercased()] = quote.lowercased() } }
    func submitted(_ contract: String) { _ = state.withLock { $0.submitted.insert(contract.lowercased()) } }
    func decided(_ approval: String, by approver: String) { state.withLock { $0.decisions.append((approval.lowercased(), approver.lowercased())) } }

    /// How many of each the gateway accepted.
    public var counts: (customers: Int, deals: Int, contracts: Int, submitted: Int, decisions: Int) {
        state.withLock { ($0.customers.count, $0.deals.count, $0.contracts.count, $0.submitted.count, $0.decisions.count) }
    }
}

/// Tells the workload's actors to finish.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// The mixed workload: reps browse and search, create customers and deals, and take deals through quote and contract
/// to submission; the approvers work through their queues (the approval saga); a manager reads the reports.
struct SoakWorkload: Sendable {
    let client: SoakClient
    let ledger: SoakLedger
    let reps: [SoakUser]
    let approvers: [SoakUser]
    let reader: SoakUser
    let region: String
    let productID: String
    /// Names and keys of this run (a soak may run twice on one system).
    let tag: String
    let stop: StopFlag

    private var stopped: Bool { stop.isSet }

    /// Runs every actor until ``stop`` is set; returns when each has finished what it was doing.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for (index, rep) in reps.enumerated() { group.addTask { await repLoop(rep, index: index) } }
            for approver in approvers { group.addTask { await approverLoop(approver) } }
            group.addTask { await readerLoop() }
        }
    }

    private static func pause(_ milliseconds: Int) async { try? await Task.sleep(for: .milliseconds(milliseconds)) }

    private func repLoop(_ rep: SoakUser, index: Int) async {
        var customers: [String] = []
        var openDeals: [String] = []
        var counter = 0
        while !stopped {
            counter += 1
            let serial = "\(tag)-\(index)-\(counter)"
            switch Int.random(in: 0..<100) {
            case 0..<25:
                _ = await client.read("/api/v1/customers?limit=20", as: rep)
                if let id = customers.randomElement() { _ = await client.read("/api/v1/customers/\(id)", as: rep) }
            case 25..<35:
                let fragment = ["精工", "机械", "\(tag)", "紧固"].randomElement()!
                let query = fragment.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? fragment
                _ = await client.read("/api/v1/customers?q=\(query)&limit=20", as: rep)
            case 35..<45:
                _ = await client.read("/api/v1/deals?limit=20", as: rep)
            case 45..<65 where customers.count < 3 || Int.random(in: 0..<2) == 0:
                let name = "浸泡精工\(serial)"
                let phone = "15\(index % 10)\(String(format: "%08d", counter))"
                if let created = await client.write(
                    "POST",
                    "/api/v1/customers",
                    as: rep,
                    json: ["name": name, "region": region, "industry": "machinery", "contacts": [["name": "王经理", "phone": phone]]],
                    key: "customer-\(serial)"
                ), let id = created["id"] as? String {
                    ledger.customer(id, name: name)
                    customers.append(id)
                }
            case 45..<80:
                guard let customer = customers.randomElement() else { continue }
                let title = "年度采购 \(serial)"
                if let deal = await client.write(
                    "POST",
                    "/api/v1/deals",
                    as: rep,
                    json: ["customerId": customer, "title": title, "expectedAmountFen": 8_000_000, "expectedCloseDate": "2026-12-31"],
                    key: "deal-\(serial)"
                ), let id = deal["id"] as? String {
                    ledger.deal(id, title: title)
                    openDeals.append(id)
                }
            default:
                guard !openDeals.isEmpty else { continue }
                await contractSaga(rep, deal: openDeals.removeFirst(), serial: serial)
            }
            await Self.pause(100)
        }
    }

    /// A deal through qualification, a quote and a contract, to its submission for approval.
    private func contractSaga(_ rep: SoakUser, deal: String, serial: String) async {
        guard await client.write("POST", "/api/v1/deals/\(deal)/stage", as: rep, json: ["stage": "qualified"], key: "stage-\(serial)") != nil
        else { return }
        // 20 × 1,000 CNY goes to the supervisor alone; 80 × 1,000 CNY (over 50,000) to three levels.
        let quantity = Bool.random() ? 20 : 80
        guard
            let quote = await client.write(
                "POST",
                "/api/v1/deals/\(deal)/quotes",
                as: rep,
                json: ["lines": [["productId": productID, "quantity": quantity]]],
                key: "quote-\(serial)"
            ), let quoteID = quote["id"] as? String
        else { return }
        guard let contract = await client.write("POST", "/api/v1/contracts", as: rep, json: ["quoteId": quoteID], key: "contract-\(serial)"),
            let contractID = contract["id"] as? String
        else { return }
        ledger.contract(contractID, quote: quoteID)
        if await client.write("POST", "/api/v1/contracts/\(contractID)/submit", as: rep, key: "submit-\(serial)") != nil {
            ledger.submitted(contractID)
        }
    }

    private func approverLoop(_ approver: SoakUser) async {
        while !stopped {
            let pending = await client.read("/api/v1/approvals?status=pending&limit=50", as: approver)
            let ids = (pending?["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            for id in ids {
                guard !stopped else { break }
                if await client.write(
                    "POST",
                    "/api/v1/approvals/\(id)/approve",
                    as: approver,
                    json: ["comment": "同意"],
                    key: "approve-\(tag)-\(id)-\(approver.name)"
                ) != nil {
                    ledger.decided(id, by: approver.id)
                }
            }
            await Self.pause(ids.isEmpty ? 500 : 100)
        }
    }

    private func readerLoop() async {
        let reports = ["summary", "funnel", "approval-times", "top-reps", "product-line-margins"]
        while !stopped {
            for report in reports where !stopped {
                _ = await client.read("/api/v1/reports/\(report)", as: reader)
                await Self.pause(200)
            }
        }
    }
}
