public import Contracts
public import Foundation
public import ServiceRuntime

/// Data completeness (数据完整率): how much of what matters about a customer we know.
///
/// Seven criteria, each met or missing, with integer weights from configuration. A customer's score in basis points
/// (0–10000) is Σ weight of the met criteria × 10000 ÷ Σ weights, rounded half away from zero (``Contracts/Ratio``).
/// A field is *filled* when it is set and not empty (the customer rules store trimmed text and `nil` for blanks).
///
/// | criterion | met when |
/// |---|---|
/// | `creditCode` | the credit code (统一社会信用代码) is filled |
/// | `address` | the address is filled |
/// | `industry` | the industry is filled |
/// | `level` | the customer is graded (A/B/C) |
/// | `contactTitle` | at least one contact has a filled title |
/// | `location` | the customer has a location |
/// | `recentVisit` | someone checked in there within the last 90 days (90 × 24 h before now, exclusive) |
///
/// This file holds the rule twice, once for one customer in Swift (``score(_:weights:now:)``) and once as SQL for lists
/// and aggregates over many (``scoreSQL(weights:)``, ``missingSQL``); `CompletenessTests` checks they agree on a table
/// of cases.
public enum Completeness {
    /// The target line: 95%.
    public static let targetBp: Int64 = 9_500

    /// How far back a visit still counts as recent.
    public static let recentVisitDays = 90

    /// One thing a complete customer record has.
    public enum Criterion: String, CaseIterable, Sendable, Codable {
        case creditCode, address, industry, level, contactTitle, location, recentVisit

        /// The criterion's bit in a mask of criteria met: 1, 2, 4, … in the order of `allCases` (creditCode 1 …
        /// location 32, recentVisit 64), as customers migration 0012's `completeness_met` stores the first six.
        public var bit: Int {
            switch self {
            case .creditCode: 1
            case .address: 2
            case .industry: 4
            case .level: 8
            case .contactTitle: 16
            case .location: 32
            case .recentVisit: 64
            }
        }
    }

    /// The bits of the criteria that depend only on the customer's row (all but ``Criterion/recentVisit``).
    public static let storedCriteriaMask = Criterion.recentVisit.bit - 1

    /// The weight of each criterion: all seven, each a positive integer.
    public struct Weights: Sendable, Equatable {
        public private(set) var values: [Criterion: Int]

        /// The default: creditCode 20, address 10, industry 10, level 10, contactTitle 15, location 15, recentVisit 20.
        public static let `default` = Weights(
            checked: [.creditCode: 20, .address: 10, .industry: 10, .level: 10, .contactTitle: 15, .location: 15, .recentVisit: 20]
        )

        private init(checked values: [Criterion: Int]) {
            self.values = values
        }

        /// Parses `creditCode=20,address=10,…`: every criterion exactly once, each weight a whole number 1…1000.
        /// - Throws: a message saying what is wrong (an unknown name, a missing or repeated one, a bad weight).
        public init(parsing text: String) throws(WeightsError) {
            var values: [Criterion: Int] = [:]
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = pair[0].trimmingCharacters(in: .whitespaces)
                guard pair.count == 2 else { throw WeightsError("'\(part)' is not name=weight") }
                guard let criterion = Criterion(rawValue: name) else {
                    throw WeightsError("'\(name)' is not a criterion (\(Criterion.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard values[criterion] == nil else { throw WeightsError("'\(name)' is given twice") }
                let weightText = pair[1].trimmingCharacters(in: .whitespaces)
                guard let weight = Int(weightText), (1...1_000).contains(weight) else {
                    throw WeightsError("the weight of \(name), '\(weightText)', is not a whole number from 1 to 1000")
                }
                values[criterion] = weight
            }
            let absent = Criterion.allCases.filter { values[$0] == nil }
            guard absent.isEmpty else { throw WeightsError("no weight for \(absent.map(\.rawValue).joined(separator: ", "))") }
            self.init(checked: values)
        }

        /// The weights of configuration key `completeness.weights` (env `COMPLETENESS_WEIGHTS`), or the default.
        /// - Throws: a ``ServiceRuntime/ConfigurationError`` naming the key, so a bad value stops the service at start.
        public init(_ configuration: ServiceConfiguration) throws(ConfigurationError) {
            guard let text = configuration.optional(Self.configurationKey) else {
                self = .default
                return
            }
            do throws(WeightsError) {
                self = try Weights(parsing: text)
            } catch {
                throw ConfigurationError(key: Self.configurationKey, reason: error.message)
            }
        }

        /// `completeness.weights`.
        public static let configurationKey = "completeness.weights"

        /// The weight of one criterion.
        public subscript(criterion: Criterion) -> Int { values[criterion] ?? 0 }

        /// Σ weights.
        public var total: Int { Criterion.allCases.reduce(0) { $0 + self[$1] } }
    }

    /// A weights string that cannot be used.
    public struct WeightsError: Error, Sendable, CustomStringConvertible {
        public let message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// What the rule looks at for one customer.
    public struct Facts: Sendable, Equatable {
        public var creditCode: String?
        public var address: String?
        public var industry: String?
        /// `A`, `B`, `C`, or `nil` when not graded.
        public var level: String?
        /// The titles of the customer's contacts (`nil` where a contact has none).
        public var contactTitles: [String?]
        public var hasLocation: Bool
        /// The latest check-in at the customer, `nil` when nobody visited.
        public var lastVisitAt: Date?

        public init(
            creditCode: String? = nil,
            address: String? = nil,
            industry: String? = nil,
            level: String? = nil,
            contactTitles: [String?] = [],
            hasLocation: Bool = false,
            lastVisitAt: Date? = nil
        ) {
            self.creditCode = creditCode
            self.address = address
            self.industry = industry
            self.level = level
            self.contactTitles = contactTitles
            self.hasLocation = hasLocation
            self.lastVisitAt = lastVisitAt
        }
    }

    /// A customer's score and what it lacks.
    public struct Score: Sendable, Equatable, Codable {
        /// 0–10000.
        public var scoreBp: Int64
        /// The criteria not met, in the order of ``Criterion/allCases``.
        public var missing: [Criterion]

        public init(scoreBp: Int64, missing: [Criterion]) {
            self.scoreBp = scoreBp
            self.missing = missing
        }
    }

    /// The earliest check-in that is still recent at `now` (exclusive).
    public static func recentVisitCutoff(now: Date) -> Date {
        now.addingTimeInterval(-Double(recentVisitDays * 86_400))
    }

    /// Whether one criterion is met.
    public static func isMet(_ criterion: Criterion, _ facts: Facts, now: Date) -> Bool {
        switch criterion {
        case .creditCode: filled(facts.creditCode)
        case .address: filled(facts.address)
        case .industry: filled(facts.industry)
        case .level: filled(facts.level)
        case .contactTitle: facts.contactTitles.contains { filled($0) }
        case .location: facts.hasLocation
        case .recentVisit: facts.lastVisitAt.map { $0 > recentVisitCutoff(now: now) } ?? false
        }
    }

    /// One customer's score.
    public static func score(_ facts: Facts, weights: Weights, now: Date) -> Score {
        score(met: met(facts, now: now), weights: weights)
    }

    /// The criteria met as a bit mask (``Criterion/bit``): what customers migration 0012 stores in
    /// `customers.completeness_met` for the six criteria of the row, plus `recentVisit` at `now`.
    public static func met(_ facts: Facts, now: Date) -> Int {
        Criterion.allCases.reduce(0) { $0 | (isMet($1, facts, now: now) ? $1.bit : 0) }
    }

    /// The score of a customer meeting the criteria of bit mask `met`.
    public static func score(met mask: Int, weights: Weights) -> Score {
        var met = 0
        var missing: [Criterion] = []
        for criterion in Criterion.allCases {
            if mask & criterion.bit != 0 { met += weights[criterion] } else { missing.append(criterion) }
        }
        return Score(scoreBp: basisPoints(met: met, total: weights.total), missing: missing)
    }

    /// Σ met weights ÷ Σ weights in basis points, rounded half away from zero.
    static func basisPoints(met: Int, total: Int) -> Int64 {
        Ratio.basisPoints(Int128(met), of: Int128(total)) ?? 0
    }

    /// The average of `count` scores summing to `sum`, rounded half away from zero; `nil` over no customers.
    public static func average(sum: Int64, count: Int) -> Int64? {
        guard count > 0 else { return nil }
        return Int64(Ratio.divideRoundingHalfAwayFromZero(Int128(sum), by: Int128(count)))
    }

    private static func filled(_ text: String?) -> Bool {
        guard let text else { return false }
        return !text.isEmpty
    }

    // MARK: The same rule in SQL

    /// Each criterion as an SQL condition over a row `c` with the customer's columns (`credit_code`, `address`,
    /// `industry`, `level`, `contacts` jsonb, `latitude`) and a boolean `recent_visit`, which the query computes as
    /// "a visit with `checked_in_at` after ``recentVisitCutoff(now:)``", bound as a parameter. A contact's title counts
    /// when it is a non-empty string (`->>` reads a JSON `null` as SQL `NULL`, which is not `<> ''`).
    static func condition(_ criterion: Criterion) -> String {
        switch criterion {
        case .creditCode: "coalesce(c.credit_code, '') <> ''"
        case .address: "coalesce(c.address, '') <> ''"
        case .industry: "coalesce(c.industry, '') <> ''"
        case .level: "coalesce(c.level, '') <> ''"
        case .contactTitle: "EXISTS (SELECT 1 FROM jsonb_array_elements(c.contacts) AS contact WHERE contact ->> 'title' <> '')"
        case .location: "c.latitude IS NOT NULL"
        case .recentVisit: "c.recent_visit"
        }
    }

    /// The boolean column a query names the result of a criterion's condition: `met_creditcode`, ….
    static func metColumn(_ criterion: Criterion) -> String { "met_\(criterion.rawValue.lowercased())" }

    /// Every criterion's condition as a column (`… AS met_creditcode, …`), for a select list over the row `c`. Evaluate
    /// it once (a `MATERIALIZED` CTE): ``scoreSQL(weights:)`` and ``missingSQL`` read the columns.
    public static var metColumnsSQL: String {
        Criterion.allCases.map { "\(condition($0)) AS \(metColumn($0))" }.joined(separator: ", ")
    }

    /// Every criterion as a `met_…` column read from an SQL integer bit mask (``Criterion/bit``), for the same
    /// ``scoreSQL(weights:)`` and ``missingSQL``.
    public static func metColumnsSQL(mask: String) -> String {
        Criterion.allCases.map { "((\(mask)) & \($0.bit)) <> 0 AS \(metColumn($0))" }.joined(separator: ", ")
    }

    /// The score in basis points as an SQL `bigint` over the columns of ``metColumnsSQL``: the weights are validated
    /// integers, written as literals; `(met × 20000 + total) ÷ (2 × total)` is ``basisPoints(met:total:)``'s rounding
    /// (half away from zero) for non-negative parts.
    public static func scoreSQL(weights: Weights) -> String {
        let met = Criterion.allCases.map { "(CASE WHEN \(metColumn($0)) THEN \(weights[$0]) ELSE 0 END)" }.joined(separator: " + ")
        let total = weights.total
        return "(((\(met)) * 20000 + \(total)) / \(2 * total))::bigint"
    }

    /// The missing criteria as an SQL `text[]` over the columns of ``metColumnsSQL``, in the order of
    /// ``Criterion/allCases``.
    public static var missingSQL: String {
        let items = Criterion.allCases.map { "CASE WHEN \(metColumn($0)) THEN NULL ELSE '\($0.rawValue)' END" }.joined(separator: ", ")
        return "array_remove(ARRAY[\(items)]::text[], NULL)"
    }
}
