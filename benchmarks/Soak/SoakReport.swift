import Foundation

/// What a soak did and found: the requests per phase, each fault's recovery and the loss checks.
public struct SoakReport: Sendable {
    /// Seconds the workload ran.
    public var seconds: Double
    /// The requests of each phase, in the order the phases began.
    public var phases: [(phase: String, tally: SoakStats.Tally)]
    public var faults: [SoakFault]
    public var checks: [SoakCheck]
    /// What the gateway accepted.
    public var accepted: (customers: Int, deals: Int, contracts: Int, submitted: Int, decisions: Int)
    /// Approvals by status at the end.
    public var approvals: String
    /// WeCom pushes the stand-in accepted.
    public var pushes: Int
    /// Repeats of a push made but not recorded (a sender killed, an answer after the timeout) that WeCom's duplicate
    /// check dropped (ADR 0013).
    public var repeatsDropped: Int
    /// Writes refused for good (a 4xx), with a sample.
    public var refusals: (count: Int, sample: [String])
    /// Whether the system drained (nothing in flight) before the checks.
    public var drained: Bool

    /// The checks of one column.
    public func checks(_ column: String) -> [SoakCheck] { checks.filter { $0.column == column } }

    /// The total of one column: 0 is the only good answer.
    public func total(_ column: String) -> Int { checks(column).reduce(0) { $0 + $1.count } }

    /// Requests over every phase.
    public var requests: Int { phases.reduce(0) { $0 + $1.tally.requests } }

    /// The report as markdown tables.
    public var markdown: String {
        var lines: [String] = []
        let errors = phases.reduce(0) { $0 + $1.tally.errors }
        lines.append(
            "Requests served: **\(requests - errors)** of \(requests) in \(Int(seconds)) s (\(String(format: "%.1f", Double(requests) / max(seconds, 1))) req/s); "
                + "accepted: \(accepted.customers) customers, \(accepted.deals) deals, \(accepted.contracts) contracts, "
                + "\(accepted.submitted) submitted, \(accepted.decisions) approval decisions; approvals at the end: \(approvals); "
                + "WeCom pushes received: \(pushes) (repeats WeCom's duplicate check dropped: \(repeatsDropped)); writes refused for good (4xx): \(refusals.count)."
        )
        lines.append("")
        lines.append("| phase | requests | errors | error rate | answers |")
        lines.append("|---|---|---|---|---|")
        for (phase, tally) in phases {
            let rate = tally.requests == 0 ? "—" : String(format: "%.1f %%", 100 * Double(tally.errors) / Double(tally.requests))
            let answers = tally.statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "none" : String($0.key)): \($0.value)" }
                .joined(separator: ", ")
            lines.append("| \(phase) | \(tally.requests) | \(tally.errors) | \(rate) | \(answers) |")
        }
        lines.append("")
        lines.append("| fault | at | time to recover |")
        lines.append("|---|---|---|")
        for fault in faults {
            let recovery = fault.recovery.map { String(format: "%.1f s", $0) } ?? "**never**"
            lines.append("| \(fault.name) | \(String(format: "%.0f s", fault.at)) | \(recovery) |")
        }
        lines.append("")
        lines.append("| check (against the database, the broker and the WeCom stand-in) | count |")
        lines.append("|---|---|")
        if !drained { lines.append("| **the system did not drain before the checks** | — |") }
        for check in checks {
            let detail = check.count == 0 || check.detail.isEmpty ? "" : " (\(check.detail))"
            lines.append("| \(check.column): \(check.name) | \(check.count == 0 ? "0" : "**\(check.count)**")\(detail) |")
        }
        if !refusals.sample.isEmpty {
            lines.append("")
            lines.append("Writes refused (sample): " + refusals.sample.prefix(5).joined(separator: " · "))
        }
        return lines.joined(separator: "\n")
    }
}
