/// The unified social credit code (统一社会信用代码, GB 32100-2015): the 18-character identifier of a Chinese company,
/// whose last character is a check character over the first 17.
///
/// Shared by the customers service (create, update, duplicates) and anything that imports customers, so every place
/// agrees on what a valid code is. The web app's `js/credit-code.js` implements the same rule for live feedback.
///
/// ```swift
/// CreditCode.normalized(" 91350100m000100y43 ")  // "91350100M000100Y43"
/// CreditCode.isValid("91350100M000100Y43")         // true
/// ```
public enum CreditCode {
    /// The 31 characters a code is written with, in value order: digits, then letters without I, O, S, V and Z.
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// The weight of positions 1…17: 3^(i−1) mod 31.
    public static let weights: [Int] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The length of a code.
    public static let length = 18

    /// What a field error says about a value that breaks the rule.
    public static let requirement =
        "must be a unified social credit code: 18 characters of 0-9 and A-Y without I, O, S, V, Z, ending in the GB 32100 check character"

    /// Why a code is not valid.
    public enum Failure: Sendable, Equatable, Error {
        /// Not 18 characters.
        case length(Int)
        /// A character outside the alphabet (e.g. `I`, `O`, `S`, `V`, `Z` or punctuation), at this 1-based position.
        case character(Character, position: Int)
        /// The 18th character is not the check character of the first 17; `expected` is the one that would be.
        case checkCharacter(expected: Character)
    }

    /// The code as it is stored and compared: trimmed, full-width characters turned half-width, upper-cased.
    /// It does not validate.
    public static func normalized(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if (0xFF01...0xFF5E).contains(scalar.value), let halfWidth = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalars.append(halfWidth)
            } else if scalar.value == 0x3000 {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        let text = String(scalars).uppercased()
        return String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// The check character of the first 17 characters of `prefix` (which must be from ``alphabet``), or `nil`.
    public static func checkCharacter(for prefix: some StringProtocol) -> Character? {
        let characters = Array(prefix.prefix(17))
        guard characters.count == 17 else { return nil }
        var sum = 0
        for (index, character) in characters.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            sum += value * weights[index]
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Validates a code after ``normalized(_:)``.
    /// - Returns: the normalized code.
    /// - Throws: the first ``Failure`` found.
    public static func validate(_ value: String) throws(Failure) -> String {
        let code = normalized(value)
        let characters = Array(code)
        guard characters.count == length else { throw .length(characters.count) }
        for (index, character) in characters.enumerated() where !alphabet.contains(character) {
            throw .character(character, position: index + 1)
        }
        let expected = checkCharacter(for: code)!
        guard characters[17] == expected else { throw .checkCharacter(expected: expected) }
        return code
    }

    /// Whether `value`, normalized, is a valid code.
    public static func isValid(_ value: String) -> Bool {
        (try? validate(value)) != nil
    }
}

extension CreditCode.Failure: CustomStringConvertible {
    /// A sentence for a field error.
    public var description: String {
        switch self {
        case .length(let count): "must be 18 characters, not \(count)"
        case .character(let character, let position):
            "has '\(character)' at position \(position); only 0-9 and A-Y without I, O, S, V, Z are used"
        case .checkCharacter: "has a wrong check character (the last one); check the code for a typo"
        }
    }
}
