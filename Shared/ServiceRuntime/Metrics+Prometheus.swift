import Metrics
public import Prometheus

/// The process-wide Prometheus registry behind swift-metrics; `/metrics` renders it.
public enum PrometheusMetrics {
    /// The registry every metric of this process lands in (bootstrapped on first use, once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The current metrics in the Prometheus text format.
    public static func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
