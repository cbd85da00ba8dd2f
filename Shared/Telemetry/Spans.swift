public import Contracts
import Tracing

/// Starts the spans of SalesDesk's hops and keeps ``Contracts/TraceContext`` in step with them.
///
/// A span is started with the process's tracer (`InstrumentationSystem.tracer`; swift-otel's when
/// ``ServiceRuntime/TracingSetup`` bootstrapped it, else the no-op tracer). Its parent is the `traceparent` the hop
/// continues, so the span's trace id is the caller's, and the hop's ``Contracts/TraceContext`` (what its log lines
/// carry and what it sends on) takes the span's own ids: the ids in the exported spans, in the `traceparent` headers
/// and in the logs are the same.
///
/// Without a tracer nothing is recorded and the contexts are what they were before spans existed: a server or consumer
/// hop is a child of the caller (``Contracts/TraceContext/continuing(_:)``), a client or producer hop sends on the
/// context it continues.
public enum Spans {
    /// Starts a span; end it with ``TraceSpan/end()``. Prefer ``run(_:kind:continuing:attributes:_:)`` where the work is
    /// one closure.
    /// - Parameters:
    ///   - name: the span's name (``TraceSpan/name`` may change it later, e.g. once a route is known).
    ///   - kind: what the hop is to its caller.
    ///   - traceparent: the `traceparent` the hop continues; `nil` or one that is not W3C trace context starts a trace.
    ///   - attributes: the span's first attributes.
    public static func start(
        _ name: String,
        kind: TraceSpan.Kind,
        continuing traceparent: String?,
        attributes: [String: String] = [:]
    ) -> TraceSpan {
        let tracer = InstrumentationSystem.tracer
        let parent = traceparent.flatMap(TraceContext.init(traceparent:))
        var parentContext = InstrumentationContext.topLevel
        if let parent {
            tracer.extract([TraceSpan.traceparentKey: parent.traceparent], into: &parentContext, using: CarrierCoding())
        }
        let span = tracer.startSpan(name, context: parentContext, ofKind: kind.spanKind)
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: CarrierCoding())
        let traced = carrier[TraceSpan.traceparentKey].flatMap(TraceContext.init(traceparent:))
        let trace: TraceContext
        switch (traced, kind) {
        case (let traced?, _): trace = traced
        case (nil, .client), (nil, .producer): trace = parent ?? .root()
        case (nil, _): trace = parent?.child() ?? .root()
        }
        let handle = TraceSpan(span: span, trace: trace, isTraced: traced != nil)
        for (key, value) in attributes { handle.set(key, value) }
        return handle
    }

    /// Runs `work` in a new span, with the span's ``Contracts/TraceContext`` as the task's
    /// (``Contracts/TraceContext/current``) and the span as ``TraceSpan/current``; the span ends when `work` returns.
    /// An error `work` throws is recorded on the span (and marks it failed) before it is rethrown.
    /// - Parameters:
    ///   - name: the span's name.
    ///   - kind: what the hop is to its caller.
    ///   - traceparent: the `traceparent` the hop continues; `nil` or one that is not W3C trace context starts a trace.
    ///   - attributes: the span's first attributes.
    ///   - work: the hop's work; it gets the span to add attributes or record failures.
    public static func run<Result>(
        _ name: String,
        kind: TraceSpan.Kind,
        continuing traceparent: String?,
        attributes: [String: String] = [:],
        _ work: (TraceSpan) async throws -> Result
    ) async rethrows -> Result {
        let span = start(name, kind: kind, continuing: traceparent, attributes: attributes)
        defer { span.end() }
        do {
            return try await span.bind { try await work(span) }
        } catch {
            span.recordError(error)
            throw error
        }
    }
}

/// A span in progress: its ``trace`` context, and the attributes, failures and name it records until ``end()``.
public struct TraceSpan: Sendable {
    /// What a hop is to its caller (OpenTelemetry's span kinds).
    public enum Kind: Sendable {
        /// Answers a remote call: an HTTP request, an RPC request.
        case server
        /// Makes a remote call and waits for its answer: an RPC call.
        case client
        /// Sends a message nobody answers: an event publish.
        case producer
        /// Applies a message: an event delivery.
        case consumer
        /// Work inside one service.
        case `internal`

        var spanKind: SpanKind {
            switch self {
            case .server: .server
            case .client: .client
            case .producer: .producer
            case .consumer: .consumer
            case .internal: .internal
            }
        }
    }

    static let traceparentKey = "traceparent"

    private let span: any Span
    /// The hop's trace context: the span's ids when a tracer records spans (see ``Spans``).
    public let trace: TraceContext
    /// Whether a tracer gave the span its ids (else ``trace`` is SalesDesk's own and nothing is recorded).
    public let isTraced: Bool

    /// The span of the work in progress in this task (bound by ``Spans/run(_:kind:continuing:attributes:_:)``).
    @TaskLocal public static var current: TraceSpan?

    init(span: any Span, trace: TraceContext, isTraced: Bool) {
        self.span = span
        self.trace = trace
        self.isTraced = isTraced
    }

    /// The span's name.
    public var name: String {
        get { span.operationName }
        nonmutating set { span.operationName = newValue }
    }

    /// Sets a text attribute.
    public func set(_ key: String, _ value: String) {
        span.attributes[key] = value
    }

    /// Sets a number attribute.
    public func set(_ key: String, _ value: Int) {
        span.attributes[key] = value
    }

    /// Records an error on the span (as an `exception` event).
    /// - Parameters:
    ///   - error: what went wrong.
    ///   - failing: whether it also marks the span failed (not for an attempt that is retried).
    public func recordError(_ error: any Error, failing: Bool = true) {
        span.recordError(error)
        if failing { span.setStatus(SpanStatus(code: .error)) }
    }

    /// Marks the span failed without an error value (e.g. an answer with status 500).
    /// - Parameter description: why, in words.
    public func fail(_ description: String) {
        span.setStatus(SpanStatus(code: .error, message: description))
    }

    /// Ends the span; what it records afterwards is ignored.
    public func end() {
        span.end()
    }

    /// Runs `work` with this span as the work in progress: ``Contracts/TraceContext/current`` is its ``trace`` (log
    /// lines and outbox events pick it up), ``current`` is the span, and the instrumentation context is the span's (so
    /// libraries that trace, like async-http-client, start children of it).
    public func bind<Result>(_ work: () async throws -> Result) async rethrows -> Result {
        try await TraceContext.$current.withValue(trace) {
            try await InstrumentationContext.$current.withValue(span.context) {
                try await TraceSpan.$current.withValue(self) { try await work() }
            }
        }
    }
}

/// Reads and writes the `traceparent` of a `[String: String]` carrier for the tracer's propagator.
private struct CarrierCoding: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
