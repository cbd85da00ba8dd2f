import AMQP
import CSV
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceRuntime
import ZIPFoundation

/// A route declared `x-export: sheet` (`GET /customers/export?format=csv|xlsx`): the file is streamed to the client as
/// the service's pages arrive, never built whole in memory.
///
/// The gateway calls the route's operation page by page (`limit=1000`, the service's cursor), with the client's
/// filters, as the caller. `format=csv` (the default) writes UTF-8 with a byte-order mark, so Excel opens Chinese
/// text correctly, each page as it comes. `format=xlsx` writes a one-sheet workbook (inline strings): the sheet's XML
/// is streamed to a temporary file page by page, zipped with ZIPFoundation into another temporary file, and that file
/// is streamed to the client and deleted — memory stays flat at any size, at the cost of disk and of the first byte
/// waiting for the last page.
///
/// The first page is fetched before the response starts, so a bad filter or a caller without access answers the
/// service's problem with its status; a failure after the first byte can only cut the download short (and is logged).
struct SheetExport: Sendable {
    let forwarder: RPCForwarder

    static let pageSize = 1_000

    struct SheetPage: Decodable {
        var header: [String]
        var rows: [[String]]
        var nextCursor: String?
    }

    enum Format: String { case csv, xlsx }

    func export(_ request: Request, context: GatewayRequestContext, route: ForwardedRoute) async throws -> Response {
        let parameters = QueryString.parse(request.uri.query ?? "")
        guard let format = Format(rawValue: parameters["format"] ?? "csv") else {
            throw Problem.validation([.init(field: "format", message: "must be csv or xlsx")])
        }
        // The client's filters travel on; paging is the gateway's.
        let filters = (request.uri.query ?? "").split(separator: "&").filter { pair in
            let name = pair.prefix { $0 != "=" }
            return !["format", "cursor", "limit"].contains(String(name))
        }
        let forwarder = self.forwarder
        let fetch: @Sendable (String?) async throws -> SheetPage = { cursor in
            var query = filters.map(String.init) + ["limit=\(Self.pageSize)"]
            if let cursor { query.append("cursor=\(cursor)") }
            let response = try await forwarder.call(
                route.operation,
                query: query.joined(separator: "&"),
                body: [],
                request: request,
                context: context
            )
            guard response.status == 200 else { throw ServiceAnswer(response: response) }
            return try JSONDecoder().decode(SheetPage.self, from: Data(response.body))
        }
        let first: SheetPage
        do {
            first = try await fetch(nil)
        } catch let answer as ServiceAnswer {
            var headers = HTTPFields()
            headers[.contentType] = answer.response.contentType
            return Response(
                status: .init(code: answer.response.status),
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: answer.response.body))
            )
        } catch let error as AMQPError {
            forwarder.logger.warning("export failed", metadata: ["error": "\(error)"])
            throw Problem.unavailable("The customers service is unreachable right now (\(error)); retry shortly.")
        }
        let name = "customers-\(BusinessCalendar.day(of: Date()))"
        var headers = HTTPFields()
        headers[.contentDisposition] = Self.contentDisposition(
            fileName: "\(name).\(format.rawValue)",
            chineseName: "客户-\(BusinessCalendar.day(of: Date())).\(format.rawValue)"
        )
        headers[.cacheControl] = "no-store"
        let logger = forwarder.logger
        switch format {
        case .csv:
            headers[.contentType] = "text/csv; charset=utf-8"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody { writer in
                    var buffer = ByteBuffer(bytes: [0xEF, 0xBB, 0xBF])
                    buffer.writeBytes(try Self.csv([first.header] + first.rows))
                    try await writer.write(buffer)
                    var cursor = first.nextCursor
                    while let next = cursor {
                        let page = try await Self.logging(logger) { try await fetch(next) }
                        try await writer.write(ByteBuffer(bytes: try Self.csv(page.rows)))
                        cursor = page.nextCursor
                    }
                    try await writer.finish(nil)
                }
            )
        case .xlsx:
            headers[.contentType] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody { writer in
                    let workbook = try WorkbookFile()
                    defer { workbook.remove() }
                    try workbook.append([first.header] + first.rows)
                    var cursor = first.nextCursor
                    while let next = cursor {
                        let page = try await Self.logging(logger) { try await fetch(next) }
                        try workbook.append(page.rows)
                        cursor = page.nextCursor
                    }
                    let file = try FileHandle(forReadingFrom: try workbook.finish())
                    defer { try? file.close() }
                    while let chunk = try file.read(upToCount: 65_536), !chunk.isEmpty {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    try await writer.finish(nil)
                }
            )
        }
    }

    /// CSV text (CRLF after every record) written by CSV.swift.
    static func csv(_ rows: [[String]]) throws -> [UInt8] {
        guard !rows.isEmpty else { return [] }
        let stream = OutputStream(toMemory: ())
        stream.open()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in rows { try writer.write(row: row) }
        stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return Array(data) + [0x0D, 0x0A]
    }

    /// `attachment` with an ASCII file name and the Chinese one in RFC 5987 form (`filename*=UTF-8''…`).
    static func contentDisposition(fileName: String, chineseName: String) -> String {
        let encoded =
            chineseName.addingPercentEncoding(
                withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
            ) ?? fileName
        return "attachment; filename=\"\(fileName)\"; filename*=UTF-8''\(encoded)"
    }

    private static func logging<T>(_ logger: Logger, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch {
            logger.error("export cut short: a page failed after the download began", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// A reply other than 200 from the service, passed on to the client as it is.
    struct ServiceAnswer: Error {
        var response: RPCResponse
    }
}

/// An XLSX workbook with one sheet, written to temporary files: rows are appended to the sheet's XML as they come,
/// then ``finish()`` zips the parts (ZIPFoundation, deflate) into the workbook file.
final class WorkbookFile {
    let folder: URL
    private let sheet: FileHandle
    private var rowNumber = 0

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("salesdesk-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sheetURL = folder.appendingPathComponent("sheet1.xml")
        _ = FileManager.default.createFile(atPath: sheetURL.path, contents: nil)
        sheet = try FileHandle(forWritingTo: sheetURL)
        try sheet.write(
            contentsOf: Data(
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
                    .utf8
            )
        )
    }

    /// Appends rows of text cells (inline strings).
    func append(_ rows: [[String]]) throws {
        var xml = ""
        for row in rows {
            rowNumber += 1
            xml += "<row r=\"\(rowNumber)\">"
            for (index, cell) in row.enumerated() where !cell.isEmpty {
                xml +=
                    "<c r=\"\(Self.columnName(index))\(rowNumber)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(Self.escaped(cell))</t></is></c>"
            }
            xml += "</row>"
        }
        try sheet.write(contentsOf: Data(xml.utf8))
    }

    /// Closes the sheet and zips the workbook.
    /// - Returns: the workbook file.
    func finish() throws -> URL {
        try sheet.write(contentsOf: Data("</sheetData></worksheet>".utf8))
        try sheet.close()
        let url = folder.appendingPathComponent("workbook.xlsx")
        let archive = try Archive(url: url, accessMode: .create)
        for (path, text) in Self.fixedParts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", fileURL: folder.appendingPathComponent("sheet1.xml"), compressionMethod: .deflate)
        return url
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// `A`…`Z`, `AA`… for a 0-based column.
    static func columnName(_ index: Int) -> String {
        var name = ""
        var n = index + 1
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// Text as XML character data; characters XML 1.0 cannot hold (most control characters) are dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    private static let fixedParts: [(String, String)] = [
        (
            "[Content_Types].xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
        ),
        (
            "_rels/.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
        (
            "xl/workbook.xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
        (
            "xl/_rels/workbook.xml.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
        ),
    ]
}
