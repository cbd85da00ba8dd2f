import Foundation

/// The columns of a customer spreadsheet (issue 10): what an import reads and what an export writes, in one place,
/// so that an exported file imports again as "unchanged".
///
/// A header cell may name a column in Chinese (`客户名称`, as an export writes it) or in English (`name`); headers
/// are matched after trimming spaces, English ones ignoring case.
public enum CustomerSheet {
    /// One column, in export order.
    public enum Column: String, Sendable, CaseIterable, Codable {
        case name
        case creditCode
        case region
        case industry
        case address
        case level
        case source
        case externalID = "externalId"
        case contactName
        case contactPhone
        case contactTitle
        case owner

        /// The header an export writes and Chinese Excel users type.
        public var chineseHeader: String {
            switch self {
            case .name: "客户名称"
            case .creditCode: "统一社会信用代码"
            case .region: "区域"
            case .industry: "行业"
            case .address: "地址"
            case .level: "级别"
            case .source: "来源"
            case .externalID: "外部编号"
            case .contactName: "联系人"
            case .contactPhone: "手机"
            case .contactTitle: "职务"
            case .owner: "负责人"
            }
        }

        /// The English header (the JSON member name).
        public var englishHeader: String { rawValue }
    }

    /// The column a header cell names, `nil` for an unknown header.
    /// - Parameter header: the cell's text as read.
    public static func column(forHeader header: String) -> Column? {
        let trimmed = header.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(["\u{FEFF}"]))
        let lowered = trimmed.lowercased()
        return Column.allCases.first { $0.chineseHeader == trimmed || $0.englishHeader.lowercased() == lowered }
    }

    /// The header row an export writes.
    public static var exportHeader: [String] { Column.allCases.map(\.chineseHeader) }
}
