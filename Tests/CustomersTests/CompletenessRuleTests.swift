import Contracts
import Foundation
import ServiceRuntime
import Testing

@testable import Customers

/// The completeness rule in Swift, its weights from configuration, and the wall-clock schedule the digest runs on.
@Suite("Completeness rule")
struct CompletenessRuleTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let day: TimeInterval = 86_400

    static let everything = Completeness.Facts(
        creditCode: "91330200MA2AXXXX1X",
        address: "宁波市北仑区",
        industry: "fasteners",
        level: "A",
        contactTitles: [nil, "采购经理"],
        hasLocation: true,
        lastVisitAt: now.addingTimeInterval(-10 * day)
    )

    /// (what the customer has, expected score with the default weights, expected missing criteria).
    static let table: [(String, Completeness.Facts, Int64, [Completeness.Criterion])] = [
        ("everything", everything, 10_000, []),
        ("nothing", Completeness.Facts(), 0, Completeness.Criterion.allCases),
        ("industry only", Completeness.Facts(industry: "fasteners"), 1_000, [.creditCode, .address, .level, .contactTitle, .location, .recentVisit]),
        (
            "empty strings are not filled", Completeness.Facts(creditCode: "", address: "", industry: "", level: "", contactTitles: [""]), 0,
            Completeness.Criterion.allCases
        ),
        (
            "contacts without a title", Completeness.Facts(industry: "x", contactTitles: [nil, nil]), 1_000,
            [.creditCode, .address, .level, .contactTitle, .location, .recentVisit]
        ),
        (
            "one titled contact among others", Completeness.Facts(contactTitles: [nil, "厂长"]), 1_500,
            [.creditCode, .address, .industry, .level, .location, .recentVisit]
        ),
        (
            "visit exactly 90 days ago is not recent", Completeness.Facts(lastVisitAt: now.addingTimeInterval(-90 * day)), 0,
            Completeness.Criterion.allCases
        ),
        (
            "visit a second inside 90 days is recent", Completeness.Facts(lastVisitAt: now.addingTimeInterval(-90 * day + 1)), 2_000,
            [.creditCode, .address, .industry, .level, .contactTitle, .location]
        ),
        (
            "all but a recent visit",
            {
                var facts = everything
                facts.lastVisitAt = now.addingTimeInterval(-200 * day)
                return facts
            }(), 8_000,
            [.recentVisit]
        ),
        (
            "location and level", Completeness.Facts(level: "C", hasLocation: true), 2_500,
            [.creditCode, .address, .industry, .contactTitle, .recentVisit]
        ),
    ]

    @Test("a customer's score is Σ met weights × 10000 ÷ Σ weights, with the missing criteria listed in order")
    func ruleTable() {
        for (name, facts, score, missing) in Self.table {
            let result = Completeness.score(facts, weights: .default, now: Self.now)
            #expect(result.scoreBp == score, "\(name)")
            #expect(result.missing == missing, "\(name)")
        }
    }

    @Test("weights that do not divide evenly round half away from zero; averages too")
    func rounding() throws {
        let weights = try Completeness.Weights(parsing: "creditCode=1,address=1,industry=1,level=0001,contactTitle=1,location=1,recentVisit=1")
        #expect(weights.total == 7)
        // 1/7 = 1428.57… → 1429; 3/7 = 4285.71… → 4286; 4/7 = 5714.28… → 5714.
        #expect(Completeness.score(Completeness.Facts(industry: "x"), weights: weights, now: Self.now).scoreBp == 1_429)
        #expect(Completeness.score(Completeness.Facts(address: "a", industry: "x", level: "B"), weights: weights, now: Self.now).scoreBp == 4_286)
        #expect(Completeness.average(sum: 3, count: 2) == 2)
        #expect(Completeness.average(sum: 10_001, count: 2) == 5_001)
        #expect(Completeness.average(sum: 0, count: 0) == nil)
    }

    @Test("weights come from COMPLETENESS_WEIGHTS; unset means the default")
    func weightsFromConfiguration() throws {
        #expect(try Completeness.Weights(ServiceConfiguration(environment: [:])) == .default)
        let configured = try Completeness.Weights(
            ServiceConfiguration(environment: [
                "COMPLETENESS_WEIGHTS": "creditCode=30, address=10,industry=5,level=5,contactTitle=20,location=10,recentVisit=20"
            ])
        )
        #expect(configured[.creditCode] == 30 && configured[.industry] == 5 && configured.total == 100)
        #expect(Completeness.Weights.default.total == 100 && Completeness.Weights.default[.recentVisit] == 20)
    }

    @Test("an unknown name, a missing or repeated one, or a weight that is not a positive whole number is a configuration error")
    func badWeights() {
        let full = "creditCode=20,address=10,industry=10,level=10,contactTitle=15,location=15,recentVisit=20"
        let bad = [
            full + ",phone=5",
            full.replacingOccurrences(of: "level=10", with: "grade=10"),
            full.replacingOccurrences(of: ",recentVisit=20", with: ""),
            full + ",address=5",
            full.replacingOccurrences(of: "level=10", with: "level=0"),
            full.replacingOccurrences(of: "level=10", with: "level=-5"),
            full.replacingOccurrences(of: "level=10", with: "level=ten"),
            full.replacingOccurrences(of: "level=10", with: "level"),
            "",
        ]
        for text in bad {
            #expect(throws: ConfigurationError.self, "\(text)") {
                try Completeness.Weights(ServiceConfiguration(environment: ["COMPLETENESS_WEIGHTS": text.isEmpty ? "," : text]))
            }
        }
        do {
            _ = try Completeness.Weights(ServiceConfiguration(environment: ["COMPLETENESS_WEIGHTS": full + ",phone=5"]))
            Issue.record("accepted an unknown criterion")
        } catch {
            #expect(error.key == "completeness.weights")
            #expect(error.description.contains("COMPLETENESS_WEIGHTS") && error.description.contains("phone"))
        }
    }

    @Test("the service refuses to start with bad weights: building its parts fails before anything runs")
    func refusedAtStart() {
        #expect(throws: ConfigurationError.self) {
            _ = try ServiceApp.build(
                name: "customers",
                configuration: ServiceConfiguration(environment: [
                    "POSTGRES_URL": "postgres://customers:x@127.0.0.1:1/salesdesk",
                    "AMQP_URL": "amqp://customers:x@127.0.0.1:1/salesdesk",
                    "RPC_IDENTITY_KEY": String(repeating: "k", count: 40),
                    "COMPLETENESS_WEIGHTS": "creditCode=20,address=10",
                ]),
                defaultHTTPPort: 0,
                migrationsDirectory: nil,
                parts: CustomersService.parts
            )
        }
    }
}

/// The wall-clock schedule (Shared/ServiceRuntime/Schedule.swift), without a database.
@Suite("Schedule")
struct ScheduleTests {
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { preconditionFailure("bad instant \(text)") }
        return date
    }

    @Test("every Monday 09:00 Asia/Shanghai: the latest occurrence at or before an instant, and the next one after it")
    func mondayInShanghai() {
        let schedule = CompletenessDigestRule.schedule
        // 2026-11-30 is a Monday; 09:00 in Shanghai is 01:00Z.
        #expect(schedule.latestOccurrence(atOrBefore: Self.instant("2026-11-30T01:00:00Z")) == Self.instant("2026-11-30T01:00:00Z"))
        #expect(schedule.latestOccurrence(atOrBefore: Self.instant("2026-11-30T00:59:59Z")) == Self.instant("2026-11-23T01:00:00Z"))
        #expect(schedule.latestOccurrence(atOrBefore: Self.instant("2026-12-06T15:59:00Z")) == Self.instant("2026-11-30T01:00:00Z"))
        #expect(schedule.nextOccurrence(after: Self.instant("2026-11-30T01:00:00Z")) == Self.instant("2026-12-07T01:00:00Z"))
        #expect(schedule.nextOccurrence(after: Self.instant("2026-11-29T16:00:00Z")) == Self.instant("2026-11-30T01:00:00Z"))
        // Sunday 23:30 UTC is already Monday 07:30 in Shanghai.
        #expect(schedule.nextOccurrence(after: Self.instant("2026-11-29T23:30:00Z")) == Self.instant("2026-11-30T01:00:00Z"))
        #expect(schedule.description == "every monday at 09:00 Asia/Shanghai")
    }

    @Test("a zone with daylight saving keeps the local time across the change")
    func daylightSaving() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let schedule = Schedule(.weekly(.monday), hour: 9, minute: 0, timeZone: berlin)
        // Summer time starts on 2027-03-28: 09:00 is 08:00Z the Monday before and 07:00Z the Monday after.
        #expect(schedule.nextOccurrence(after: Self.instant("2027-03-20T00:00:00Z")) == Self.instant("2027-03-22T08:00:00Z"))
        #expect(schedule.nextOccurrence(after: Self.instant("2027-03-22T08:00:00Z")) == Self.instant("2027-03-29T07:00:00Z"))
        let daily = Schedule(.daily, hour: 18, minute: 30, timeZone: berlin)
        // 18:30 is 17:30Z on the Saturday (CET) and 16:30Z on the Sunday (CEST).
        #expect(daily.latestOccurrence(atOrBefore: Self.instant("2027-03-28T16:00:00Z")) == Self.instant("2027-03-27T17:30:00Z"))
        #expect(daily.latestOccurrence(atOrBefore: Self.instant("2027-03-28T17:00:00Z")) == Self.instant("2027-03-28T16:30:00Z"))
    }
}
