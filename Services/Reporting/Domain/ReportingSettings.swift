public import ServiceRuntime

/// Reporting's configuration for issue 11.
public struct ReportingSettings: Sendable, Equatable {
    /// The annual cost of money in basis points (`COST_OF_MONEY_ANNUAL_BP`, default 600 = 6 %).
    public var annualRateBp: Int64
    /// How many days before an expected order (or a contract's end) the owner is reminded (`REPURCHASE_REMIND_DAYS`,
    /// default 7).
    public var remindDays: Int

    public init(annualRateBp: Int64 = 600, remindDays: Int = 7) {
        self.annualRateBp = annualRateBp
        self.remindDays = remindDays
    }

    /// Reads `cost.of.money.annual.bp` (0–10 000) and `repurchase.remind.days` (0–365).
    public init(_ configuration: ServiceConfiguration) throws {
        self.init(
            annualRateBp: Int64(try configuration.int("cost.of.money.annual.bp", default: 600, in: 0...10_000)),
            remindDays: try configuration.int("repurchase.remind.days", default: 7, in: 0...365)
        )
    }
}
