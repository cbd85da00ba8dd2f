/// A hash that is the same in every process and on every run (Swift's `Hasher` is seeded per process): migration
/// checksums and the request fingerprints of idempotency keys.
public enum StableHash {
    /// 64-bit FNV-1a of the bytes.
    public static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// 64-bit FNV-1a of a byte array: the same value as the `Sequence` form, over the array's storage. Request bodies
    /// reach 10 MiB (visit photos), and the generic iterator costs about a second for that in a debug build.
    public static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { buffer in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            guard var pointer = buffer.baseAddress else { return hash }
            let end = pointer + buffer.count
            while pointer < end {
                hash = (hash ^ UInt64(pointer.pointee)) &* 0x0000_0100_0000_01b3
                pointer += 1
            }
            return hash
        }
    }

    /// 64-bit FNV-1a of the text's UTF-8 bytes as 16 lower-case hex digits.
    public static func fnv1a64Hex(_ text: String) -> String {
        let hex = String(fnv1a64(text.utf8), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
