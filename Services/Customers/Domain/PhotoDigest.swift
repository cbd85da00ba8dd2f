import Crypto

/// The SHA-256 of photo bytes as lower-case hex: a ``PhotoStore`` key and the download's ETag.
public enum PhotoDigest {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
