public import Logging
import OTel
public import ServiceLifecycle

/// Turns span export on for the process, once, when the standard OpenTelemetry variables ask for it (issue 13).
///
/// Export is on when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`), or when it is unset and an OTLP endpoint is set
/// (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); it is off with `OTEL_TRACES_EXPORTER=none`,
/// `OTEL_SDK_DISABLED=true` or none of them. Off, nothing is bootstrapped: the spans of ``Telemetry/Spans`` go to
/// the no-op tracer and cost next to nothing.
///
/// On, swift-otel's tracer becomes the process's (`InstrumentationSystem`) with a batch span processor and the
/// OTLP/HTTP exporter (protobuf unless `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`; this build has no gRPC exporter).
/// The resource's `service.name` is the service's name unless `OTEL_SERVICE_NAME` says otherwise, and every other
/// `OTEL_*` variable swift-otel reads applies (`OTEL_BSP_SCHEDULE_DELAY`, `OTEL_TRACES_SAMPLER`,
/// `OTEL_EXPORTER_OTLP_HEADERS`, …). Only traces: metrics stay on `/metrics` and logs on standard error.
public enum TracingSetup {
    /// Whether the configuration asks for span export (see ``TracingSetup``).
    /// - Parameter configuration: the process's configuration (its `OTEL_*` variables).
    /// - Throws: ``ConfigurationError`` when `OTEL_SDK_DISABLED` is not true or false.
    public static func exportsSpans(_ configuration: ServiceConfiguration) throws(ConfigurationError) -> Bool {
        if try configuration.bool("otel.sdk.disabled", default: false) { return false }
        if let exporter = configuration.optional("otel.traces.exporter") {
            return exporter.lowercased() != "none"
        }
        return configuration.optional("otel.exporter.otlp.endpoint") != nil
            || configuration.optional("otel.exporter.otlp.traces.endpoint") != nil
    }

    /// Bootstraps the tracer when ``exportsSpans(_:)`` says so; call it once, in the executable's `main`, before the
    /// service starts.
    /// - Parameters:
    ///   - serviceName: the resource's `service.name` (the service's name, e.g. `deals`).
    ///   - configuration: the process's configuration.
    ///   - logger: where swift-otel reports its own trouble (an export that failed).
    /// - Returns: the exporter's service, to run before (so it stops after) everything that records spans: its graceful
    ///   shutdown exports the spans still queued. `nil` when export is off.
    /// - Throws: ``ConfigurationError`` naming the `OTEL_*` settings when swift-otel refuses them.
    public static func bootstrap(
        serviceName: String,
        configuration: ServiceConfiguration,
        logger: Logger
    ) throws(ConfigurationError) -> (any Service)? {
        guard try exportsSpans(configuration) else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = serviceName
        otel.resourceAttributes["service.namespace"] = "salesdesk"
        otel.diagnosticLogger = .custom(logger)
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.enabled = true
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.protocol = .httpProtobuf
        do {
            return try OTel.bootstrap(configuration: otel)
        } catch {
            throw ConfigurationError(key: "otel.traces.exporter", reason: "span export cannot start with the OTEL_* settings: \(error)")
        }
    }
}
