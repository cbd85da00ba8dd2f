public import Contracts
public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kinds of visit photo SalesDesk stores, told apart by their bytes, never by a file name or a Content-Type.
public enum PhotoFormat: String, Sendable, Codable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case heic = "image/heic"

    /// The media type the photo is served with.
    public var contentType: String { rawValue }

    /// The HEIF brands (ISO/IEC 23008-12) that make an ISO-BMFF file a HEIC photo for us.
    static let heifBrands: Set<String> = ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"]

    /// The format the bytes begin with: JPEG `FF D8 FF`, PNG's eight-byte signature, or an ISO-BMFF `ftyp` box whose
    /// major or a compatible brand is a HEIF brand; `nil` for anything else.
    public static func sniff(_ bytes: [UInt8]) -> PhotoFormat? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: PhotoMetadata.pngSignature) { return .png }
        guard bytes.count >= 16, Array(bytes[4..<8]) == Array("ftyp".utf8) else { return nil }
        let size = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        let end = min(max(size, 16), bytes.count)
        var brands = [String(decoding: bytes[8..<12], as: UTF8.self)]
        var offset = 16
        while offset + 4 <= end {
            brands.append(String(decoding: bytes[offset..<offset + 4], as: UTF8.self))
            offset += 4
        }
        return brands.contains(where: heifBrands.contains) ? .heic : nil
    }
}

/// The rule "metadata other than capture time and position is stripped" (issue 10), for each ``PhotoFormat``.
///
/// Before anything is dropped the Exif block is read for the capture time (`DateTimeOriginal`, else `DateTime`) and the
/// position (`GPSLatitude`/`Ref`, `GPSLongitude`/`Ref`); those two survive as data (``PhotoMetadata``), and everything
/// else — camera make and model, serial numbers, owner, software, thumbnails, XMP, IPTC, comments — is gone from the bytes:
/// - JPEG: every APPn and COM segment is dropped except APP2 `ICC_PROFILE` (the colour profile: a phone's Display P3
///   photo looks wrong without it, and it says nothing about who or where) and APP14 `Adobe` (its colour-transform flag
///   decides how a CMYK/YCCK JPEG decodes). Bytes after EOI (MPF secondary images with their own Exif) are dropped.
/// - PNG: `tEXt`, `iTXt`, `zTXt`, `eXIf` and `tIME` chunks are dropped; the other chunks are kept byte for byte (their
///   CRCs stay right). Bytes after `IEND` are dropped.
/// - HEIC: the `Exif` and `mime` (XMP) items of the `meta` box are found through `iinf` and located through `iloc`, and
///   their bytes are overwritten with zeros: same length, so every offset in the file stays valid.
///
/// Bytes that break their format's structure (a truncated segment, a length past the end, an `iloc` extent outside
/// the file) are a 422 problem; a HEIC layout this reader does not handle (item data in `idat`, an `infe` without item
/// types) is a 415, rather than storing metadata it could not remove. Nothing here trusts a length before checking it.
public struct PhotoMetadata: Sendable, Equatable {
    /// When the photo was taken, from Exif; a time without an Exif `OffsetTimeOriginal` is read as Asia/Shanghai.
    public var capturedAt: Date?
    /// WGS-84 degrees from the Exif GPS block, to six decimals; both or neither.
    public var latitude: Double?
    public var longitude: Double?

    public init(capturedAt: Date? = nil, latitude: Double? = nil, longitude: Double? = nil) {
        self.capturedAt = capturedAt
        self.latitude = latitude
        self.longitude = longitude
    }

    /// A photo after ``strip(_:)``: its format, the bytes to store and what was kept of its metadata.
    public struct Stripped: Sendable, Equatable {
        public var format: PhotoFormat
        public var bytes: [UInt8]
        public var metadata: PhotoMetadata
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Sniffs the format of `bytes`, reads the capture time and position, and removes every other piece of metadata.
    /// - Throws: a 415 ``Contracts/Problem`` for bytes that are not a JPEG, PNG or HEIC photo (or a HEIC layout not
    ///   handled), a 422 for bytes that break their format's structure.
    public static func strip(_ bytes: [UInt8]) throws(Problem) -> Stripped {
        guard let format = PhotoFormat.sniff(bytes) else {
            throw Problem(
                type: "https://salesdesk.example/problems/unsupported-photo",
                title: "Unsupported media type",
                status: 415,
                detail: "A photo must be a JPEG, PNG or HEIC image; these bytes are none of them (the type is read from the bytes, not the name)."
            )
        }
        do {
            switch format {
            case .jpeg: return try stripJPEG(bytes)
            case .png: return try stripPNG(bytes)
            case .heic: return try stripHEIC(bytes)
            }
        } catch let malformed as Malformed {
            throw Problem(
                type: "https://salesdesk.example/problems/malformed-photo",
                title: "Malformed photo",
                status: 422,
                detail: "The \(format.rawValue) bytes are damaged: \(malformed.reason)."
            )
        } catch let unsupported as UnsupportedLayout {
            throw Problem(
                type: "https://salesdesk.example/problems/unsupported-photo",
                title: "Unsupported media type",
                status: 415,
                detail: "This HEIC file's layout is not one whose metadata SalesDesk can remove (\(unsupported.reason)); send it as JPEG."
            )
        } catch {
            throw Problem.internalError()
        }
    }

    /// Bytes that break their format's structure.
    struct Malformed: Error {
        var reason: String
    }

    /// A valid HEIC structure whose metadata this reader cannot remove.
    struct UnsupportedLayout: Error {
        var reason: String
    }

    // MARK: JPEG

    private static func stripJPEG(_ bytes: [UInt8]) throws -> Stripped {
        var output: [UInt8] = [0xFF, 0xD8]
        output.reserveCapacity(bytes.count)
        var metadata = PhotoMetadata()
        var exifRead = false
        var sawScan = false
        var index = 2
        while true {
            guard index < bytes.count else { throw Malformed(reason: "the image ends before its end marker (EOI)") }
            guard bytes[index] == 0xFF else { throw Malformed(reason: "expected a marker at byte \(index)") }
            // Fill bytes: any number of FF may precede a marker.
            var markerIndex = index + 1
            while markerIndex < bytes.count, bytes[markerIndex] == 0xFF { markerIndex += 1 }
            guard markerIndex < bytes.count else { throw Malformed(reason: "the image ends inside a marker") }
            let marker = bytes[markerIndex]
            let segmentStart = markerIndex + 1
            switch marker {
            case 0xD9:
                guard sawScan else { throw Malformed(reason: "the image has no scan (SOS) before its end") }
                output += [0xFF, 0xD9]
                return Stripped(format: .jpeg, bytes: output, metadata: metadata)
            case 0x01, 0xD0...0xD7:
                output += [0xFF, marker]
                index = segmentStart
                continue
            case 0xD8, 0x00:
                throw Malformed(reason: "unexpected marker FF \(String(format: "%02X", marker)) at byte \(markerIndex - 1)")
            default:
                break
            }
            guard segmentStart + 2 <= bytes.count else { throw Malformed(reason: "a segment's length is cut off") }
            let length = Int(bytes[segmentStart]) << 8 | Int(bytes[segmentStart + 1])
            let end = segmentStart + length
            guard length >= 2, end <= bytes.count else {
                throw Malformed(reason: "segment FF \(String(format: "%02X", marker)) claims \(length) bytes past the end of the image")
            }
            let payload = bytes[(segmentStart + 2)..<end]
            let isMetadata = (0xE0...0xEF).contains(marker) || marker == 0xFE
            if isMetadata {
                if marker == 0xE1, !exifRead, payload.starts(with: Array("Exif\0\0".utf8)) {
                    metadata = ExifReader.read(Array(payload.dropFirst(6)))
                    exifRead = true
                }
                let keep =
                    (marker == 0xE2 && payload.starts(with: Array("ICC_PROFILE\0".utf8)))
                    || (marker == 0xEE && payload.starts(with: Array("Adobe".utf8)))
                if keep { output += [0xFF, marker] + bytes[segmentStart..<end] }
                index = end
                continue
            }
            output += [0xFF, marker]
            output += bytes[segmentStart..<end]
            index = end
            guard marker == 0xDA else { continue }
            // Start of scan: entropy-coded data follows until the next marker that is not a stuffed FF 00, a restart
            // marker or fill.
            sawScan = true
            let scanEnd = try endOfScan(bytes, from: end)
            output += bytes[end..<scanEnd]
            index = scanEnd
        }
    }

    /// The index of the marker that ends the entropy-coded data starting at `start`.
    private static func endOfScan(_ bytes: [UInt8], from start: Int) throws -> Int {
        try bytes.withUnsafeBufferPointer { buffer throws -> Int in
            guard let base = buffer.baseAddress else { throw Malformed(reason: "the image ends inside a scan") }
            var position = start
            while position < buffer.count {
                // memchr keeps this fast in debug builds too: photos are megabytes of scan data.
                guard let found = memchr(base + position, 0xFF, buffer.count - position) else { break }
                let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                guard at + 1 < buffer.count else { break }
                let next = buffer[at + 1]
                if next == 0x00 || (0xD0...0xD7).contains(next) || next == 0xFF {
                    position = at + (next == 0xFF ? 1 : 2)
                    continue
                }
                return at
            }
            throw Malformed(reason: "the image ends inside a scan")
        }
    }

    // MARK: PNG

    private static let droppedPNGChunks: Set<String> = ["tEXt", "iTXt", "zTXt", "eXIf", "tIME"]

    private static func stripPNG(_ bytes: [UInt8]) throws -> Stripped {
        var output = pngSignature
        output.reserveCapacity(bytes.count)
        var metadata = PhotoMetadata()
        var index = pngSignature.count
        var first = true
        while true {
            guard index + 12 <= bytes.count else { throw Malformed(reason: "the image ends before its IEND chunk") }
            let length = Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            let type = String(decoding: bytes[(index + 4)..<(index + 8)], as: UTF8.self)
            guard length <= 0x7FFF_FFFF, index + 12 + length <= bytes.count else {
                throw Malformed(reason: "chunk \(type) claims \(length) bytes past the end of the image")
            }
            guard !first || type == "IHDR" else { throw Malformed(reason: "the first chunk is not IHDR") }
            first = false
            let end = index + 12 + length
            if droppedPNGChunks.contains(type) {
                if type == "eXIf" { metadata = ExifReader.read(Array(bytes[(index + 8)..<(index + 8 + length)])) }
            } else {
                output += bytes[index..<end]
            }
            index = end
            if type == "IEND" { return Stripped(format: .png, bytes: output, metadata: metadata) }
        }
    }

    // MARK: HEIC

    /// One ISO-BMFF box: its type and where its payload lies.
    private struct Box {
        var type: String
        var start: Int
        var payload: Range<Int>
    }

    /// The boxes in `range` of `bytes`, in order.
    private static func boxes(in bytes: [UInt8], _ range: Range<Int>) throws -> [Box] {
        var reader = ByteReader(bytes, range)
        var result: [Box] = []
        while !reader.atEnd {
            let start = reader.position
            var size = try reader.uint(4)
            let type = try reader.fourCC()
            var header = 8
            if size == 1 {
                size = try reader.uint(8)
                header = 16
            } else if size == 0 {
                size = UInt64(range.upperBound - start)
            }
            guard size >= UInt64(header), size <= UInt64(range.upperBound - start) else {
                throw Malformed(reason: "box \(type) claims \(size) bytes past the end of its container")
            }
            let end = start + Int(size)
            result.append(Box(type: type, start: start, payload: (start + header)..<end))
            reader.position = end
        }
        return result
    }

    private static func stripHEIC(_ bytes: [UInt8]) throws -> Stripped {
        let top = try boxes(in: bytes, 0..<bytes.count)
        guard let meta = top.first(where: { $0.type == "meta" }) else { throw Malformed(reason: "there is no meta box") }
        // meta is a full box: version and flags come before its children.
        guard meta.payload.count >= 4 else { throw Malformed(reason: "the meta box is cut off") }
        let children = try boxes(in: bytes, (meta.payload.lowerBound + 4)..<meta.payload.upperBound)
        var metadataItems: [UInt32: String] = [:]
        if let iinf = children.first(where: { $0.type == "iinf" }) {
            var reader = ByteReader(bytes, iinf.payload)
            let version = try reader.uint(1)
            _ = try reader.uint(3)
            _ = try reader.uint(version == 0 ? 2 : 4)
            for entry in try boxes(in: bytes, reader.position..<iinf.payload.upperBound) where entry.type == "infe" {
                var infe = ByteReader(bytes, entry.payload)
                let infeVersion = try infe.uint(1)
                _ = try infe.uint(3)
                guard infeVersion >= 2 else { throw UnsupportedLayout(reason: "an item info entry of version \(infeVersion)") }
                let itemID = UInt32(try infe.uint(infeVersion == 2 ? 2 : 4))
                _ = try infe.uint(2)
                let itemType = try infe.fourCC()
                if itemType == "Exif" || itemType == "mime" { metadataItems[itemID] = itemType }
            }
        }
        guard !metadataItems.isEmpty else { return Stripped(format: .heic, bytes: bytes, metadata: PhotoMetadata()) }
        guard let iloc = children.first(where: { $0.type == "iloc" }) else { throw Malformed(reason: "metadata items without an iloc box") }
        let extents = try itemExtents(bytes, iloc.payload, of: Set(metadataItems.keys))
        var output = bytes
        var metadata = PhotoMetadata()
        for (itemID, type) in metadataItems.sorted(by: { $0.key < $1.key }) {
            guard let ranges = extents[itemID] else { throw UnsupportedLayout(reason: "item \(itemID) has no location") }
            if type == "Exif", metadata == PhotoMetadata() {
                // The Exif item starts with the offset of the TIFF header from the end of that field.
                let data = ranges.flatMap { Array(bytes[$0]) }
                var reader = ByteReader(data, 0..<data.count)
                if let skip = try? reader.uint(4), skip <= UInt64(data.count - 4) {
                    var tiff = Array(data[(4 + Int(skip))...])
                    if tiff.starts(with: Array("Exif\0\0".utf8)) { tiff.removeFirst(6) }
                    metadata = ExifReader.read(tiff)
                }
            }
            for range in ranges { output.replaceSubrange(range, with: repeatElement(0, count: range.count)) }
        }
        return Stripped(format: .heic, bytes: output, metadata: metadata)
    }

    /// The byte ranges (in the file) of the items in `wanted`, from the `iloc` box.
    private static func itemExtents(_ bytes: [UInt8], _ payload: Range<Int>, of wanted: Set<UInt32>) throws -> [UInt32: [Range<Int>]] {
        var reader = ByteReader(bytes, payload)
        let version = try reader.uint(1)
        _ = try reader.uint(3)
        guard version <= 2 else { throw UnsupportedLayout(reason: "iloc version \(version)") }
        let sizes = try reader.uint(1)
        let offsetSize = Int(sizes >> 4)
        let lengthSize = Int(sizes & 0x0F)
        let more = try reader.uint(1)
        let baseOffsetSize = Int(more >> 4)
        let indexSize = version == 0 ? 0 : Int(more & 0x0F)
        for size in [offsetSize, lengthSize, baseOffsetSize, indexSize] where ![0, 4, 8].contains(size) {
            throw Malformed(reason: "iloc field size \(size)")
        }
        let count = try reader.uint(version < 2 ? 2 : 4)
        var result: [UInt32: [Range<Int>]] = [:]
        for _ in 0..<count {
            let itemID = UInt32(try reader.uint(version < 2 ? 2 : 4))
            var method: UInt64 = 0
            if version >= 1 { method = try reader.uint(2) & 0x0F }
            _ = try reader.uint(2)
            let base = try reader.uint(baseOffsetSize)
            let extentCount = try reader.uint(2)
            // Extents of no bytes at all would let a short box describe billions of them.
            guard indexSize + offsetSize + lengthSize > 0 || extentCount <= 1 else {
                throw Malformed(reason: "iloc lists \(extentCount) extents of no size")
            }
            var ranges: [Range<Int>] = []
            for _ in 0..<extentCount {
                if indexSize > 0 { _ = try reader.uint(indexSize) }
                let offset = try reader.uint(offsetSize)
                let length = try reader.uint(lengthSize)
                guard wanted.contains(itemID) else { continue }
                guard method == 0 else { throw UnsupportedLayout(reason: "item \(itemID) is stored by construction method \(method)") }
                guard length > 0 else { throw UnsupportedLayout(reason: "item \(itemID) has an extent of unstated length") }
                let (start, overflow) = base.addingReportingOverflow(offset)
                let (end, overflowEnd) = start.addingReportingOverflow(length)
                guard !overflow, !overflowEnd, end <= UInt64(bytes.count) else {
                    throw Malformed(reason: "item \(itemID) points past the end of the file")
                }
                ranges.append(Int(start)..<Int(end))
            }
            if wanted.contains(itemID) { result[itemID, default: []] += ranges }
        }
        return result
    }
}

/// Reads big-endian fields from a range of bytes, refusing to read past it.
struct ByteReader {
    let bytes: [UInt8]
    let range: Range<Int>
    var position: Int

    init(_ bytes: [UInt8], _ range: Range<Int>) {
        self.bytes = bytes
        self.range = range
        position = range.lowerBound
    }

    var atEnd: Bool { position >= range.upperBound }

    /// An unsigned big-endian integer of `size` bytes (0…8; 0 reads nothing and gives 0).
    mutating func uint(_ size: Int) throws -> UInt64 {
        guard size >= 0, size <= 8, position + size <= range.upperBound else {
            throw PhotoMetadata.Malformed(reason: "a field at byte \(position) runs past the end of its box")
        }
        var value: UInt64 = 0
        for index in position..<(position + size) { value = value << 8 | UInt64(bytes[index]) }
        position += size
        return value
    }

    mutating func fourCC() throws -> String {
        let start = position
        _ = try uint(4)
        return String(decoding: bytes[start..<(start + 4)], as: UTF8.self)
    }
}

/// Reads the capture time and GPS position from an Exif (TIFF) block. Lenient by design: the block is removed from the
/// photo whatever it holds, so a field it cannot read is simply absent, never an error.
enum ExifReader {
    static func read(_ tiff: [UInt8]) -> PhotoMetadata {
        guard tiff.count >= 8 else { return PhotoMetadata() }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return PhotoMetadata()
        }
        let tiffData = TIFF(bytes: tiff, littleEndian: littleEndian)
        guard tiffData.uint16(at: 2) == 42, let ifd0Offset = tiffData.uint32(at: 4) else { return PhotoMetadata() }
        let ifd0 = tiffData.entries(at: Int(ifd0Offset))
        let exif = ifd0[0x8769].flatMap { tiffData.uint32(entry: $0) }.map { tiffData.entries(at: Int($0)) } ?? [:]
        let gps = ifd0[0x8825].flatMap { tiffData.uint32(entry: $0) }.map { tiffData.entries(at: Int($0)) } ?? [:]

        var metadata = PhotoMetadata()
        let offset = exif[0x9011].flatMap(tiffData.ascii(entry:))
        if let text = exif[0x9003].flatMap(tiffData.ascii(entry:)) ?? ifd0[0x0132].flatMap(tiffData.ascii(entry:)) {
            metadata.capturedAt = captureTime(text, offset: offset)
        }
        if let latitude = gps[2].flatMap(tiffData.degrees(entry:)), let latitudeRef = gps[1].flatMap(tiffData.ascii(entry:)),
            let longitude = gps[4].flatMap(tiffData.degrees(entry:)), let longitudeRef = gps[3].flatMap(tiffData.ascii(entry:))
        {
            let lat = latitudeRef.hasPrefix("S") ? -latitude : latitude
            let lon = longitudeRef.hasPrefix("W") ? -longitude : longitude
            if (-90...90).contains(lat), (-180...180).contains(lon), latitudeRef.hasPrefix("N") || latitudeRef.hasPrefix("S"),
                longitudeRef.hasPrefix("E") || longitudeRef.hasPrefix("W")
            {
                metadata.latitude = VisitRules.rounded(lat)
                metadata.longitude = VisitRules.rounded(lon)
            }
        }
        return metadata
    }

    /// `YYYY:MM:DD HH:MM:SS` in the camera's local time: with Exif's `OffsetTimeOriginal` (`+08:00`) when present,
    /// else as Asia/Shanghai, where SalesDesk's reps work.
    static func captureTime(_ text: String, offset: String?) -> Date? {
        let parts = text.prefix(19).split(whereSeparator: { $0 == ":" || $0 == " " }).compactMap { Int($0) }
        guard text.count >= 19, parts.count == 6 else { return nil }
        var components = DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5])
        guard (1970...9999).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]), (0...23).contains(parts[3]),
            (0...59).contains(parts[4]), (0...60).contains(parts[5])
        else { return nil }
        var zone = BusinessCalendar.timeZone
        if let offset, offset.count == 6, let sign = offset.first, sign == "+" || sign == "-",
            let hours = Int(offset.dropFirst().prefix(2)), let minutes = Int(offset.suffix(2)), hours <= 14, minutes < 60,
            let parsed = TimeZone(secondsFromGMT: (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
        {
            zone = parsed
        }
        components.timeZone = zone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == parts[2] else { return nil }
        return date
    }

    /// The tag entries of a TIFF block, every read bounds-checked.
    struct TIFF {
        let bytes: [UInt8]
        let littleEndian: Bool

        struct Entry {
            var type: Int
            var count: Int
            /// Where the value lies: inside the entry when it fits in four bytes, else at the entry's offset.
            var valueOffset: Int
        }

        func uint16(at offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= bytes.count else { return nil }
            let (a, b) = (Int(bytes[offset]), Int(bytes[offset + 1]))
            return littleEndian ? b << 8 | a : a << 8 | b
        }

        func uint32(at offset: Int) -> UInt32? {
            guard let high = uint16(at: offset + (littleEndian ? 2 : 0)), let low = uint16(at: offset + (littleEndian ? 0 : 2)) else {
                return nil
            }
            return UInt32(high) << 16 | UInt32(low)
        }

        /// The entries of the IFD at `offset`, by tag (an unreadable IFD has none).
        func entries(at offset: Int) -> [Int: Entry] {
            guard let count = uint16(at: offset), count <= 1000 else { return [:] }
            var result: [Int: Entry] = [:]
            for index in 0..<count {
                let at = offset + 2 + index * 12
                guard let tag = uint16(at: at), let type = uint16(at: at + 2), let valueCount = uint32(at: at + 4) else { break }
                let unit = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8][type] ?? 0
                guard unit > 0, valueCount <= 65_536 else { continue }
                let size = unit * Int(valueCount)
                let valueOffset = size <= 4 ? at + 8 : Int(uint32(at: at + 8) ?? UInt32.max)
                guard valueOffset + size <= bytes.count else { continue }
                result[tag] = Entry(type: type, count: Int(valueCount), valueOffset: valueOffset)
            }
            return result
        }

        func uint32(entry: Entry) -> UInt32? {
            switch entry.type {
            case 4: uint32(at: entry.valueOffset)
            case 3: uint16(at: entry.valueOffset).map(UInt32.init)
            default: nil
            }
        }

        func ascii(entry: Entry) -> String? {
            guard entry.type == 2 else { return nil }
            let raw = bytes[entry.valueOffset..<(entry.valueOffset + entry.count)].prefix { $0 != 0 }
            return String(bytes: raw, encoding: .ascii)
        }

        /// Degrees, minutes and seconds (three RATIONALs) as decimal degrees.
        func degrees(entry: Entry) -> Double? {
            guard entry.type == 5, entry.count == 3 else { return nil }
            var values: [Double] = []
            for index in 0..<3 {
                guard let numerator = uint32(at: entry.valueOffset + index * 8), let denominator = uint32(at: entry.valueOffset + index * 8 + 4),
                    denominator != 0
                else { return nil }
                values.append(Double(numerator) / Double(denominator))
            }
            let degrees = values[0] + values[1] / 60 + values[2] / 3600
            return degrees.isFinite ? degrees : nil
        }
    }
}
