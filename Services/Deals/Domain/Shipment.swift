public import Contracts
public import Foundation

/// The body of `deals.recordShipment`: `{"shippedOn": "YYYY-MM-DD", "carrier": "…", "trackingNumber"?, "note"?,
/// "lines": [{"lineNumber": 1, "quantity": 400}]}`.
public struct ShipmentRequest: Sendable, Decodable, Equatable {
    public struct Line: Sendable, Decodable, Equatable {
        public var lineNumber: Int?
        public var quantity: Int64?

        public init(lineNumber: Int?, quantity: Int64?) {
            self.lineNumber = lineNumber
            self.quantity = quantity
        }
    }

    public var shippedOn: String?
    public var carrier: String?
    public var trackingNumber: String?
    public var note: String?
    public var lines: [Line]?

    public init(shippedOn: String?, carrier: String?, trackingNumber: String? = nil, note: String? = nil, lines: [Line]?) {
        self.shippedOn = shippedOn
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.note = note
        self.lines = lines
    }
}

/// A shipment that passed the checks that need no contract: a day, a carrier and at least one line.
public struct ShipmentDraft: Sendable, Equatable {
    public var shippedOn: CalendarDay
    public var carrier: String
    public var trackingNumber: String?
    public var note: String?
    /// Line number → quantity, in the order given.
    public var lines: [(lineNumber: Int, quantity: Int64)]

    public static func == (lhs: ShipmentDraft, rhs: ShipmentDraft) -> Bool {
        lhs.shippedOn == rhs.shippedOn && lhs.carrier == rhs.carrier && lhs.trackingNumber == rhs.trackingNumber && lhs.note == rhs.note
            && lhs.lines.map(\.lineNumber) == rhs.lines.map(\.lineNumber) && lhs.lines.map(\.quantity) == rhs.lines.map(\.quantity)
    }
}

/// Where one line of a signed contract stands: what was ordered, shipped and is left to ship. No prices: the warehouse
/// reads it.
public struct LineProgress: Sendable, Equatable, Codable {
    /// The 1-based position of the line on the contract.
    public var lineNumber: Int
    public var productId: String
    public var productName: String
    public var productLine: String
    public var ordered: Int64
    public var shipped: Int64
    public var remaining: Int64

    public init(lineNumber: Int, line: PricedLine, shipped: Int64) {
        self.lineNumber = lineNumber
        productId = line.productID
        productName = line.productName
        productLine = line.productLine
        ordered = line.quantity
        self.shipped = shipped
        remaining = max(0, line.quantity - shipped)
    }
}

/// The shipment rules (发货), free of I/O.
///
/// - Only a signed contract ships; the warehouse records, nobody else.
/// - `shippedOn` is a day no later than today and no earlier than the signing day (Asia/Shanghai).
/// - A line never ships more than what remains of it; a shipment over the remainder is refused whole (409 naming the
///   line), so nothing is written.
/// - The shipment that leaves nothing to ship completes the delivery: the contract is delivered, installments due
///   after delivery take their dates from the delivery day (the latest `shippedOn`), and the deal moves on by itself
///   (see ``DealStageRules/automaticMoves(from:delivered:collected:)``).
public enum ShipmentRules {
    public static let maxCarrier = 100
    public static let maxTrackingNumber = 100
    public static let maxNote = 500
    public static let maxLines = 200

    /// Checks a request on its own: every malformed field at once, as a 422.
    /// - Parameter today: today in Asia/Shanghai.
    public static func draft(_ request: ShipmentRequest, today: CalendarDay) throws(Problem) -> ShipmentDraft {
        var errors: [Problem.FieldError] = []
        var day: CalendarDay?
        if let text = request.shippedOn, let parsed = CalendarDay(text) {
            if parsed > today {
                errors.append(.init(field: "shippedOn", message: "must not be later than today (\(today))"))
            } else {
                day = parsed
            }
        } else {
            errors.append(.init(field: "shippedOn", message: "is required, a date YYYY-MM-DD"))
        }
        let carrier = trimmed(request.carrier)
        if carrier == nil { errors.append(.init(field: "carrier", message: "is required")) }
        if let carrier, carrier.count > maxCarrier { errors.append(.init(field: "carrier", message: "must be at most \(maxCarrier) characters")) }
        let tracking = trimmed(request.trackingNumber)
        if let tracking, tracking.count > maxTrackingNumber {
            errors.append(.init(field: "trackingNumber", message: "must be at most \(maxTrackingNumber) characters"))
        }
        let note = trimmed(request.note)
        if let note, note.count > maxNote { errors.append(.init(field: "note", message: "must be at most \(maxNote) characters")) }
        var lines: [(lineNumber: Int, quantity: Int64)] = []
        let given = request.lines ?? []
        if given.isEmpty {
            errors.append(.init(field: "lines", message: "must name at least one contract line"))
        } else if given.count > maxLines {
            errors.append(.init(field: "lines", message: "must have at most \(maxLines) lines"))
        } else {
            for (index, line) in given.enumerated() {
                var valid = true
                if let number = line.lineNumber, number >= 1 {
                    if lines.contains(where: { $0.lineNumber == number }) {
                        errors.append(.init(field: "lines[\(index)].lineNumber", message: "line \(number) appears twice"))
                        valid = false
                    }
                } else {
                    errors.append(.init(field: "lines[\(index)].lineNumber", message: "is required, a contract line number from 1"))
                    valid = false
                }
                if line.quantity.map({ $0 < 1 }) ?? true {
                    errors.append(.init(field: "lines[\(index)].quantity", message: "is required, at least 1"))
                    valid = false
                }
                if valid, let number = line.lineNumber, let quantity = line.quantity { lines.append((number, quantity)) }
            }
        }
        guard errors.isEmpty, let day, let carrier else { throw Problem.validation(errors) }
        return ShipmentDraft(shippedOn: day, carrier: carrier, trackingNumber: tracking, note: note, lines: lines)
    }

    /// The contract's lines after the shipment; refuses a line the contract does not have or a day before signing
    /// (422), and a quantity over what remains of a line (409 naming every such line).
    /// - Parameters:
    ///   - shipped: line number → quantity shipped so far.
    ///   - signedOn: the signing day (Asia/Shanghai).
    public static func apply(
        _ draft: ShipmentDraft,
        to lines: [PricedLine],
        shipped: [Int: Int64],
        signedOn: CalendarDay
    ) throws(Problem) -> [LineProgress] {
        var errors: [Problem.FieldError] = []
        if draft.shippedOn < signedOn {
            errors.append(.init(field: "shippedOn", message: "must not be earlier than the signing day (\(signedOn))"))
        }
        for (index, line) in draft.lines.enumerated() where line.lineNumber > lines.count {
            errors.append(.init(field: "lines[\(index)].lineNumber", message: "the contract has \(lines.count) lines, no line \(line.lineNumber)"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        var progress = Self.progress(of: lines, shipped: shipped)
        var over: [String] = []
        for line in draft.lines {
            let current = progress[line.lineNumber - 1]
            if line.quantity > current.remaining {
                over.append("line \(line.lineNumber) (\(current.productName)): \(line.quantity) asked, \(current.remaining) left to ship")
            } else {
                progress[line.lineNumber - 1] = LineProgress(
                    lineNumber: line.lineNumber,
                    line: lines[line.lineNumber - 1],
                    shipped: current.shipped + line.quantity
                )
            }
        }
        guard over.isEmpty else {
            throw Problem.conflict("A shipment never exceeds what remains to ship; nothing was recorded. " + over.joined(separator: "; ") + ".")
        }
        return progress
    }

    /// Each line of the contract with what has shipped of it.
    public static func progress(of lines: [PricedLine], shipped: [Int: Int64]) -> [LineProgress] {
        lines.enumerated().map { LineProgress(lineNumber: $0.offset + 1, line: $0.element, shipped: shipped[$0.offset + 1] ?? 0) }
    }

    /// Whether nothing is left to ship.
    public static func isComplete(_ progress: [LineProgress]) -> Bool {
        progress.allSatisfy { $0.remaining == 0 }
    }

    /// The day an installment due `days` after delivery falls due.
    public static func dueOn(deliveredOn: CalendarDay, afterDays days: Int) -> CalendarDay {
        let start = BusinessCalendar.start(of: deliveredOn)
        let due = BusinessCalendar.calendar.date(byAdding: .day, value: days, to: start) ?? start
        return BusinessCalendar.day(of: due)
    }

    private static func trimmed(_ text: String?) -> String? {
        guard let value = text?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
