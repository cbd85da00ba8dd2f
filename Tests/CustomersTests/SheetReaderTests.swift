import Contracts
import Foundation
import Testing

@testable import Customers

/// Reading uploaded customer files (issue 10): encodings, CSV, XLSX, headers.
@Suite("Customer sheets")
struct SheetReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// 宁波精工 as Excel in China saves it (GBK).
    static let gbkNingboJinggong: [UInt8] = [0xC4, 0xFE, 0xB2, 0xA8, 0xBE, 0xAB, 0xB9, 0xA4]

    @Test("UTF-8, UTF-8 with a byte-order mark and GBK bytes are each decoded as what they are")
    func encodings() throws {
        let utf8 = Array("客户名称\n宁波精工".utf8)
        let (plain, plainEncoding) = try SheetText.decode(utf8)
        #expect(plain == "客户名称\n宁波精工" && plainEncoding == .utf8)

        let (bom, bomEncoding) = try SheetText.decode([0xEF, 0xBB, 0xBF] + utf8)
        #expect(bom == "客户名称\n宁波精工" && bomEncoding == .utf8WithBOM)

        let (gbk, gbkEncoding) = try SheetText.decode(Self.gbkNingboJinggong)
        #expect(gbk == "宁波精工" && gbkEncoding == .gb18030)
        // A four-byte GB18030 sequence (U+20000 𠀀), which GBK does not have.
        #expect(try SheetText.decode([0x95, 0x32, 0x82, 0x36]).0 == "\u{20000}")
    }

    @Test("bytes that are neither UTF-8 nor GB18030 are refused as a whole file")
    func undecodable() {
        #expect(throws: SheetError.self) { try SheetText.decode([0x41, 0xFF, 0xFF, 0x42]) }
        #expect(throws: SheetError.self) { try SheetText.decode([0xEF, 0xBB, 0xBF, 0xC4, 0xFE]) }
    }

    @Test("a GBK CSV reads into rows numbered as Excel numbers them, quotes and commas kept in a cell")
    func gbkCSV() throws {
        let text = "客户名称,地址,手机\r\n宁波精工,\"宁波市, 北仑区 \"\"一号\"\"\",13812345678\r\n\r\n温州五金,温州,13900000000\r\n"
        let bytes = try #require(gbk(text))
        let sheet = try SheetReader.read(bytes)
        #expect(sheet.format == .csv && sheet.encoding == .gb18030)
        #expect(sheet.header == ["客户名称", "地址", "手机"])
        #expect(sheet.rows.map(\.number) == [2, 4])
        #expect(sheet.rows[0].cells == ["宁波精工", "宁波市, 北仑区 \"一号\"", "13812345678"])
    }

    @Test("an XLSX with shared strings (rich text, phonetic guide) and number cells reads like the same sheet with inline strings")
    func workbooks() throws {
        let shared = try SheetReader.read(Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("shared-strings.xlsx"))))
        let inline = try SheetReader.read(Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("inline-strings.xlsx"))))
        #expect(shared.format == .xlsx && shared.encoding == nil)
        #expect(shared.header == ["客户名称", "区域", "行业", "联系人", "手机"])
        #expect(shared.rows.first?.cells == ["宁波精工机械有限公司", "east-china", "机械", "王工", "13812345678"])
        #expect(shared.rows.last?.cells.first == "Acme & Sons <测试>")
        #expect(shared.rows.map(\.number) == [2, 3])
        // The inline workbook names its sheet data.xml: found through the workbook's relationships.
        #expect(inline.header == shared.header && inline.rows == shared.rows)
    }

    @Test("a zip that is not a workbook, and a file with no header, are refused")
    func unreadable() {
        #expect(throws: SheetError.self) { try SheetReader.read([0x50, 0x4B, 0x03, 0x04, 0, 0, 0]) }
        #expect(throws: SheetError.self) { try SheetReader.read(Array(" \r\n,,\r\n".utf8)) }
    }

    @Test("cell references give the column: A is 0, Z 25, AA 26")
    func columnReferences() {
        #expect(XLSXReader.columnIndex(of: "A1") == 0)
        #expect(XLSXReader.columnIndex(of: "Z9") == 25)
        #expect(XLSXReader.columnIndex(of: "AA10") == 26)
        #expect(XLSXReader.columnIndex(of: "7") == nil)
    }

    @Test("headers map in Chinese or English; an unknown or repeated header is an error of row 1 naming it")
    func headers() {
        let header = ["客户名称", "creditCode", " 手机 ", "REGION", "备注", "name", ""]
        let layout = ImportLayout(header: header)
        #expect(layout.columns == [0: .name, 1: .creditCode, 2: .contactPhone, 3: .region])
        #expect(layout.headerErrors.map(\.row) == [1, 1])
        #expect(layout.headerErrors.map(\.column) == ["备注", "name"])
        #expect(layout.headerErrors.map(\.code) == ["unknown_column", "repeated_column"])
        #expect(layout.header(of: .contactPhone, in: header) == "手机")
        #expect(layout.header(of: .industry, in: header) == "行业")
        let values = layout.values(of: SheetRow(number: 2, cells: ["  宁波精工 ", "", "138"]))
        #expect(values == [.name: "宁波精工", .contactPhone: "138"])
    }

    @Test("every export header maps back to its column, so an export imports again")
    func exportHeaderRoundTrip() {
        let layout = ImportLayout(header: CustomerSheet.exportHeader)
        #expect(layout.headerErrors.isEmpty)
        #expect(layout.columns.count == CustomerSheet.Column.allCases.count)
    }

    @Test("a rule's field names the column it came from")
    func fieldColumns() {
        #expect(ImportRow.column(forField: "contacts[0].phone") == .contactPhone)
        #expect(ImportRow.column(forField: "contacts") == .contactName)
        #expect(ImportRow.column(forField: "creditCode") == .creditCode)
        #expect(ImportRow.column(forField: "region") == .region)
    }

    private func gbk(_ text: String) -> [UInt8]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", "GBK"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return nil }
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? Array(data) : nil
    }
}
