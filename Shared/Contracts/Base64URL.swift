public import Foundation

/// Base64url without padding (RFC 4648 §5): what opaque tokens in URLs are made of — page cursors, portal links.
public enum Base64URL {
    /// The bytes as base64url, without `=` padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of a base64url token of at most `maxLength` characters; `nil` for anything else (padding, the `+/`
    /// alphabet, other characters, an empty or longer token).
    public static func decode(_ token: String, maxLength: Int) -> Data? {
        guard (1...max(maxLength, 1)).contains(token.utf8.count), token.utf8.allSatisfy(isAlphabet) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
