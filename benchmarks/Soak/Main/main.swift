import Foundation
import Logging
import Soak

// `salesdesk-soak`: the soak for SOAK_SECONDS (default 600) on a PostgreSQL and a RabbitMQ of its own, with the six
// executables in SALESDESK_BIN_DIR; prints the report as markdown. A benchmark: it asserts nothing and exits 0 unless
// the soak could not run at all (the loss columns are in the report).
let seconds = Int(ProcessInfo.processInfo.environment["SOAK_SECONDS"] ?? "") ?? 600
var logger = Logger(label: "salesdesk.soak")
logger.logLevel = .info
do {
    let report = try await Soak.run(.init(duration: .seconds(seconds)), logger: logger)
    print(report.markdown)
} catch {
    FileHandle.standardError.write(Data("salesdesk-soak: the soak could not run: \(error)\n".utf8))
    exit(1)
}
