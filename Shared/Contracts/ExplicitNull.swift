/// An optional that a synthesized `Encodable` writes as `null` when it has no value, instead of leaving the key out:
/// for API fields the document declares as always present (`"region": null`, `"nextCursor": null`).
///
/// ```swift
/// struct Rep: Encodable {
///     var userId: String
///     @ExplicitNull var region: String?
/// }
/// ```
@propertyWrapper
public struct ExplicitNull<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    /// Wraps a value or `nil`.
    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}

extension ExplicitNull: Equatable where Value: Equatable {}
