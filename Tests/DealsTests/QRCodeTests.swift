import Foundation
import Testing

@testable import Deals

/// The customer portal's QR code (libqrencode): its SVG and PNG drawings, and a round trip through a real decoder
/// (zbarimg from Debian's `zbar-tools`, which scripts/test installs).
@Suite("QR code")
struct QRCodeTests {
    static let link = "https://sales.example.com/portal.html#" + String(repeating: "Ab3-_", count: 8) + "xyz"

    @Test("a link encodes at the smallest version that holds it, 17 + 4 × version modules a side, with dark finder corners")
    func symbol() throws {
        let code = try QRCode(Self.link)
        #expect((1...40).contains(code.version))
        #expect(code.width == 17 + 4 * code.version)
        #expect(code.modules.count == code.width * code.width)
        // The three finder patterns: dark 7×7 rings in the corners, a light separator around them.
        for (x, y) in [(0, 0), (code.width - 7, 0), (0, code.width - 7)] {
            #expect(code.isDark(x: x, y: y) && code.isDark(x: x + 6, y: y + 6) && code.isDark(x: x + 3, y: y + 3))
            #expect(!code.isDark(x: x + 1, y: y + 1))
        }
        #expect(!code.isDark(x: 7, y: 7))
        #expect(try QRCode("short").version < code.version)
    }

    @Test("the SVG is one path of module rectangles inside a quiet zone of four modules")
    func svg() throws {
        let code = try QRCode(Self.link)
        let svg = code.svg
        let size = code.width + 8
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(size) \(size)\""))
        #expect(svg.hasSuffix("</svg>"))
        // Every dark module is covered by exactly one run, and no run leaves the symbol.
        let path = try #require(svg.range(of: "d=\"").map { svg[$0.upperBound...].prefix { $0 != "\"" } })
        var dark = 0
        for run in path.split(separator: "z") {
            let numbers = run.split(whereSeparator: { !"0123456789".contains($0) }).compactMap { Int($0) }
            // M<x> <y>h<length>v1h-<length>
            #expect(numbers.count == 5 && numbers[3] == 1 && numbers[4] == numbers[2], "\(run)")
            let (x, y, length) = (numbers[0], numbers[1], numbers[2])
            #expect(x >= 4 && y >= 4 && x + length <= code.width + 4 && y < code.width + 4)
            dark += length
        }
        #expect(dark == code.modules.filter { $0 }.count)
    }

    @Test("the PNG is a valid 1-bit greyscale image whose pixels are the modules, 8 pixels each")
    func png() throws {
        let code = try QRCode(Self.link)
        let png = code.png(scale: 8)
        #expect(Array(png.prefix(8)) == PNG.signature)
        let chunks = try Self.chunks(png)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let header = chunks[0].data
        let pixels = (code.width + 8) * 8
        #expect(Self.uint32(header, 0) == UInt32(pixels) && Self.uint32(header, 4) == UInt32(pixels))
        #expect(Array(header[8...]) == [1, 0, 0, 0, 0])
        let raw = try Self.inflateStored(chunks[1].data)
        let rowBytes = (pixels + 7) / 8
        #expect(raw.count == pixels * (rowBytes + 1))
        // The centre pixel of every module is white exactly when the module is light.
        for y in 0..<code.width {
            for x in 0..<code.width {
                let (px, py) = ((x + 4) * 8 + 4, (y + 4) * 8 + 4)
                let white = raw[py * (rowBytes + 1) + 1 + px / 8] & (0x80 >> UInt8(px % 8)) != 0
                #expect(white == !code.isDark(x: x, y: y))
            }
        }
    }

    @Test("zbarimg reads the PNG back as the link")
    func roundTrip() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID()).png")
        try Data(try QRCode(Self.link).png()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
        process.arguments = ["--quiet", "--raw", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.trimmingCharacters(in: .newlines) == Self.link)
    }

    struct Chunk {
        var type: String
        var data: [UInt8]
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// The chunks of a PNG, each CRC checked.
    static func chunks(_ png: [UInt8]) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var offset = 8
        while offset < png.count {
            let length = Int(uint32(png, offset))
            let typed = Array(png[offset + 4..<offset + 8 + length])
            #expect(uint32(png, offset + 8 + length) == PNG.crc32(typed))
            chunks.append(Chunk(type: String(decoding: typed.prefix(4), as: UTF8.self), data: Array(typed.dropFirst(4))))
            offset += 12 + length
        }
        return chunks
    }

    /// The bytes of a zlib stream of stored blocks, its Adler-32 checked.
    static func inflateStored(_ stream: [UInt8]) throws -> [UInt8] {
        #expect(stream[0] == 0x78 && (UInt16(stream[0]) << 8 | UInt16(stream[1])) % 31 == 0)
        var out: [UInt8] = []
        var offset = 2
        while true {
            let final = stream[offset] & 1 == 1
            #expect(stream[offset] >> 1 == 0, "a stored block")
            let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
            let complement = Int(stream[offset + 3]) | Int(stream[offset + 4]) << 8
            #expect(length == ~complement & 0xFFFF)
            out += stream[offset + 5..<offset + 5 + length]
            offset += 5 + length
            if final { break }
        }
        #expect(uint32(stream, offset) == PNG.adler32(out))
        return out
    }
}
