import Contracts

/// The median of approval durations from the histogram of reporting migration 0014, whose buckets are 1/100 working
/// day (`round(working_days × 100)`).
///
/// The median is that of the bucket values, as `percentile_cont(0.5)` took it of the exact durations: the middle
/// value, or for an even count the mean of the two middle ones. It is exact to 0.01 working day, the precision the
/// reports show; the two middle values may each be off by up to half a hundredth.
enum ApprovalHistogram {
    struct Bucket: Sendable, Equatable {
        /// The duration rounded to hundredths of a working day.
        var centiDays: Int
        var count: Int64
    }

    /// The median in working days, or `nil` for no approvals. Buckets may come in any order and repeat a value.
    static func median(_ buckets: [Bucket]) -> Double? {
        let sorted = buckets.filter { $0.count > 0 }.sorted { $0.centiDays < $1.centiDays }
        let total = sorted.reduce(Int64(0)) { $0 + $1.count }
        guard total > 0 else { return nil }
        // The value at 0-based position `index` of the sorted durations.
        func value(at index: Int64) -> Int {
            var seen: Int64 = 0
            for bucket in sorted {
                seen += bucket.count
                if index < seen { return bucket.centiDays }
            }
            return sorted[sorted.count - 1].centiDays
        }
        let upper = value(at: total / 2)
        let lower = total % 2 == 0 ? value(at: total / 2 - 1) : upper
        return Double(lower + upper) / 200
    }
}
