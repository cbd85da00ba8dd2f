import CQRencode
import Contracts
import Foundation

/// A QR code symbol encoded by libqrencode (Debian `libqrencode-dev`), drawn as SVG or PNG for the customer portal's
/// link.
///
/// The symbol is encoded in byte mode at error-correction level M, at the smallest version that holds the text.
/// Both drawings keep the quiet zone of four modules that ISO/IEC 18004 asks for.
struct QRCode: Sendable, Equatable {
    /// The symbol's version (1–40).
    let version: Int
    /// Modules per side, without the quiet zone (`17 + 4 × version`).
    let width: Int
    /// Row-major, `true` for a dark module.
    let modules: [Bool]

    /// Modules of light margin on every side.
    static let quietZone = 4

    /// Encodes `text` (UTF-8 bytes, byte mode, level M).
    /// - Throws: a 500 ``Contracts/Problem`` when libqrencode cannot encode it (text too long for version 40).
    init(_ text: String) throws(Problem) {
        guard let symbol = text.withCString({ QRcode_encodeString8bit($0, 0, QR_ECLEVEL_M) }) else {
            throw Problem.internalError()
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        // Bit 0 of each byte is the module's colour; the other bits describe what the module is part of.
        let bytes = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        version = Int(symbol.pointee.version)
        self.width = width
        modules = bytes.map { $0 & 1 == 1 }
    }

    /// Whether the module at (`x`, `y`) is dark; the quiet zone and anything outside the symbol is light.
    func isDark(x: Int, y: Int) -> Bool {
        guard (0..<width).contains(x), (0..<width).contains(y) else { return false }
        return modules[y * width + x]
    }

    /// Modules per side with the quiet zone.
    var size: Int { width + 2 * Self.quietZone }

    /// The symbol as an SVG document: one path of unit squares on a white background, scaled by the viewer
    /// (`viewBox` in modules, `shape-rendering="crispEdges"`).
    var svg: String {
        var path = ""
        for y in 0..<width {
            var x = 0
            while x < width {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                // A run of dark modules on one row is one rectangle.
                var run = 1
                while isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + Self.quietZone) \(y + Self.quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="\(size * 8)" height="\(size * 8)" \
            shape-rendering="crispEdges"><rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    /// The symbol as a PNG image, `scale` pixels per module, 1-bit greyscale.
    func png(scale: Int = 8) -> [UInt8] {
        let pixels = size * scale
        let rowBytes = (pixels + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * pixels)
        for py in 0..<pixels {
            raw.append(0)  // filter type None
            var row = [UInt8](repeating: 0, count: rowBytes)
            for px in 0..<pixels {
                // Greyscale 1 bit: 1 is white.
                let dark = isDark(x: px / scale - Self.quietZone, y: py / scale - Self.quietZone)
                if !dark { row[px / 8] |= 0x80 >> UInt8(px % 8) }
            }
            raw.append(contentsOf: row)
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(pixels))
        header.appendBigEndian(UInt32(pixels))
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, adaptive filtering, no interlace
        return PNG.signature + PNG.chunk("IHDR", header) + PNG.chunk("IDAT", PNG.zlibStored(raw)) + PNG.chunk("IEND", [])
    }
}

/// Just enough PNG (RFC 2083) to write a QR code: chunks with their CRC-32, and image data in a zlib stream of
/// stored (uncompressed) deflate blocks. A QR image is a few kilobytes raw, so compressing it buys nothing worth a
/// dependency (see docs/adr/0008-customer-portal.md).
enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A chunk: length, type, data, CRC-32 of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var chunk: [UInt8] = []
        chunk.appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        chunk += typed
        chunk.appendBigEndian(crc32(typed))
        return chunk
    }

    /// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4), at most 65,535 bytes each.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let last = offset + length == data.count
            out.append(last ? 1 : 0)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        out.appendBigEndian(adler32(data))
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}
