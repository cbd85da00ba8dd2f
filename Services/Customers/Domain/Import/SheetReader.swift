import CSV
import Foundation
import Glibc
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// One row of a spreadsheet: its number as Excel shows it (the header is row 1) and its cells by column.
public struct SheetRow: Sendable, Equatable {
    public var number: Int
    public var cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}

/// A spreadsheet as read from an uploaded file: the header row and the data rows after it.
public struct Sheet: Sendable, Equatable {
    public enum Format: String, Sendable, Codable { case csv, xlsx }

    public var format: Format
    /// The text encoding a CSV file was read in; `nil` for XLSX, whose XML parts are always UTF-8.
    public var encoding: SheetText.Encoding?
    public var header: [String]
    public var rows: [SheetRow]
}

/// Why an uploaded file cannot be read as a spreadsheet at all (a 422 on the whole file, not a row error).
public struct SheetError: Error, Equatable, Sendable {
    public var message: String
}

/// Reads an uploaded customer file, deciding its kind by its bytes, never by the name or media type a client sent:
/// a zip (`PK\u{3}\u{4}`) is an XLSX workbook; anything else is CSV text.
public enum SheetReader {
    /// Reads `bytes` as a spreadsheet.
    /// - Throws: ``SheetError`` when the file is neither a readable workbook nor CSV text, or has no header row.
    public static func read(_ bytes: [UInt8]) throws(SheetError) -> Sheet {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let rows = try XLSXReader.rows(of: bytes)
            return try sheet(.xlsx, encoding: nil, rows: rows)
        }
        let (text, encoding) = try SheetText.decode(bytes)
        return try sheet(.csv, encoding: encoding, rows: try csvRows(text))
    }

    /// The records of CSV text (comma-separated, RFC 4180 quoting) read by CSV.swift, numbered from 1.
    static func csvRows(_ text: String) throws(SheetError) -> [SheetRow] {
        do {
            let reader = try CSVReader(string: text, hasHeaderRow: false)
            var rows: [SheetRow] = []
            var number = 0
            while let record = reader.next() {
                number += 1
                rows.append(SheetRow(number: number, cells: record))
            }
            if let error = reader.error { throw SheetError(message: "the CSV text cannot be read: \(error)") }
            return rows
        } catch let error as SheetError {
            throw error
        } catch {
            throw SheetError(message: "the CSV text cannot be read: \(error)")
        }
    }

    private static func sheet(_ format: Sheet.Format, encoding: SheetText.Encoding?, rows: [SheetRow]) throws(SheetError) -> Sheet {
        let nonBlank = rows.filter { $0.cells.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
        guard let header = nonBlank.first else { throw SheetError(message: "the file has no header row") }
        return Sheet(format: format, encoding: encoding, header: header.cells, rows: Array(nonBlank.dropFirst()))
    }
}

/// The text encodings a customer CSV may come in, and their detection.
///
/// Excel in China saves "CSV" as GBK; GB18030 is a superset of GBK (every GBK file decodes the same as GB18030),
/// so one decoder serves both. glibc's iconv does the decoding: it is always present on Linux and knows GB18030.
public enum SheetText {
    public enum Encoding: String, Sendable, Codable {
        case utf8 = "utf-8"
        case utf8WithBOM = "utf-8-bom"
        case gb18030
    }

    /// Decodes CSV bytes: a UTF-8 byte-order mark means UTF-8; bytes that are valid UTF-8 are UTF-8; anything else is
    /// read as GB18030.
    /// - Throws: ``SheetError`` when the bytes are none of these.
    public static func decode(_ bytes: [UInt8]) throws(SheetError) -> (String, Encoding) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let text = String(validating: bytes.dropFirst(3), as: UTF8.self) else {
                throw SheetError(message: "the file starts with a UTF-8 byte-order mark but is not UTF-8")
            }
            return (text, .utf8WithBOM)
        }
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        guard let text = gb18030(bytes) else { throw SheetError(message: "the file is not UTF-8, GBK or GB18030 text") }
        return (text, .gb18030)
    }

    /// GB18030 (and so GBK) bytes as a string, `nil` when they are not valid GB18030.
    static func gb18030(_ bytes: [UInt8]) -> String? {
        let converter = iconv_open("UTF-8", "GB18030")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        // Two bytes of GBK are at most three of UTF-8, four of GB18030 at most four: twice the input always fits.
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outBuffer.count - outLeft
            }
        }
        guard let written else { return nil }
        return String(decoding: output.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The first worksheet of an XLSX workbook (Office Open XML), read with ZIPFoundation and FoundationXML's
/// streaming (SAX) parser, so a sheet of 50,000 rows never becomes a DOM.
///
/// Cells may hold shared strings (`t="s"`, Excel's usual way), inline strings (`t="inlineStr"`, written by many
/// libraries), formula results (`t="str"`), booleans or numbers. Every XML part is UTF-8 whatever the language of
/// the text, so a workbook "saved as GBK" by Chinese Excel needs no text decoding.
///
/// The parsers read from a stream: `XMLParser(data:)` hands libxml2 the whole part at once, and libxml2 refuses a
/// part of some tens of MB written on one line (as Excel writes them; a 50,000-row sheet is ~30 MB), while a stream is
/// fed to it in chunks.
enum XLSXReader {
    static func rows(of bytes: [UInt8]) throws(SheetError) -> [SheetRow] {
        do {
            let archive = try Archive(data: Data(bytes), accessMode: .read)
            func part(_ path: String) throws -> Data? {
                guard let entry = archive[path] else { return nil }
                var data = Data()
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
                return data
            }
            let sharedStrings = try part("xl/sharedStrings.xml").map(SharedStringsParser.strings) ?? []
            guard let sheetPath = try firstSheetPath(workbook: part("xl/workbook.xml"), relationships: part("xl/_rels/workbook.xml.rels")),
                let sheet = try part(sheetPath)
            else { throw SheetError(message: "the workbook has no worksheet") }
            return try WorksheetParser.rows(sheet, sharedStrings: sharedStrings)
        } catch let error as SheetError {
            throw error
        } catch {
            throw SheetError(message: "the file is not a readable XLSX workbook (\(error))")
        }
    }

    /// The path of the workbook's first sheet, from `workbook.xml` and its relationships; `sheet1.xml` when they are
    /// missing.
    static func firstSheetPath(workbook: Data?, relationships: Data?) throws -> String? {
        let fallback = "xl/worksheets/sheet1.xml"
        guard let workbook, let relationships else { return fallback }
        let sheets = ElementCollector(names: ["sheet"])
        let rels = ElementCollector(names: ["Relationship"])
        try sheets.parse(workbook)
        try rels.parse(relationships)
        guard let first = sheets.elements.first, let relationID = first["r:id"] ?? first.first(where: { $0.key.hasSuffix(":id") })?.value,
            let target = rels.elements.first(where: { $0["Id"] == relationID })?["Target"]
        else { return fallback }
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        return "xl/" + target
    }

    /// The column index (0-based) of a cell reference such as `B7` or `AA12`.
    static func columnIndex(of reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard (65...90).contains(scalar.value) else { break }
            index = index * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : index - 1
    }
}

/// Collects the attributes of the named elements of a small XML part.
private final class ElementCollector: NSObject, XMLParserDelegate {
    let names: Set<String>
    var elements: [[String: String]] = []

    init(names: Set<String>) {
        self.names = names
    }

    func parse(_ data: Data) throws {
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = self
        guard parser.parse() else { throw SheetError(message: "a workbook part is not XML: \(parser.parserError.map { "\($0)" } ?? "")") }
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if names.contains(elementName) { elements.append(attributes) }
    }
}

/// `xl/sharedStrings.xml`: each `<si>` is one string, the text of its `<t>` elements (rich-text runs `<r><t>` joined),
/// leaving out phonetic guides (`<rPh>`).
private final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current = ""
    private var inText = false
    private var phoneticDepth = 0

    static func strings(_ data: Data) throws -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = delegate
        guard parser.parse() else { throw SheetError(message: "the shared strings are not XML") }
        return delegate.strings
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "si": current = ""
        case "rPh": phoneticDepth += 1
        case "t": inText = phoneticDepth == 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "si": strings.append(current)
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }
}

/// A worksheet part: `<row r="N">` of `<c r="B7" t="…"><v>…</v></c>` or `<c t="inlineStr"><is><t>…</t></is></c>`.
private final class WorksheetParser: NSObject, XMLParserDelegate {
    let sharedStrings: [String]
    var rows: [SheetRow] = []
    var failure: SheetError?
    private var rowNumber = 0
    private var cells: [String] = []
    private var cellColumn = 0
    private var cellType = ""
    private var cellText = ""
    private var collecting = false

    init(sharedStrings: [String]) {
        self.sharedStrings = sharedStrings
    }

    static func rows(_ data: Data, sharedStrings: [String]) throws -> [SheetRow] {
        let delegate = WorksheetParser(sharedStrings: sharedStrings)
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = delegate
        guard parser.parse() else { throw delegate.failure ?? SheetError(message: "the worksheet is not XML") }
        if let failure = delegate.failure { throw failure }
        return delegate.rows
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "row":
            rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
            cells = []
        case "c":
            cellColumn = attributes["r"].flatMap(XLSXReader.columnIndex(of:)) ?? cells.count
            cellType = attributes["t"] ?? "n"
            cellText = ""
        case "v", "t":
            collecting = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { cellText += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch elementName {
        case "v", "t":
            collecting = false
        case "c":
            var value = cellText
            switch cellType {
            case "s":
                guard let index = Int(cellText), sharedStrings.indices.contains(index) else {
                    failure = SheetError(message: "row \(rowNumber) refers to a shared string that does not exist")
                    parser.abortParsing()
                    return
                }
                value = sharedStrings[index]
            case "n":
                value = Self.plainNumber(cellText)
            default: break
            }
            guard cellColumn < 16_384 else { return }
            if cells.count <= cellColumn { cells.append(contentsOf: repeatElement("", count: cellColumn - cells.count + 1)) }
            cells[cellColumn] = value
        case "row":
            rows.append(SheetRow(number: rowNumber, cells: cells))
        default: break
        }
    }

    /// A number cell as a person typed it: Excel stores a mobile typed as a number as `13812345678` but may write
    /// large ones in exponent form (`1.3812345678E10`).
    static func plainNumber(_ text: String) -> String {
        guard text.contains("E") || text.contains("e"), let decimal = Decimal(string: text) else { return text }
        return "\(decimal)"
    }
}
