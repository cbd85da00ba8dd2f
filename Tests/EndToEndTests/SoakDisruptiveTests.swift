import Foundation
import Logging
import Soak
import Testing

/// The soak of issue 14 for two minutes (benchmarks/soak runs the same engine for ten): the mixed workload through the
/// gateway while RabbitMQ and PostgreSQL restart, each service is killed (SIGKILL) and started again, and each consumer
/// queue gets a poison message. Its servers are its own (``PrivatePostgres``, ``PrivateRabbitMQ``); it runs apart
/// from the other tests (scripts/test runs `Disruptive` suites alone) because it loads the machine.
///
/// Only the loss columns are asserted; the timings in the report are the benchmark's business.
@Suite("End to end Disruptive: soak", .serialized, .timeLimit(.minutes(10)))
struct SoakDisruptiveTests {
    @Test(
        "two minutes of mixed load through every fault lose nothing, double nothing, leave no approval stuck and no outbox row unpublished, push each WeCom message once and park each poison message"
    )
    func soakLosesNothing() async throws {
        var logger = Logger(label: "test.soak")
        logger.logLevel = .info
        let seconds = Int(ProcessInfo.processInfo.environment["SOAK_SECONDS"] ?? "") ?? 120
        let report = try await Soak.run(.init(duration: .seconds(seconds)), logger: logger)
        print(report.markdown)

        // The workload did the saga (so the checks below had something to check), and every fault was survived.
        #expect(report.accepted.submitted > 0 && report.accepted.decisions > 0, "no contract went through approval:\n\(report.markdown)")
        #expect(report.faults.count == 9)
        for fault in report.faults { #expect(fault.recovery != nil, "the system never recovered from \(fault.name)") }
        #expect(report.drained, "the system never drained:\n\(report.markdown)")
        for column in ["lost", "doubled", "stuck", "unpublished", "wecom", "poison"] {
            for check in report.checks(column) {
                #expect(check.count == 0, "\(column): \(check.name): \(check.count) \(check.detail)")
            }
        }
    }
}
