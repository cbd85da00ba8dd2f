import Foundation

/// Parses a URL query string (`a=1&b=x%2By`) the way browsers write one (`application/x-www-form-urlencoded`).
public enum QueryString {
    /// The parameters of `text` (without the leading `?`); the last value wins for a repeated name.
    ///
    /// `+` means a space and is replaced before percent-decoding, so `%2B` stays a plus sign. A name or value
    /// whose escapes are not valid UTF-8 is kept as written.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(decode)
            guard let name = parts.first, !name.isEmpty else { continue }
            result[name] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }

    private static func decode(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
