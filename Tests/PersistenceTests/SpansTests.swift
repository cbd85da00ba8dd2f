import Contracts
import ServiceRuntime
import Telemetry
import Testing

/// Issue 13: spans and their export switch. The test process bootstraps no tracer, so these are the contexts every
/// service keeps when span export is off; `OTLPTraceEndToEndTests` covers the spans swift-otel exports.
@Suite("Spans and span export settings")
struct SpansTests {
    static let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test("without a tracer, a server or consumer hop is a new span of the caller's trace, bound while its work runs")
    func serverHopIsAChild() async throws {
        for kind in [TraceSpan.Kind.server, .consumer, .internal] {
            let (inside, span) = await Spans.run("deals.submitContract", kind: kind, continuing: Self.caller) { span in
                (TraceContext.current, TraceSpan.current?.trace)
            }
            let trace = try #require(inside)
            #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(trace.spanID != "00f067aa0ba902b7")
            #expect(span == trace)
        }
        #expect(TraceContext.current == nil)
        #expect(TraceSpan.current == nil)
    }

    @Test("without a tracer, a client or producer hop sends on the context it continues")
    func clientHopSendsItsParent() {
        for kind in [TraceSpan.Kind.client, .producer] {
            let span = Spans.start("publish contract.submitted", kind: kind, continuing: Self.caller)
            defer { span.end() }
            #expect(span.trace.traceparent == Self.caller)
            #expect(!span.isTraced)
        }
    }

    @Test("a missing or malformed traceparent starts a new trace")
    func malformedStartsATrace() {
        for traceparent in [nil, "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"] {
            for kind in [TraceSpan.Kind.server, .client] {
                let span = Spans.start("x", kind: kind, continuing: traceparent)
                defer { span.end() }
                #expect(span.trace.traceID != "4bf92f3577b34da6a3ce929d0e0e4736")
                #expect(TraceContext(traceparent: span.trace.traceparent) == span.trace)
            }
        }
    }

    struct Refused: Error {}

    @Test("an error of the work leaves the span and reaches the caller")
    func errorsAreRethrown() async {
        await #expect(throws: Refused.self) {
            try await Spans.run("deals.submitContract", kind: .server, continuing: Self.caller) { _ in throw Refused() }
        }
    }

    @Test("span export is on only when OTEL_TRACES_EXPORTER or an OTLP endpoint asks for it")
    func exportSwitch() throws {
        func exports(_ environment: [String: String]) throws -> Bool {
            try TracingSetup.exportsSpans(ServiceConfiguration(environment: environment))
        }
        #expect(try !exports([:]))
        #expect(try exports(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(try exports(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"]))
        #expect(try exports(["OTEL_TRACES_EXPORTER": "otlp"]))
        #expect(try !exports(["OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(try !exports(["OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"]))
        #expect(throws: ConfigurationError.self) { try exports(["OTEL_SDK_DISABLED": "maybe"]) }
    }
}
