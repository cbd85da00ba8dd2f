public import Contracts
import Foundation

/// Reads JSON request bodies, in the services and in the gateway alike, so a malformed body gets the same answer
/// everywhere: a 400 problem that names the field (`items.0.quantity: expected an integer.`).
public enum JSONBody {
    /// Decodes `bytes` as `T`.
    ///
    /// Malformed JSON, a missing field or a wrong type is a 400 ``Contracts/Problem`` naming the field. A type whose
    /// `init(from:)` throws a ``Contracts/Problem`` itself (e.g. a 422 with field errors) has it passed on unchanged.
    /// - Parameters:
    ///   - type: the type to decode.
    ///   - bytes: the JSON body.
    public static func decode<T: Decodable>(_ type: T.Type = T.self, from bytes: [UInt8]) throws(Problem) -> T {
        try checkText(bytes)
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(bytes))
        } catch let problem as Problem {
            throw problem
        } catch let error as DecodingError {
            throw Problem.badRequest(describe(error))
        } catch {
            throw Problem.badRequest("The body is not valid JSON.")
        }
    }

    /// Refuses, as a 422, a body that is not UTF-8 or whose strings hold a NUL character (`\u0000`): PostgreSQL
    /// cannot store either in a text column, so they would otherwise end as a 500 deep in a repository.
    static func checkText(_ bytes: [UInt8]) throws(Problem) {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw Problem.validation([.init(field: "body", message: "must be UTF-8 text")])
        }
        var index = 0
        while index < bytes.count {
            // Inside JSON a backslash always starts an escape, so skipping the escaped character keeps `\\u0000`
            // (an escaped backslash, then text) apart from `\u0000` (the NUL character).
            if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if bytes[index + 1] == UInt8(ascii: "u"), index + 5 < bytes.count,
                    bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == UInt8(ascii: "0") })
                {
                    throw Problem.validation([.init(field: "body", message: "text must not contain the NUL character (\\u0000)")])
                }
                index += 2
            } else {
                index += 1
            }
        }
    }

    /// What went wrong, for a person: the field path and what was expected there.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return names.isEmpty ? "the body" : names.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(describeType(type))."
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(describeType(type)), found null."
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent == "the body" ? "\(key.stringValue) is required." : "\(parent).\(key.stringValue) is required."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "The body is not valid JSON." : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "The body could not be read."
        }
    }

    private static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type, is Decimal.Type: "a number"
        case is Bool.Type: "a boolean"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}
