/// The rule for region codes (`east`, `east-china`), shared by the gateway (regions, users) and customers.
///
/// 2–32 characters: lower-case ASCII letters, digits and single hyphens, starting with a letter and not ending
/// with a hyphen.
public enum RegionCode {
    /// What a field error says about a value that breaks the rule.
    public static let requirement = "must be a region code: 2–32 lower-case letters, digits and single hyphens, e.g. east-china"

    /// Whether `value` is a valid region code.
    public static func isValid(_ value: String) -> Bool {
        guard (2...32).contains(value.unicodeScalars.count), let first = value.unicodeScalars.first, ("a"..."z").contains(first) else {
            return false
        }
        return value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            && !value.hasSuffix("-") && !value.contains("--")
    }
}
