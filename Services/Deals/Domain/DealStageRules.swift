public import Contracts
import Foundation

/// The pipeline's stage rules, free of I/O.
///
/// - Forward one step at a time: lead → qualified → quoted → contract → delivered → paid.
/// - `quoted` needs at least one quote version; `contract` needs a signed contract (the "accepted quote": a contract
///   made from the deal's current version, approved and signed). Signing moves an earlier deal straight to `contract`.
/// - `lost`, with a reason, from any open stage (everything but `paid` and `lost`).
/// - No going back, except the explicit reopen of a lost deal to the stage it was lost from.
public enum DealStageRules {
    /// What the rules need to know about a deal besides its stage.
    public struct Facts: Sendable, Equatable {
        public var hasQuote: Bool
        public var hasSignedContract: Bool

        public init(hasQuote: Bool, hasSignedContract: Bool) {
            self.hasQuote = hasQuote
            self.hasSignedContract = hasSignedContract
        }
    }

    /// A requested move, as `deals.changeStage` names it.
    public enum Move: Sendable, Equatable {
        case to(DealStage)
        case reopen
    }

    /// The body of `deals.changeStage`: `{"stage": "<stage>" | "reopen", "lostReason": "…"}`.
    public struct Request: Sendable, Decodable, Equatable {
        public var stage: String?
        public var lostReason: String?
    }

    /// The pipeline order of the open and won stages.
    public static let order: [DealStage] = [.lead, .qualified, .quoted, .contract, .delivered, .paid]

    /// The stages a deal no longer moves from: won and paid, or lost.
    public static let closedStages: [DealStage] = [.paid, .lost]

    /// ``closedStages`` by name, for SQL: `stage <> ALL(\(DealStageRules.closedStageNames))` is "the deal is open".
    public static var closedStageNames: [String] { closedStages.map(\.rawValue) }

    /// Whether a deal in this stage can still move (not won-and-paid, not lost).
    public static func isOpen(_ stage: DealStage) -> Bool { !closedStages.contains(stage) }

    /// The result of a valid move.
    public struct Outcome: Sendable, Equatable {
        public var to: DealStage
        public var lostReason: String?
        public var lostFromStage: DealStage?
    }

    /// Parses the request body into a move.
    public static func move(_ request: Request) throws(Problem) -> Move {
        guard let text = request.stage, !text.isEmpty else { throw Problem.validation([.init(field: "stage", message: "is required")]) }
        if text == "reopen" { return .reopen }
        guard let stage = DealStage(rawValue: text) else {
            let names = DealStage.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem.validation([.init(field: "stage", message: "must be one of \(names), reopen")])
        }
        return .to(stage)
    }

    /// Checks a move from `current`; an illegal one is a 409 (it conflicts with the deal's state), a missing reason
    /// a 422.
    public static func apply(
        _ move: Move,
        from current: DealStage,
        lostFrom: DealStage?,
        lostReason: String?,
        facts: Facts
    ) throws(Problem) -> Outcome {
        switch move {
        case .reopen:
            guard current == .lost, let target = lostFrom else {
                throw Problem.conflict("Only a lost deal can be reopened; this one is \(current.rawValue).")
            }
            return Outcome(to: target, lostReason: nil, lostFromStage: nil)
        case .to(.lost):
            guard isOpen(current) else { throw Problem.conflict("A \(current.rawValue) deal cannot be marked lost.") }
            let reason = lostReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !reason.isEmpty, reason.count <= 500 else {
                throw Problem.validation([.init(field: "lostReason", message: "is required (1–500 characters) when a deal is lost")])
            }
            return Outcome(to: .lost, lostReason: reason, lostFromStage: current)
        case .to(let target):
            guard isOpen(current) else {
                let hint = current == .lost ? " Reopen it first." : ""
                throw Problem.conflict("The deal is \(current.rawValue) and cannot move to \(target.rawValue).\(hint)")
            }
            guard let from = order.firstIndex(of: current), let to = order.firstIndex(of: target), to == from + 1 else {
                throw Problem.conflict(
                    "A \(current.rawValue) deal can move only to \(next(after: current).map(\.rawValue) ?? "nothing") or lost, not \(target.rawValue)."
                )
            }
            if target == .quoted, !facts.hasQuote { throw Problem.conflict("A deal becomes quoted with its first quote version; create one.") }
            if target == .contract, !facts.hasSignedContract {
                throw Problem.conflict("A deal reaches the contract stage when a contract from its current quote is signed.")
            }
            return Outcome(to: target, lostReason: nil, lostFromStage: nil)
        }
    }

    /// The stage after `stage` in the pipeline.
    public static func next(after stage: DealStage) -> DealStage? {
        guard let index = order.firstIndex(of: stage), index + 1 < order.count else { return nil }
        return order[index + 1]
    }

    /// Where a deal goes when one of its contracts is signed: to `contract` from any earlier open stage, else it stays.
    public static func afterSigning(_ stage: DealStage) -> DealStage? {
        [.lead, .qualified, .quoted].contains(stage) ? .contract : nil
    }

    /// Where a deal goes when a quote version is created: a qualified deal becomes quoted (a deal quoted while still a
    /// lead waits for its qualification, then moves on by hand).
    public static func afterQuote(_ stage: DealStage) -> DealStage? {
        stage == .qualified ? .quoted : nil
    }
}
