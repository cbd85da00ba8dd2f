public import Contracts
public import Foundation
public import NIOCore
public import PostgresNIO

/// A ``Contracts/RecordID`` binds to and reads from a PostgreSQL `uuid` column, exactly as its UUID does.
extension RecordID: PostgresEncodable, PostgresDecodable, PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { UUID.psqlType }
    public static var psqlFormat: PostgresFormat { UUID.psqlFormat }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        uuid.encode(into: &byteBuffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from byteBuffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        self.init(try UUID(from: &byteBuffer, type: type, format: format, context: context))
    }
}
