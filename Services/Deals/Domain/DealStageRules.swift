public import Contracts
import Foundation

/// The pipeline's stage rules, free of I/O.
///
/// - Forward one step at a time: lead → qualified → quoted → contract → delivered → paid.
/// - `quoted` needs at least one quote version; `contract` needs a signed contract (the "accepted quote": a contract
///   made from the deal's current version, approved and signed). Signing moves an earlier deal straight to `contract`.
/// - `lost`, with a reason, from any open stage (everything but `paid` and `lost`).
/// - No going back, except the explicit reopen of a lost deal to the stage it was lost from.
/// - `delivered` and `paid` are never moved to by hand: the shipment that completes the signed contract's delivery
///   moves the deal to `delivered`, and a delivered deal whose contract is fully collected moves on to `paid`
///   (``automaticMoves(from:delivered:collected:)``).
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

    /// The stages only the system moves a deal to: the delivery and the collection of its signed contract decide them.
    public static let automaticStages: [DealStage] = [.delivered, .paid]

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
        case .to(let target) where automaticStages.contains(target):
            throw Problem.conflict(
                target == .delivered
                    ? "发货完成后自动进入已交付: a deal becomes delivered by itself when its signed contract is fully shipped."
                    : "交付且回款完成后自动进入已回款: a deal becomes paid by itself when it is delivered and its contract fully collected."
            )
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

    /// The moves the system makes by itself, in order, once the signed contract is `delivered` (everything shipped)
    /// and/or `collected` (nothing outstanding): a contract-stage deal becomes delivered when delivered, and a delivered
    /// deal becomes paid when also collected; whichever happens last moves it, so a prepaid contract goes
    /// contract → delivered → paid in one step. A lost or earlier deal does not move.
    public static func automaticMoves(from stage: DealStage, delivered: Bool, collected: Bool) -> [DealStage] {
        var moves: [DealStage] = []
        var current = stage
        if current == .contract, delivered {
            moves.append(.delivered)
            current = .delivered
        }
        if current == .delivered, delivered, collected { moves.append(.paid) }
        return moves
    }

    /// Where a deal goes when a quote version is created: a qualified deal becomes quoted (a deal quoted while still a
    /// lead waits for its qualification, then moves on by hand).
    public static func afterQuote(_ stage: DealStage) -> DealStage? {
        stage == .qualified ? .quoted : nil
    }
}
