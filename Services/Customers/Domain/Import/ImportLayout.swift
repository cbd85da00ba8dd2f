public import Contracts
import Foundation

/// A problem with one cell, row or column of an import, as the user finds it in Excel: the row number (the header
/// is row 1) and the column's header.
public struct ImportError: Sendable, Equatable, Codable {
    public var row: Int
    public var column: String?
    public var code: String
    public var message: String

    /// The code of a row that was not created because it looks like another customer; such rows are listed with
    /// the errors but counted as duplicates.
    public static let duplicateCode = "duplicate"

    public init(row: Int, column: String?, code: String, message: String) {
        self.row = row
        self.column = column
        self.code = code
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case row, column, code, message }

    /// Writes `"column": null` for an error of the whole row, as the API document says.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(row, forKey: .row)
        try container.encode(column, forKey: .column)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
    }
}

/// Which cell of a row holds which column, read from the header row.
public struct ImportLayout: Sendable, Equatable {
    /// The column each cell index holds.
    public var columns: [Int: CustomerSheet.Column]
    /// Problems with the header itself: unknown or repeated headers (row 1). Such a column is ignored.
    public var headerErrors: [ImportError]

    /// Maps a header row (Chinese or English names, see ``CustomerSheet``).
    public init(header: [String]) {
        var columns: [Int: CustomerSheet.Column] = [:]
        var errors: [ImportError] = []
        var seen: Set<CustomerSheet.Column> = []
        for (index, text) in header.enumerated() {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let column = CustomerSheet.column(forHeader: trimmed) else {
                let known = CustomerSheet.Column.allCases.map { "\($0.chineseHeader)/\($0.englishHeader)" }.joined(separator: ", ")
                errors.append(
                    .init(row: 1, column: trimmed, code: "unknown_column", message: "unknown column '\(trimmed)'; the columns are \(known)")
                )
                continue
            }
            guard seen.insert(column).inserted else {
                errors.append(
                    .init(row: 1, column: trimmed, code: "repeated_column", message: "the column '\(trimmed)' appears twice; the first is read")
                )
                continue
            }
            columns[index] = column
        }
        self.columns = columns
        self.headerErrors = errors
    }

    /// The header a column had in the file, or its Chinese header when the file lacks it.
    public func header(of column: CustomerSheet.Column, in header: [String]) -> String {
        columns.first { $0.value == column }.map { header[$0.key].trimmingCharacters(in: .whitespacesAndNewlines) } ?? column.chineseHeader
    }

    /// The trimmed cells of a row by column; empty cells are left out.
    public func values(of row: SheetRow) -> [CustomerSheet.Column: String] {
        var values: [CustomerSheet.Column: String] = [:]
        for (index, column) in columns where index < row.cells.count {
            let value = row.cells[index].trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { values[column] = value }
        }
        return values
    }
}

/// One data row as a customer draft, before the rules run.
public struct ImportRow: Sendable, Equatable {
    public var number: Int
    public var values: [CustomerSheet.Column: String]

    public init(number: Int, values: [CustomerSheet.Column: String]) {
        self.number = number
        self.values = values
    }

    /// The draft the create-customer rules validate: the row's single contact from its contact columns.
    public var draft: CustomerDraft {
        let contactValues = [values[.contactName], values[.contactPhone], values[.contactTitle]]
        let contact =
            contactValues.contains { $0 != nil }
            ? [ContactDraft(name: values[.contactName], phone: values[.contactPhone], title: values[.contactTitle])] : nil
        return CustomerDraft(
            name: values[.name],
            region: values[.region],
            industry: values[.industry],
            address: values[.address],
            contacts: contact
        )
    }

    /// The column a create-customer field error belongs to (`contacts[0].phone` → 手机).
    public static func column(forField field: String) -> CustomerSheet.Column? {
        switch field {
        case "name": .name
        case "region": .region
        case "industry": .industry
        case "address": .address
        case "creditCode": .creditCode
        case "level": .level
        case "source": .source
        case "externalId": .externalID
        case "ownerId", "owner": .owner
        case "contacts", "contacts[0].name": .contactName
        case "contacts[0]", "contacts[0].phone", "contacts[0].email": .contactPhone
        case "contacts[0].title": .contactTitle
        default: nil
        }
    }
}
