import Contracts
import Foundation
import Testing

@testable import Customers

/// The photo rule (issue 10): the type comes from the bytes; capture time and position survive as data; every other
/// piece of metadata leaves the bytes; damaged bytes are a 422, never a crash.
@Suite("Photo metadata")
struct PhotoMetadataTests {
    /// A fixture under `Tests/Fixtures/photos/` (made once with Pillow: a 32×24 image with Exif Make, Model, Software,
    /// Artist, DateTimeOriginal, BodySerialNumber and GPS, plus a COM comment or PNG text chunks).
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/photos/\(name)").standardized
        return Array(try Data(contentsOf: url))
    }

    /// The strings the fixtures' Exif, comments and text chunks carry besides time and position.
    static let identifying = ["SalesDeskTestCam", "SD-Model-X9", "SecretSoftware", "Owner Zhang San", "SERIAL-0042-XYZ", "Exif"]

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }

    // MARK: HEIC, built by hand: ftyp, meta (hdlr, iinf with an hvc1 and an Exif item, iloc), mdat.

    static func be(_ value: Int, _ size: Int) -> [UInt8] { (0..<size).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) } }
    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be(8 + payload.count, 4) + Array(type.utf8) + payload }
    static func fullBox(_ type: String, version: UInt8, _ payload: [UInt8]) -> [UInt8] { box(type, [version, 0, 0, 0] + payload) }

    /// The TIFF block of the JPEG fixture's Exif (Make, Model, GPS, …).
    static func fixtureTIFF() throws -> [UInt8] {
        let jpeg = try fixture("exif-gps.jpg")
        let marker = Array("Exif\0\0".utf8)
        let start = try #require((0..<(jpeg.count - marker.count)).first { jpeg[$0..<($0 + marker.count)].elementsEqual(marker) })
        let length = Int(jpeg[start - 2]) << 8 | Int(jpeg[start - 1])
        return Array(jpeg[(start + marker.count)..<(start - 2 + length)])
    }

    /// A HEIC file whose Exif item holds `tiff`, with an XMP (`mime`) item after it; `exifOffsetShift` moves the Exif
    /// extent's offset (past the end, say).
    static func heic(tiff: [UInt8], exifOffsetShift: Int = 0, brand: String = "heic") -> [UInt8] {
        let ftyp = box("ftyp", Array(brand.utf8) + be(0, 4) + Array("mif1".utf8) + Array(brand.utf8))
        let image = Array("HEVC-IMAGE-DATA-0123456789".utf8)
        let xmp = Array("<x:xmpmeta><tiff:Make>XMP-Camera-Make</tiff:Make></x:xmpmeta>".utf8)
        let exif = be(6, 4) + Array("Exif\0\0".utf8) + tiff
        func meta(imageOffset: Int, xmpOffset: Int, exifOffset: Int) -> [UInt8] {
            let hdlr = fullBox("hdlr", version: 0, be(0, 4) + Array("pict".utf8) + [UInt8](repeating: 0, count: 12) + [0])
            let infe1 = fullBox("infe", version: 2, be(1, 2) + be(0, 2) + Array("hvc1".utf8) + [0])
            let infe2 = fullBox("infe", version: 2, be(2, 2) + be(0, 2) + Array("Exif".utf8) + [0])
            let infe3 = fullBox("infe", version: 2, be(3, 2) + be(0, 2) + Array("mime".utf8) + [0] + Array("application/rdf+xml".utf8) + [0])
            let iinf = fullBox("iinf", version: 0, be(3, 2) + infe1 + infe2 + infe3)
            // Version 1: offset and length 4 bytes each, no base offset, no index; construction method 0 (file).
            var iloc: [UInt8] = [0x44, 0x00] + be(3, 2)
            iloc += be(1, 2) + be(0, 2) + be(0, 2) + be(1, 2) + be(imageOffset, 4) + be(image.count, 4)
            iloc += be(2, 2) + be(0, 2) + be(0, 2) + be(1, 2) + be(exifOffset, 4) + be(exif.count, 4)
            iloc += be(3, 2) + be(0, 2) + be(0, 2) + be(1, 2) + be(xmpOffset, 4) + be(xmp.count, 4)
            return fullBox("meta", version: 0, hdlr + iinf + fullBox("iloc", version: 1, iloc))
        }
        let metaSize = meta(imageOffset: 0, xmpOffset: 0, exifOffset: 0).count
        let mdatStart = ftyp.count + metaSize + 8
        let offsets = (image: mdatStart, xmp: mdatStart + image.count, exif: mdatStart + image.count + xmp.count + exifOffsetShift)
        return ftyp + meta(imageOffset: offsets.image, xmpOffset: offsets.xmp, exifOffset: offsets.exif) + box("mdat", image + xmp + exif)
    }

    // MARK: Tests

    @Test("the type is read from the bytes: JPEG, PNG and HEIC brands; text, MP4 and nothing are none of them")
    func sniffing() throws {
        #expect(PhotoFormat.sniff(try Self.fixture("exif-gps.jpg")) == .jpeg)
        #expect(PhotoFormat.sniff(try Self.fixture("exif-gps.png")) == .png)
        #expect(PhotoFormat.sniff(Self.heic(tiff: [])) == .heic)
        #expect(PhotoFormat.sniff(Self.heic(tiff: [], brand: "heix")) == .heic)
        #expect(PhotoFormat.sniff(Array("this is a text file named photo.jpg\n".utf8)) == nil)
        #expect(PhotoFormat.sniff(Self.box("ftyp", Array("isom".utf8) + Self.be(0, 4) + Array("isomavc1".utf8))) == nil)
        #expect(PhotoFormat.sniff([]) == nil && PhotoFormat.sniff([0xFF, 0xD8]) == nil)
        #expect(throws: Problem.self) { try PhotoMetadata.strip(Array("GIF89a".utf8)) }
        do {
            _ = try PhotoMetadata.strip(Array("hello".utf8))
            Issue.record("text was taken for a photo")
        } catch {
            #expect(error.status == 415)
        }
    }

    @Test("a JPEG keeps its capture time and position as data; Make, Model, serial, owner, software and comments leave the bytes")
    func jpegStripped() throws {
        let original = try Self.fixture("exif-gps.jpg")
        for text in Self.identifying { #expect(Self.contains(original, text), "the fixture lacks \(text)") }
        let stripped = try PhotoMetadata.strip(original)
        #expect(stripped.format == .jpeg)
        #expect(stripped.metadata.capturedAt == Self.date("2026-11-28T06:30:05Z"))
        #expect(stripped.metadata.latitude == 31.2989 && stripped.metadata.longitude == 120.585317)
        for text in Self.identifying { #expect(!Self.contains(stripped.bytes, text), "\(text) survived") }
        #expect(Self.contains(stripped.bytes, "Taken by") == false)
        #expect(stripped.bytes.starts(with: [0xFF, 0xD8]) && stripped.bytes.suffix(2).elementsEqual([0xFF, 0xD9]))
        #expect(stripped.bytes.count < original.count)
        // The image segments are untouched: stripping again changes nothing.
        #expect(try PhotoMetadata.strip(stripped.bytes).bytes == stripped.bytes)
        #expect(try PhotoMetadata.strip(stripped.bytes).metadata == PhotoMetadata())
    }

    @Test("a JPEG without Exif has no time or position; bytes after its end marker are dropped")
    func jpegWithoutExif() throws {
        let plain = try Self.fixture("plain.jpg")
        let trailing = plain + Array("MPF secondary image with SalesDeskTestCam".utf8)
        let stripped = try PhotoMetadata.strip(trailing)
        #expect(stripped.metadata == PhotoMetadata())
        #expect(!Self.contains(stripped.bytes, "SalesDeskTestCam") && stripped.bytes.suffix(2).elementsEqual([0xFF, 0xD9]))
    }

    @Test("a PNG loses its text, eXIf and tIME chunks and keeps the rest byte for byte; its eXIf gives time and position")
    func pngStripped() throws {
        let original = try Self.fixture("exif-gps.png")
        let stripped = try PhotoMetadata.strip(original)
        #expect(stripped.format == .png)
        #expect(stripped.metadata.capturedAt == Self.date("2025-01-01T19:04:05Z"))
        #expect(stripped.metadata.latitude == -33.866667 && stripped.metadata.longitude == -70.5)
        for text in ["SalesDeskTestCam", "Owner Zhang San", "eXIf", "tEXt", "iTXt"] {
            #expect(Self.contains(original, text) && !Self.contains(stripped.bytes, text), "\(text)")
        }
        for chunk in ["IHDR", "IDAT", "IEND"] { #expect(Self.contains(stripped.bytes, chunk)) }
        #expect(try PhotoMetadata.strip(stripped.bytes).bytes == stripped.bytes)
    }

    @Test("a HEIC's Exif item is read, then it and the XMP item are overwritten with zeros in place: same length, image data untouched")
    func heicStripped() throws {
        let original = Self.heic(tiff: try Self.fixtureTIFF())
        #expect(Self.contains(original, "SalesDeskTestCam") && Self.contains(original, "XMP-Camera-Make"))
        let stripped = try PhotoMetadata.strip(original)
        #expect(!Self.contains(stripped.bytes, "XMP-Camera-Make") && !Self.contains(stripped.bytes, "xmpmeta"))
        #expect(stripped.format == .heic && stripped.bytes.count == original.count)
        #expect(stripped.metadata.latitude == 31.2989 && stripped.metadata.longitude == 120.585317)
        #expect(stripped.metadata.capturedAt == Self.date("2026-11-28T06:30:05Z"))
        // "Exif" stays only as the item's type in iinf; the item's bytes are zeros.
        for text in Self.identifying.dropLast() { #expect(!Self.contains(stripped.bytes, text), "\(text) survived") }
        #expect(Self.contains(stripped.bytes, "HEVC-IMAGE-DATA-0123456789"))
        let changed = zip(original, stripped.bytes).filter { $0 != $1 }
        #expect(changed.allSatisfy { $0.1 == 0 })
    }

    /// The status `strip` answers for `bytes`, 200 when it takes them.
    static func status(_ bytes: [UInt8]) -> Int {
        do {
            _ = try PhotoMetadata.strip(bytes)
            return 200
        } catch {
            return error.status
        }
    }

    @Test(
        "hostile bytes are a 422 problem: a truncated JPEG, a segment longer than the file, a PNG chunk length past the end, a HEIC iloc past the end"
    )
    func hostileInputs() throws {
        let jpeg = try Self.fixture("exif-gps.jpg")
        #expect(Self.status(Array(jpeg.prefix(jpeg.count / 2))) == 422)
        #expect(Self.status(Array(jpeg.dropLast(2))) == 422)
        #expect(Self.status([0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x45, 0x78]) == 422)
        #expect(Self.status([0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01]) == 422)
        #expect(Self.status([0xFF, 0xD8, 0xFF, 0xD9]) == 422)
        var png = try Self.fixture("exif-gps.png")
        png.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xF0])
        #expect(Self.status(png) == 422)
        let tiff = try Self.fixtureTIFF()
        #expect(Self.status(Self.heic(tiff: tiff, exifOffsetShift: 10_000)) == 422)
        // The Exif item is last in the file: one byte later, its extent ends past the end.
        #expect(Self.status(Self.heic(tiff: tiff, exifOffsetShift: 1)) == 422)
        var heicBadBox = Self.heic(tiff: tiff)
        heicBadBox.replaceSubrange(heicBadBox.count - 4..<heicBadBox.count, with: [])
        #expect(Self.status(heicBadBox) == 422)
    }

    @Test("every prefix and thousands of corrupted copies of each fixture answer 200, 415 or 422, never a crash or a 500")
    func corruptedInputsNeverCrash() throws {
        let samples = [try Self.fixture("exif-gps.jpg"), try Self.fixture("exif-gps.png"), Self.heic(tiff: try Self.fixtureTIFF())]
        var generator = SplitMix64(seed: 10)
        for sample in samples {
            for length in 0..<sample.count {
                #expect([200, 415, 422].contains(Self.status(Array(sample.prefix(length)))))
            }
            for _ in 0..<1500 {
                var copy = sample
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                let status = Self.status(copy)
                #expect([200, 415, 422].contains(status))
            }
        }
    }

    @Test("an Exif GPS with a zero denominator or an impossible reference gives no position, and the time alone survives")
    func lenientExif() {
        #expect(ExifReader.captureTime("2026:02:30 10:00:00", offset: nil) == nil)
        #expect(ExifReader.captureTime("2026:11:28 14:30:05", offset: "-05:00") == Self.date("2026-11-28T19:30:05Z"))
        #expect(ExifReader.captureTime("    :  :     :  :  ", offset: nil) == nil)
        #expect(ExifReader.read([]) == PhotoMetadata())
        #expect(ExifReader.read(Array("MM\0*\0\0\0\u{8}\u{FF}\u{FF}".utf8)) == PhotoMetadata())
    }

    @Test("If-None-Match matches a listed, weak or wildcard tag")
    func conditionalRequests() {
        let etag = "\"\(String(repeating: "a", count: 64))\""
        #expect(VisitPhotoRules.matches(ifNoneMatch: etag, etag: etag))
        #expect(VisitPhotoRules.matches(ifNoneMatch: "\"x\", W/\(etag)", etag: etag))
        #expect(VisitPhotoRules.matches(ifNoneMatch: "*", etag: etag))
        #expect(!VisitPhotoRules.matches(ifNoneMatch: "\"x\"", etag: etag))
    }
}

/// A seeded generator, so a failure repeats.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
