import Contracts
import Foundation
import ServiceRuntime
public import TestSupport
import Testing

@testable import Deals

extension DealsService: ServiceUnderTest {}

/// A deal as a client decodes it.
struct DealView: Decodable {
    var id: String
    var stage: DealStage
    var ownerId: String
    var region: String
    var title: String
    var lostReason: String?
    var customerName: String
}

/// A quote version as a client decodes it.
struct QuoteView: Decodable {
    struct Changes: Decodable {
        var added: [JSONValue]
        var totalDeltaFen: Fen
    }
    var id: String
    var version: Int
    var totalFen: Fen
    var marginFen: Fen
    var changes: Changes?
}

/// The quote versions of a deal.
struct QuoteVersions: Decodable {
    var currentVersion: Int
    var items: [QuoteView]
    var nextCursor: String?
}

/// A contract as a client decodes it.
struct ContractView: Decodable {
    var id: String
    var number: String
    var amountFen: Fen
    var status: Contract.Status
}

/// A catalogue product as a client decodes it.
struct ProductView: Decodable {
    var id: String
}

/// A page of `GET /deals/{id}/history` as a client decodes it.
struct StageHistoryLine: Decodable {
    var fromStage: DealStage?
    var toStage: DealStage
    var lostReason: String?
    var changedBy: String
}
