import Contracts
import Testing

/// The unified social credit code rule (GB 32100-2015) as `Shared/Contracts/CreditCode.swift` implements it; the web
/// app's `js/credit-code.js` is held to the same codes by `Tests/Browser/steps/10_masterdata.py`.
@Suite("Unified social credit code")
struct CreditCodeTests {
    /// Real-format codes whose check characters were computed by hand from the standard's weights.
    static let valid = ["91350100M000100Y43", "91110108551385082Q", "9144030071526726XG", "91330000710926050W", "91110000802100433B"]

    @Test("real-format codes with the right check character are valid", arguments: valid)
    func validCodes(code: String) throws {
        #expect(CreditCode.isValid(code))
        #expect(try CreditCode.validate(code) == code)
    }

    @Test("the weights are 3^(i-1) mod 31 and the alphabet has 31 characters without I, O, S, V, Z")
    func constants() {
        var weight = 1
        var weights: [Int] = []
        for _ in 0..<17 {
            weights.append(weight)
            weight = weight * 3 % 31
        }
        #expect(CreditCode.weights == weights)
        #expect(CreditCode.alphabet.count == 31)
        #expect(!CreditCode.alphabet.contains { "IOSVZ".contains($0) })
    }

    @Test("input is trimmed, upper-cased and made half-width before it is checked")
    func normalization() throws {
        #expect(try CreditCode.validate(" 91350100m000100y43\n") == "91350100M000100Y43")
        #expect(try CreditCode.validate("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43")
        #expect(try CreditCode.validate("\u{3000}91350100M000100Y43\u{3000}") == "91350100M000100Y43")
    }

    @Test("a wrong check character is refused and the right one named")
    func wrongCheck() {
        #expect(throws: CreditCode.Failure.checkCharacter(expected: "3")) { try CreditCode.validate("91350100M000100Y44") }
        #expect(throws: CreditCode.Failure.checkCharacter(expected: "Q")) { try CreditCode.validate("91110108551385082R") }
    }

    @Test("the letters I, O, Z, S and V are not in the alphabet", arguments: ["I", "O", "Z", "S", "V"])
    func forbiddenLetters(letter: String) {
        let code = "91350100M000100" + letter + "43"
        #expect(throws: CreditCode.Failure.character(Character(letter), position: 16)) { try CreditCode.validate(code) }
        #expect(CreditCode.checkCharacter(for: "91350100M000100" + letter + "4") == nil)
    }

    @Test("a code of the wrong length is refused", arguments: ["", "9135010", "91350100M000100Y4", "91350100M000100Y433"])
    func wrongLength(code: String) {
        #expect(throws: CreditCode.Failure.length(code.count)) { try CreditCode.validate(code) }
    }

    @Test("punctuation inside a code is not tolerated")
    func punctuation() {
        #expect(!CreditCode.isValid("91350100-M000100Y4"))
        #expect(!CreditCode.isValid("91350100M000100Y4 3"))
    }
}
