import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceRuntime

/// Completeness over many customers, in one query each: the report's per-owner figures from what customers migration
/// 0012 keeps (``perRep(scope:now:worst:on:)``), and the rule's SQL (``Completeness/scoreSQL(weights:)``) over every
/// active customer (not archived, not merged) in a scope (``scores(scope:now:on:)``, for checks).
struct CompletenessRepository: Sendable {
    let weights: Completeness.Weights
    let logger: Logger

    /// One owner's figures.
    struct RepFigures: Sendable, Equatable {
        var repID: String
        /// Their display name from the org replica; their id when the replica does not know them.
        var repName: String
        var customers: Int
        var sumBp: Int64
        /// Their lowest-scoring customers, lowest first.
        var worst: [WorstCustomer]

        var averageBp: Int64 { Completeness.average(sum: sumBp, count: customers) ?? 0 }
    }

    /// A customer in an owner's worst list.
    struct WorstCustomer: Codable, Sendable, Equatable {
        var customerId: String
        var name: String
        var scoreBp: Int64
        var missing: [Completeness.Criterion]
    }

    /// The figures of every owner with at least one active customer in `scope`, with up to `worst` of their lowest
    /// scores each (ties by name, then id).
    ///
    /// Reads what customers migration 0012 keeps, never scores every customer: the counts per owner and criteria met
    /// (`completeness_counts` with the `completeness_count_changes` not folded yet, ``CompletenessCountsFolder``), the recently visited customers (`customers_recent_visit_idx`, which turns their
    /// `recentVisit` on), and for the worst list only the few (criteria, visited) groups that can hold an owner's
    /// lowest scores, `worst` customers each by name from `customers_completeness_idx`. Scores come from the configured
    /// weights at query time (``Completeness/scoreSQL(weights:)`` over the mask).
    func perRep(scope: DataScope, now: Date, worst: Int, on connection: PostgresConnection) async throws -> [RepFigures] {
        let cutoff = Completeness.recentVisitCutoff(now: now)
        let worst = max(worst, 0)
        let recentBit = Completeness.Criterion.recentVisit.bit
        let rows = try await connection.query(
            """
            WITH stored AS (
                SELECT owner_id, completeness_met::integer AS met, sum(customers) AS customers
                FROM (
                    SELECT owner_id, region, completeness_met, customers FROM completeness_counts
                    UNION ALL
                    SELECT owner_id, region, completeness_met, customers FROM completeness_count_changes
                ) counted
                WHERE (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
                  AND (\(scope.region)::text IS NULL OR region = \(scope.region))
                GROUP BY 1, 2
                HAVING sum(customers) > 0
            ), recent AS (
                SELECT owner_id, completeness_met::integer AS met, count(*) AS customers
                FROM customers
                WHERE archived_at IS NULL AND merged_into IS NULL AND owner_id IS NOT NULL AND last_visit_at IS NOT NULL
                  AND last_visit_at > \(cutoff)
                  AND (\(scope.ownerIDs)::text[] IS NULL OR owner_id = ANY(\(scope.ownerIDs)::text[]))
                  AND (\(scope.region)::text IS NULL OR region = \(scope.region))
                GROUP BY 1, 2
            ), groups AS (
                SELECT s.owner_id, s.met, s.customers - COALESCE(r.customers, 0) AS customers
                FROM stored s LEFT JOIN recent r ON r.owner_id = s.owner_id AND r.met = s.met
                UNION ALL
                SELECT owner_id, met | \(recentBit), customers FROM recent
            ), facts AS (
                SELECT g.owner_id, g.met, g.customers, \(unescaped: Completeness.metColumnsSQL(mask: "g.met"))
                FROM groups g WHERE g.customers > 0
            ), scored AS (
                SELECT f.*, \(unescaped: Completeness.scoreSQL(weights: weights)) AS score_bp,
                    sum(f.customers) OVER (PARTITION BY f.owner_id ORDER BY \(unescaped: Completeness.scoreSQL(weights: weights))) AS through
                FROM facts f
            ), needed AS (
                -- Every group scoring at most the score at which the owner's count reaches `worst`.
                SELECT s.* FROM scored s
                WHERE \(worst) > 0 AND s.score_bp <= COALESCE(
                    (SELECT min(q.score_bp) FROM scored q WHERE q.owner_id = s.owner_id AND q.through >= \(worst)), 10000)
            ), candidates AS (
                SELECT n.owner_id, n.score_bp, w.id, w.name, to_jsonb(\(unescaped: Completeness.missingSQL)) AS missing
                FROM needed n CROSS JOIN LATERAL (
                    SELECT c.id, c.name FROM customers c
                    WHERE c.owner_id = n.owner_id AND c.completeness_met = (n.met & \(Completeness.storedCriteriaMask))::smallint
                      AND c.archived_at IS NULL AND c.merged_into IS NULL
                      AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
                      AND COALESCE(c.last_visit_at > \(cutoff), false) = ((n.met & \(recentBit)) <> 0)
                    ORDER BY c.name, c.id
                    LIMIT \(worst)
                ) w
            ), ranked AS (
                SELECT c.*, row_number() OVER (PARTITION BY c.owner_id ORDER BY c.score_bp, c.name, c.id) AS rank FROM candidates c
            ), lists AS (
                SELECT owner_id, jsonb_agg(jsonb_build_object('customerId', id, 'name', name, 'scoreBp', score_bp, 'missing', missing)
                    ORDER BY rank) AS worst
                FROM ranked WHERE rank <= \(worst)
                GROUP BY owner_id
            ), owners AS (
                SELECT owner_id, sum(customers)::bigint AS customers, sum(customers * score_bp)::bigint AS sum_bp
                FROM scored GROUP BY owner_id
            )
            SELECT o.owner_id, coalesce(u.display_name, ''), o.customers, o.sum_bp, coalesce(l.worst, '[]')::text
            FROM owners o LEFT JOIN lists l ON l.owner_id = o.owner_id LEFT JOIN org_replica u ON u.id = o.owner_id
            ORDER BY o.owner_id
            """,
            logger: logger
        )
        var figures: [RepFigures] = []
        for try await (owner, name, count, sum, worstJSON) in rows.decode((String, String, Int64, Int64, String).self) {
            let worst = try JSONCoding.decoder.decode([WorstCustomer].self, from: Data(worstJSON.utf8))
            figures.append(RepFigures(repID: owner, repName: name.isEmpty ? owner : name, customers: Int(count), sumBp: sum, worst: worst))
        }
        return figures
    }

    /// Every active customer's score in `scope`, by id (for checks against the Swift rule, and small lists).
    func scores(scope: DataScope, now: Date, on connection: PostgresConnection) async throws -> [RecordID: Completeness.Score] {
        let rows = try await connection.query(
            scored(scope: scope, now: now, then: " SELECT id, score_bp, \(Completeness.missingSQL) FROM scored"),
            logger: logger
        )
        var scores: [RecordID: Completeness.Score] = [:]
        for try await (id, score, missing) in rows.decode((UUID, Int64, [String]).self) {
            scores[RecordID(id)] = Completeness.Score(scoreBp: score, missing: missing.compactMap(Completeness.Criterion.init(rawValue:)))
        }
        return scores
    }

    /// What the rule looks at for one customer, read from its row and its visits; `nil` when there is no such customer.
    func facts(customerID: RecordID, on connection: PostgresConnection) async throws -> Completeness.Facts? {
        let rows = try await connection.query(
            """
            SELECT c.credit_code, c.address, c.industry, c.level, c.contacts::text, c.latitude IS NOT NULL,
                (SELECT max(v.checked_in_at) FROM visits v WHERE v.customer_id = c.id)
            FROM customers c WHERE c.id = \(customerID)
            """,
            logger: logger
        )
        for try await (creditCode, address, industry, level, contacts, located, lastVisit) in rows.decode(
            (String?, String?, String?, String?, String, Bool, Date?).self
        ) {
            let titles = try JSONCoding.decoder.decode([CustomerContact].self, from: Data(contacts.utf8)).map(\.title)
            return Completeness.Facts(
                creditCode: creditCode,
                address: address,
                industry: industry,
                level: level,
                contactTitles: titles,
                hasLocation: located,
                lastVisitAt: lastVisit
            )
        }
        return nil
    }

    /// The active users who manage reps (supervisors, regional managers, the general manager) and the active reps.
    func orgChart(
        on connection: PostgresConnection
    ) async throws -> (managers: [CompletenessDigestRule.Person], reps: [CompletenessDigestRule.Person]) {
        let rows = try await connection.query(
            """
            SELECT id, display_name, role, region, supervisor_id FROM org_replica
            WHERE active AND role IN ('rep', 'supervisor', 'regional_manager', 'gm')
            ORDER BY id
            """,
            logger: logger
        )
        var managers: [CompletenessDigestRule.Person] = []
        var reps: [CompletenessDigestRule.Person] = []
        for try await (id, name, roleText, region, supervisor) in rows.decode((String, String, String, String?, String?).self) {
            guard let role = Role(rawValue: roleText) else { continue }
            let person = CompletenessDigestRule.Person(id: id, name: name, role: role, region: region, supervisorID: supervisor)
            if role == .rep { reps.append(person) } else { managers.append(person) }
        }
        return (managers, reps)
    }

    /// `WITH facts AS MATERIALIZED (…), scored AS (…)` over the active customers in `scope`, followed by `then`:
    /// `scored` has `id`, `name`, `owner_id`, `score_bp` and the criteria's `met_…` columns.
    ///
    /// `facts` is materialized so each condition runs once per customer (an inlined one ran once per reference); the
    /// recent-visit test is one hashed pass over the visits since the cutoff (`visits_checked_in_idx`). About 1 s for
    /// 50,000 customers and 200,000 visits on a loaded 2-core machine.
    private func scored(scope: DataScope, now: Date, then tail: String) -> PostgresQuery {
        let cutoff = Completeness.recentVisitCutoff(now: now)
        return """
            WITH facts AS MATERIALIZED (
                SELECT c.id, c.name, c.owner_id, \(unescaped: Completeness.metColumnsSQL)
                FROM (
                    SELECT c.*, EXISTS (SELECT 1 FROM visits v WHERE v.customer_id = c.id AND v.checked_in_at > \(cutoff)) AS recent_visit
                    FROM customers c
                    WHERE c.archived_at IS NULL AND c.merged_into IS NULL AND c.owner_id IS NOT NULL
                      AND (\(scope.ownerIDs)::text[] IS NULL OR c.owner_id = ANY(\(scope.ownerIDs)::text[]))
                      AND (\(scope.region)::text IS NULL OR c.region = \(scope.region))
                ) c
            ), scored AS (
                SELECT f.*, \(unescaped: Completeness.scoreSQL(weights: weights)) AS score_bp FROM facts f
            )\(unescaped: tail)
            """
    }
}
