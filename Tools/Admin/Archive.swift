import Crypto
public import Foundation

/// What a backup archive holds, written as `manifest.json` at its root: the release and each schema's migrations that
/// made it, and a SHA-256 of every other file, which `restore` checks before it changes anything.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// One file of the archive.
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    /// One service's schema as dumped.
    public struct Schema: Codable, Sendable, Equatable {
        public var service: String
        /// The newest applied migration.
        public var version: String?
        /// Every applied migration id.
        public var migrations: [String]
        /// The `pg_dump` (custom format) in the archive.
        public var dump: String
    }

    /// The archive format (1).
    public var format: Int
    /// The `salesdesk-admin` release that wrote it.
    public var release: String
    public var createdAt: Date
    /// PostgreSQL's `server_version` at backup time.
    public var postgresVersion: String
    public var schemas: [Schema]
    /// The broker's definitions for the vhost (`rabbitmq/definitions.json`), when they could be exported.
    public var brokerDefinitions: String?
    /// The CSV exports of the core tables (UTF-8 with BOM, for Excel).
    public var exports: [String]
    public var files: [File]

    /// The files' checksums, computed from what is in `directory`.
    static func files(in directory: URL, paths: [String]) throws -> [File] {
        try paths.sorted().map { path in
            let data = try Data(contentsOf: directory.appendingPathComponent(path))
            return File(path: path, bytes: data.count, sha256: SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        }
    }

    /// The files whose size or checksum differ from the manifest's (or are missing).
    func damagedFiles(in directory: URL) -> [String] {
        files.filter { file in
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(file.path)) else { return true }
            return data.count != file.bytes || SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() != file.sha256
        }
        .map(\.path)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// RFC 4180 CSV as Excel opens it: a UTF-8 byte-order mark, CRLF line ends, fields quoted when they need it.
public enum ExcelCSV {
    /// The byte-order mark that makes Excel read UTF-8 (without it, Chinese text turns into mojibake).
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The CSV bytes of a header row and rows; `nil` is an empty field.
    public static func encode(header: [String], rows: [[String?]]) -> Data {
        var text = line(header.map { Optional($0) })
        for row in rows { text += line(row) }
        return Data(byteOrderMark + Array(text.utf8))
    }

    static func line(_ fields: [String?]) -> String {
        fields.map { field -> String in
            guard var value = field else { return "" }
            // A leading = + - @ would make Excel evaluate the cell as a formula (CSV injection): keep it text.
            if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
            if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return value
        }
        .joined(separator: ",") + "\r\n"
    }
}

/// Runs an external program (pg_dump, pg_restore, rabbitmqctl) and fails with its output when it exits non-zero.
enum ExternalCommand {
    struct Failed: Error, CustomStringConvertible {
        var commandLine: String
        var status: Int32
        var output: String
        var description: String { "`\(commandLine)` exited \(status): \(output.suffix(2_000))" }
    }

    /// Runs `executable` with `arguments`; its standard output is returned (standard error only in the failure).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        // Standard error apart, in a file: the output may be data (definitions JSON), and a full pipe would block.
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("salesdesk-admin-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        var output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            output += (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw Failed(commandLine: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus, output: output)
        }
        return output
    }

    /// Runs a shell command line such as `RABBITMQCTL` (which may carry `env NAME=value` before the program).
    @discardableResult
    static func shell(_ commandLine: String) throws -> String {
        try run("sh", ["-c", commandLine])
    }

    /// Quotes a word for `sh`.
    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
