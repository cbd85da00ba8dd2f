import CRabbitMQ
import Foundation

/// Owns C copies of strings and tables for the duration of one rabbitmq-c call.
///
/// rabbitmq-c keeps only pointers, and a message carries many strings plus a header table; nesting one
/// `withUnsafeBytes` scope per string cannot be written for a variable number of headers, so each is copied into
/// memory that lives until ``release()``.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { release() }

    func release() {
        for pointer in allocations { free(pointer) }
        allocations.removeAll()
    }

    /// A copy of `string` as `amqp_bytes_t`, valid until the arena is released.
    func bytes(_ string: String) -> amqp_bytes_t {
        bytes(Array(string.utf8))
    }

    /// A copy of `data` as `amqp_bytes_t`, valid until the arena is released.
    func bytes(_ data: [UInt8]) -> amqp_bytes_t {
        guard !data.isEmpty, let pointer = malloc(data.count) else { return amqp_empty_bytes }
        allocations.append(pointer)
        data.withUnsafeBytes { source in pointer.copyMemory(from: source.baseAddress!, byteCount: data.count) }
        return amqp_bytes_t(len: data.count, bytes: pointer)
    }

    /// A NUL-terminated copy of `string`, valid until the arena is released.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        let utf8 = Array(string.utf8CString)
        let pointer = malloc(utf8.count)!
        allocations.append(pointer)
        utf8.withUnsafeBytes { source in pointer.copyMemory(from: source.baseAddress!, byteCount: utf8.count) }
        return UnsafePointer(pointer.assumingMemoryBound(to: CChar.self))
    }

    /// A table whose entries live in the arena.
    func table(_ entries: [(String, amqp_field_value_t)]) -> amqp_table_t {
        guard !entries.isEmpty else { return amqp_empty_table }
        let size = MemoryLayout<amqp_table_entry_t>.stride * entries.count
        let raw = malloc(size)!
        allocations.append(raw)
        let typed = raw.bindMemory(to: amqp_table_entry_t.self, capacity: entries.count)
        for (index, (key, value)) in entries.enumerated() {
            (typed + index).initialize(to: amqp_table_entry_t(key: bytes(key), value: value))
        }
        return amqp_table_t(num_entries: Int32(entries.count), entries: typed)
    }

    /// A long-string field value.
    func stringValue(_ string: String) -> amqp_field_value_t {
        var value = amqp_field_value_t()
        value.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
        value.value.bytes = bytes(string)
        return value
    }

    /// A table of long-string values (message headers).
    func stringTable(_ strings: [String: String]) -> amqp_table_t {
        table(strings.sorted { $0.key < $1.key }.map { ($0.key, stringValue($0.value)) })
    }

    /// A declaration `arguments` table.
    func argumentTable(_ arguments: [String: AMQPArgument]) -> amqp_table_t {
        table(
            arguments.sorted { $0.key < $1.key }.map { key, argument in
                var value = amqp_field_value_t()
                switch argument {
                case .string(let string):
                    value = stringValue(string)
                case .int(let int):
                    value.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
                    value.value.i64 = int
                case .bool(let bool):
                    value.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
                    value.value.boolean = bool ? 1 : 0
                }
                return (key, value)
            }
        )
    }
}

extension amqp_bytes_t {
    /// A Swift copy, so nothing points into rabbitmq-c's buffers after they are released.
    var bytesCopy: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    /// A Swift string copy (UTF-8, invalid sequences repaired).
    var stringCopy: String { String(decoding: bytesCopy, as: UTF8.self) }
}

extension amqp_table_t {
    /// The entries as strings: long strings as they are, integers and booleans as their decimal text.
    var stringDictionary: [String: String] {
        guard num_entries > 0, let entries else { return [:] }
        var result: [String: String] = [:]
        for index in 0..<Int(num_entries) {
            let entry = entries[index]
            if let text = entry.value.text { result[entry.key.stringCopy] = text }
        }
        return result
    }
}

extension amqp_field_value_t {
    /// The value as text, `nil` for kinds a header string cannot express (tables, arrays, void).
    var text: String? {
        switch UInt32(kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue, AMQP_FIELD_KIND_BYTES.rawValue: value.bytes.stringCopy
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: value.boolean != 0 ? "true" : "false"
        case AMQP_FIELD_KIND_I8.rawValue: String(value.i8)
        case AMQP_FIELD_KIND_U8.rawValue: String(value.u8)
        case AMQP_FIELD_KIND_I16.rawValue: String(value.i16)
        case AMQP_FIELD_KIND_U16.rawValue: String(value.u16)
        case AMQP_FIELD_KIND_I32.rawValue: String(value.i32)
        case AMQP_FIELD_KIND_U32.rawValue: String(value.u32)
        case AMQP_FIELD_KIND_I64.rawValue: String(value.i64)
        case AMQP_FIELD_KIND_U64.rawValue, AMQP_FIELD_KIND_TIMESTAMP.rawValue: String(value.u64)
        case AMQP_FIELD_KIND_F32.rawValue: String(value.f32)
        case AMQP_FIELD_KIND_F64.rawValue: String(value.f64)
        default: nil
        }
    }
}

extension AMQPMessage {
    /// Basic properties for publishing, with every string owned by `arena`.
    func properties(in arena: CArena) -> amqp_basic_properties_t {
        var properties = amqp_basic_properties_t()
        var flags: amqp_flags_t = SALESDESK_BASIC_DELIVERY_MODE_FLAG
        properties.delivery_mode = persistent ? 2 : 1
        if let contentType {
            flags |= SALESDESK_BASIC_CONTENT_TYPE_FLAG
            properties.content_type = arena.bytes(contentType)
        }
        if let messageID {
            flags |= SALESDESK_BASIC_MESSAGE_ID_FLAG
            properties.message_id = arena.bytes(messageID)
        }
        if let correlationID {
            flags |= SALESDESK_BASIC_CORRELATION_ID_FLAG
            properties.correlation_id = arena.bytes(correlationID)
        }
        if let replyTo {
            flags |= SALESDESK_BASIC_REPLY_TO_FLAG
            properties.reply_to = arena.bytes(replyTo)
        }
        if let type {
            flags |= SALESDESK_BASIC_TYPE_FLAG
            properties.type = arena.bytes(type)
        }
        if let expiration {
            flags |= SALESDESK_BASIC_EXPIRATION_FLAG
            properties.expiration = arena.bytes(expiration)
        }
        if let appID {
            flags |= SALESDESK_BASIC_APP_ID_FLAG
            properties.app_id = arena.bytes(appID)
        }
        if let timestamp {
            flags |= SALESDESK_BASIC_TIMESTAMP_FLAG
            properties.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
        }
        if !headers.isEmpty {
            flags |= SALESDESK_BASIC_HEADERS_FLAG
            properties.headers = arena.stringTable(headers)
        }
        properties._flags = flags
        return properties
    }

    /// A message copied out of rabbitmq-c's buffers.
    init(properties: amqp_basic_properties_t, body: amqp_bytes_t) {
        let flags = properties._flags
        func string(_ flag: amqp_flags_t, _ bytes: amqp_bytes_t) -> String? { flags & flag != 0 ? bytes.stringCopy : nil }
        self.init(
            body: body.bytesCopy,
            contentType: string(SALESDESK_BASIC_CONTENT_TYPE_FLAG, properties.content_type),
            messageID: string(SALESDESK_BASIC_MESSAGE_ID_FLAG, properties.message_id),
            correlationID: string(SALESDESK_BASIC_CORRELATION_ID_FLAG, properties.correlation_id),
            replyTo: string(SALESDESK_BASIC_REPLY_TO_FLAG, properties.reply_to),
            type: string(SALESDESK_BASIC_TYPE_FLAG, properties.type),
            expiration: string(SALESDESK_BASIC_EXPIRATION_FLAG, properties.expiration),
            headers: flags & SALESDESK_BASIC_HEADERS_FLAG != 0 ? properties.headers.stringDictionary : [:],
            persistent: flags & SALESDESK_BASIC_DELIVERY_MODE_FLAG != 0 && properties.delivery_mode == 2,
            timestamp: flags & SALESDESK_BASIC_TIMESTAMP_FLAG != 0 ? Date(timeIntervalSince1970: TimeInterval(properties.timestamp)) : nil,
            appID: string(SALESDESK_BASIC_APP_ID_FLAG, properties.app_id)
        )
    }
}
