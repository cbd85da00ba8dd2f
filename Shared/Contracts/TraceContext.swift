/// W3C trace context: the `traceparent` that travels from an HTTP request through its RPC, the outbox, each event and
/// each consumer, so that every log line of one user action carries the same `trace_id`.
///
/// The context of the work in progress is a task local (``current``): the gateway binds it for each request, the RPC
/// server for each request it answers, the event consumer for each event it applies. What is written meanwhile picks it
/// up by itself: `Outbox.append` stamps it on events that name none, and the log handler adds `trace_id` and `span_id`
/// to every line.
public struct TraceContext: Sendable, Hashable {
    /// 32 lower-case hex digits, not all zero: the whole trace's id.
    public let traceID: String
    /// 16 lower-case hex digits, not all zero: this hop's id (the `parent-id` of the header it sends on).
    public let spanID: String
    /// Whether the trace is sampled (flag `01`).
    public let sampled: Bool

    /// The context of the work in progress in this task, if any.
    @TaskLocal public static var current: TraceContext?

    /// Parses a `traceparent` header: `00-<32 hex>-<16 hex>-<2 hex>` in lower case, with neither id all zeros (only
    /// version 00 is accepted); `nil` for anything else.
    public init?(traceparent: String) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00" else { return nil }
        let lowerHex = { (part: Substring, count: Int) in
            part.utf8.count == count && part.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        guard lowerHex(parts[1], 32), lowerHex(parts[2], 16), lowerHex(parts[3], 2) else { return nil }
        guard parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }) else { return nil }
        traceID = String(parts[1])
        spanID = String(parts[2])
        sampled = (UInt8(parts[3], radix: 16) ?? 0) & 1 == 1
    }

    private init(traceID: String, spanID: String, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// A new trace (for work that starts without a caller: a request without `traceparent`, a timer).
    public static func root() -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16), spanID: randomHex(bytes: 8), sampled: true)
    }

    /// The next hop of the same trace: same trace id, a new span id.
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.randomHex(bytes: 8), sampled: sampled)
    }

    /// The context a hop continues: a child of the caller's valid `traceparent`, else a new trace.
    /// - Parameter traceparent: the header the work arrived with, if any.
    public static func continuing(_ traceparent: String?) -> TraceContext {
        traceparent.flatMap(TraceContext.init(traceparent:))?.child() ?? root()
    }

    /// The `traceparent` header value.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    private static func randomHex(bytes: Int) -> String {
        var text = ""
        while true {
            text = ""
            var anyNonZero = false
            for _ in 0..<bytes {
                let byte = UInt8.random(in: 0...255)
                anyNonZero = anyNonZero || byte != 0
                text += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
            }
            if anyNonZero { return text }
        }
    }
}
