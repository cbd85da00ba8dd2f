import Contracts
import Testing

@Suite("Stable hash")
struct StableHashTests {
    @Test("FNV-1a 64 gives the published test vectors, and the byte-array form equals the sequence form")
    func vectors() {
        #expect(StableHash.fnv1a64([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
        #expect(StableHash.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(StableHash.fnv1a64(bytes) == StableHash.fnv1a64(AnySequence(bytes)))
    }
}
