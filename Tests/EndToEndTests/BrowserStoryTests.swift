import Dispatch
import Foundation
import TestSupport
import Testing

/// The core story played in a real headless Chromium through the web app, as the people who use it would: the
/// admin sets up a team and a product; a rep on a phone-sized window creates a customer, a deal and two quote
/// versions and submits a contract; the supervisor, the regional manager and the GM approve from their inboxes; the
/// rep signs; the GM's dashboard shows the rep in the TOP5. The story is `Tests/Browser/story.py` (selenium with
/// Debian's chromium and chromium-driver, which `scripts/test` installs); it also checks the accessibility basics
/// and that the browser logged no error or Content-Security-Policy violation.
///
/// Screenshots of each main screen at phone and desktop size go to `.local/screenshots/` (or
/// `SALESDESK_SCREENSHOTS`).
@Suite("End to end: the web app in Chromium", .timeLimit(.minutes(10)))
struct BrowserStoryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    @Test("the core story plays in the browser, from the admin's setup to the GM's dashboard")
    func story() async throws {
        let screenshots =
            ProcessInfo.processInfo.environment["SALESDESK_SCREENSHOTS"]
            ?? Self.repository.appendingPathComponent(".local/screenshots").path
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        // Webhooks (issue 12): step 72 registers a receiver on 127.0.0.1, which the URL policy refuses unless allowed.
        let system = try await SalesDeskSystem.start(extraEnvironment: ["WEBHOOK_ALLOW_HOSTS": "127.0.0.1"])
        defer { system.stop() }
        let script = Self.repository.appendingPathComponent("Tests/Browser/story.py").path
        // Step 80 (issue 14) writes a year of purchase history into reporting's tables, as seed-demo does.
        let command =
            "SALESDESK_STORY_DATABASE_URL='\(system.databaseURL)' "
            + [
                "python3", script, "--base-url", system.gatewayURL, "--admin-password", SalesDeskSystem.adminPassword,
                "--screenshots", screenshots,
            ].map { "'\($0)'" }.joined(separator: " ")
        // Off the cooperative pool: the story takes a minute or more, and the pool has one thread per core.
        let result: Result<String, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result { try TestEnvironment.shell(command) }) }
        }
        switch result {
        case .success:
            break
        case .failure(let failure as ShellFailure):
            Issue.record("the browser story failed (exit \(failure.status)):\n\(failure.output.suffix(12_000))")
        case .failure(let error):
            Issue.record("the browser story did not run: \(error)")
        }
    }
}
