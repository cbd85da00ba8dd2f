public import Contracts

/// The rule that protects against signing the wrong offer: **a contract uses its deal's current quote version.**
///
/// Creating, submitting and signing a contract all check it (through ``DealsStore/requireCurrentQuote(boundTo:version:dealID:on:)``,
/// which reads the current version under the deal's row lock). A contract whose version has been superseded is
/// refused with a 409 naming the current version (`currentVersion`, `currentQuoteId`), so the client can offer it.
public enum QuoteBinding {
    /// Checks that the version a contract is (or will be) bound to is the deal's current one.
    /// - Parameters:
    ///   - quoteID: the bound version's id.
    ///   - version: its number.
    ///   - current: the deal's newest version (`id`, `version`), `nil` when the deal has none.
    /// - Throws: ``superseded(version:current:currentQuoteID:)`` when another version is current.
    public static func check(quoteID: RecordID, version: Int, current: (id: RecordID, version: Int)?) throws(Problem) {
        guard let current, current.id != quoteID else { return }
        throw superseded(version: version, current: current.version, currentQuoteID: current.id)
    }

    /// The 409 for a contract bound to a superseded quote version; it names the current one, so nobody signs the
    /// wrong version.
    public static func superseded(version: Int, current: Int, currentQuoteID: RecordID) -> Problem {
        var problem = Problem.conflict(
            "Quote version \(version) is superseded: the deal's current quote is version \(current) (\(currentQuoteID)). "
                + "Make the contract from version \(current)."
        )
        problem.type = "https://salesdesk.example/problems/quote-version-superseded"
        problem.title = "Quote version superseded"
        problem.extensions = [
            "currentVersion": .integer(Int64(current)),
            "currentQuoteId": .string(currentQuoteID.description),
            "requestedVersion": .integer(Int64(version)),
        ]
        return problem
    }
}
