import Contracts
import Foundation
import Testing

@Suite("Event envelope")
struct EventEnvelopeTests {
    @Test(
        "money near Int64.max travels through an event exactly, never through a Double",
        arguments: [Int64.max, Int64.max - 1, 9_007_199_254_740_993]
    )
    func exactIntegers(amount: Fen) throws {
        let line = PricedLine(
            productID: "p-1",
            productName: "M8 螺栓",
            productLine: "fasteners",
            quantity: 1,
            unitPriceFen: amount,
            discountBasisPoints: 0,
            amountFen: amount,
            costFen: amount - 1
        )
        let submitted = ContractSubmitted(
            contractID: "c-1",
            number: "HT-2026-000001",
            dealID: "d-1",
            customerID: "cu-1",
            customerName: "宁波精密",
            ownerID: "rep-1",
            region: "east",
            amountFen: amount,
            lines: [line],
            submittedBy: "rep-1",
            submittedAt: Date(timeIntervalSince1970: 1_790_000_000)
        )
        let envelope = try EventEnvelope(submitted, source: "deals", subject: "c-1", sequence: 2)
        let received = try EventEnvelope.decode(from: try envelope.encoded())
        #expect(received.data["amountFen"] == .integer(amount))
        let decoded = try received.decodeData(as: ContractSubmitted.self)
        #expect(decoded.amountFen == amount)
        #expect(decoded.lines.first?.costFen == amount - 1)
    }

    @Test("a whole number and the same Double are one JSON value; different numbers are not")
    func numbersCompare() {
        #expect(JSONValue.integer(2) == .number(2))
        #expect(JSONValue.integer(2) != .number(2.5))
        #expect(JSONValue.integer(Int64.max) != .number(Double(Int64.max)))
        #expect(Set([JSONValue.integer(3), .number(3)]).count == 1)
    }
}
