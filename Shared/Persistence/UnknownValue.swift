/// A value read from the database that this build does not know: a status, role or stage outside its enum.
///
/// It is thrown, never mapped to a default: a row that says `regional_manager` must not silently become `rep`, nor an
/// unknown approval status `pending`. The RPC router answers it as a logged 500.
public struct UnknownValue: Error, CustomStringConvertible, Sendable {
    /// `table.column` the value came from.
    public var column: String
    /// The value as stored.
    public var value: String

    /// An unknown `value` in `column`.
    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }

    public var description: String { "unknown value '\(value)' in \(column)" }
}

extension RawRepresentable where RawValue == String {
    /// The case stored as `text` in `column`; throws ``UnknownValue`` for text this build does not know.
    public init(stored text: String, column: String) throws(UnknownValue) {
        guard let value = Self(rawValue: text) else { throw UnknownValue(column: column, value: text) }
        self = value
    }
}
