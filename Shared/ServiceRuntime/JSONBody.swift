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
