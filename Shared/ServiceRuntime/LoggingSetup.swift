import Contracts
import Foundation
public import Logging

/// Bootstraps swift-log once per process: human-readable lines or JSON lines (`LOG_FORMAT=json`).
public enum LoggingSetup {
    nonisolated(unsafe) private static var bootstrapped = false
    private static let lock = NSLock()

    /// Installs the log handler for the whole process; later calls do nothing.
    /// - Parameters:
    ///   - format: `text` or `json`.
    ///   - level: the minimum level.
    public static func bootstrap(format: String, level: Logger.Level) {
        lock.lock()
        defer { lock.unlock() }
        guard !bootstrapped else { return }
        bootstrapped = true
        LoggingSystem.bootstrap(
            { label, provider in
                var handler: any LogHandler =
                    format == "json"
                    ? JSONLogHandler(label: label, metadataProvider: provider)
                    : StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            },
            metadataProvider: traceMetadata
        )
    }

    /// Adds `trace_id` and `span_id` of the work in progress (``Contracts/TraceContext/current``) to every log line.
    public static let traceMetadata = Logger.MetadataProvider {
        guard let trace = TraceContext.current else { return [:] }
        return ["trace_id": "\(trace.traceID)", "span_id": "\(trace.spanID)"]
    }
}

/// Writes one JSON object a line to standard error: `time`, `level`, `label`, `message`, metadata members.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private static let lock = NSLock()

    /// Creates a handler for a logger label.
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - metadataProvider: adds metadata from the task in progress (the trace id) to every line.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            "level": event.level.rawValue,
            "label": label,
            "message": "\(event.message)",
            "source": event.source,
        ]
        let provided = metadataProvider?.get() ?? [:]
        for (key, value) in provided.merging(metadata, uniquingKeysWith: { $1 }).merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = "\(value)"
        }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        line.append(0x0A)
        Self.lock.lock()
        FileHandle.standardError.write(line)
        Self.lock.unlock()
    }
}
