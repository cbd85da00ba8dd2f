import Contracts

/// The sales funnel: how many deals reached each stage of `lead → qualified → quoted → contract → won`.
///
/// **Definition.** A deal counts at a stage when it ever reached that stage *or any later one*, so the counts never
/// grow down the funnel even when a deal skipped a stage, went back on an explicit reopen, or was lost later. Every
/// deal counts as a lead. `contract` is the pipeline stage `contract`. A deal is **won** when one of its contracts was
/// signed (`contract.signed`) or it reached `delivered` or `paid`; `lost` adds nothing beyond the stages reached
/// before it. Each stage's conversion is its count as a share of the previous stage's.
struct Funnel: Sendable, Equatable {
    /// A funnel stage, in order.
    enum Stage: String, CaseIterable, Sendable {
        case lead, qualified, quoted, contract, won
    }

    /// Deals per stage, in ``Stage`` order.
    private(set) var counts: [Int] = Array(repeating: 0, count: Stage.allCases.count)

    /// The deepest funnel stage a deal reached.
    /// - Parameters:
    ///   - reached: every pipeline stage the deal was ever in.
    ///   - signed: whether a contract of the deal was signed.
    static func deepestStage(reached: Set<DealStage>, signed: Bool) -> Stage {
        if signed || reached.contains(.delivered) || reached.contains(.paid) { return .won }
        if reached.contains(.contract) { return .contract }
        if reached.contains(.quoted) { return .quoted }
        if reached.contains(.qualified) { return .qualified }
        return .lead
    }

    /// Counts `count` deals (one unless given) at their deepest stage and every stage before it.
    mutating func add(deepest: Stage, count: Int = 1) {
        guard let depth = Stage.allCases.firstIndex(of: deepest) else { return }
        for index in 0...depth { counts[index] += count }
    }

    /// The deals at a stage.
    func count(_ stage: Stage) -> Int {
        Stage.allCases.firstIndex(of: stage).map { counts[$0] } ?? 0
    }

    /// A stage's count as a percent of the previous stage's (`"100.00"` for `lead`, the base); `nil` when the
    /// previous stage has no deals.
    func conversionFromPrevious(_ stage: Stage) -> String? {
        guard let index = Stage.allCases.firstIndex(of: stage) else { return nil }
        guard index > 0 else { return "100.00" }
        return Ratio.percent(Int64(counts[index]), of: Int64(counts[index - 1]))
    }
}
