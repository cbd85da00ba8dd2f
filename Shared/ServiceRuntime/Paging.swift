public import Contracts
public import Foundation

/// A position in a newest-first list: the last item's creation time and id, as an opaque token.
///
/// The token is base64url of `<microseconds since 1970>:<lower-case uuid>`. Parsing is strict: a token this API
/// could not have written (bad alphabet, a time outside ``validTimes``, a malformed id) is refused, so a tampered
/// cursor is a 422 and never reaches a database driver with an extreme value.
public struct PageCursor: Sendable, Equatable {
    /// The creation time of the last item on the previous page.
    public var createdAt: Date
    /// Its id, the tie-breaker between items created in the same microsecond.
    public var id: UUID

    /// The times a cursor may carry: no record of ours is older than 2000 or newer than 2200.
    public static let validTimes = Date(timeIntervalSince1970: 946_684_800)...Date(timeIntervalSince1970: 7_258_118_400)

    /// A cursor after the item with this creation time and id.
    public init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// A cursor after a row numbered by a `bigint` (an audit or history line) instead of a UUID: the number travels
    /// in the last eight bytes of ``id``, big-endian.
    /// - Parameters:
    ///   - createdAt: the row's time.
    ///   - number: the row's number, the tie-breaker between rows of the same microsecond.
    public init(createdAt: Date, number: Int64) {
        let n = UInt64(bitPattern: number)
        let b = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * (7 - $0))) }
        self.init(createdAt: createdAt, id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])))
    }

    /// The row number of a cursor made by ``init(createdAt:number:)``.
    public var number: Int64 {
        let u = id.uuid
        return [u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15].reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// ``createdAt`` as a query binds it: a quarter microsecond past it.
    ///
    /// PostgresNIO binds a `Date` by truncating to whole microseconds, and a `Date` of our era is exact only to about a
    /// quarter of a microsecond, so ``createdAt`` itself can arrive one microsecond early: an oldest-first page would
    /// then repeat the cursor's own row, and a newest-first page could skip rows of the cursor's microsecond. A quarter
    /// microsecond past it still truncates to the cursor's microsecond.
    public var boundTime: Date {
        let micros = (createdAt.timeIntervalSince1970 * 1_000_000).rounded()
        return Date(timeIntervalSince1970: (micros + 0.25) / 1_000_000)
    }

    /// The opaque token clients pass back as `cursor`.
    public var token: String {
        let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        return Base64URL.encode(Data("\(micros):\(RecordID(id))".utf8))
    }

    /// Parses a token; `nil` if it is not one this API wrote.
    public init?(token: String) {
        guard let data = Base64URL.decode(token, maxLength: 128), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        let createdAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        guard Self.validTimes.contains(createdAt) else { return nil }
        self.init(createdAt: createdAt, id: id)
    }
}

/// What a list request asks for: how many items, and after which one.
public struct PageRequest: Sendable, Equatable {
    /// How many items the page holds at most.
    public var limit: Int
    /// Where the previous page ended; `nil` for the first page.
    public var cursor: PageCursor?

    /// A request for `limit` items after `cursor`.
    public init(limit: Int, cursor: PageCursor? = nil) {
        self.limit = limit
        self.cursor = cursor
    }

    /// How many rows to fetch: one more than the page, which tells whether another page exists without a second query.
    public var fetchLimit: Int { limit + 1 }
}

/// One page of a list as every list endpoint answers it: `{"items": […], "nextCursor": "…" | null}`.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    /// The items of this page.
    public var items: [Item]
    /// The token of the next page; `null` on the last page (always present, as the API document says).
    @ExplicitNull public var nextCursor: String?

    /// A page with these items and next-page token.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// The page made from `rows` fetched with ``PageRequest/fetchLimit``: the first `limit` rows, and a cursor after
    /// the last of them when more rows exist.
    /// - Parameters:
    ///   - rows: the rows, newest first, at most `fetchLimit` of them.
    ///   - request: the page request they were fetched for.
    ///   - cursor: the cursor after one row.
    public init(rows: [Item], for request: PageRequest, cursor: (Item) -> PageCursor) {
        let items = Array(rows.prefix(request.limit))
        self.init(items: items, nextCursor: rows.count > request.limit ? items.last.map { cursor($0).token } : nil)
    }
}

extension RPCRequest {
    /// The `limit` and `cursor` query parameters, checked: `limit` a whole number in `1...maxLimit`, `cursor` a token
    /// this API wrote. Anything else is a 422 naming the parameter.
    /// - Parameters:
    ///   - defaultLimit: the page size without `limit`.
    ///   - maxLimit: the largest page a caller may ask for.
    public func pageRequest(defaultLimit: Int = 20, maxLimit: Int = 100) throws(Problem) -> PageRequest {
        var errors: [Problem.FieldError] = []
        let limit = Self.limit(query["limit"], default: defaultLimit, max: maxLimit, into: &errors)
        var cursor: PageCursor?
        if let token = query["cursor"], !token.isEmpty {
            cursor = PageCursor(token: token)
            if cursor == nil { errors.append(.init(field: "cursor", message: "is not a cursor this API returned")) }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return PageRequest(limit: limit, cursor: cursor)
    }

    /// The `limit` query parameter of a list that has no cursor: a whole number in `1...maxLimit` (422 otherwise).
    public func limit(default defaultLimit: Int, max maxLimit: Int = 100) throws(Problem) -> Int {
        var errors: [Problem.FieldError] = []
        let limit = Self.limit(query["limit"], default: defaultLimit, max: maxLimit, into: &errors)
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return limit
    }

    private static func limit(_ text: String?, default defaultLimit: Int, max maxLimit: Int, into errors: inout [Problem.FieldError]) -> Int {
        guard let text else { return defaultLimit }
        guard let value = Int(text), (1...maxLimit).contains(value) else {
            errors.append(.init(field: "limit", message: "must be a whole number from 1 to \(maxLimit)"))
            return defaultLimit
        }
        return value
    }
}
