import Persistence
import PostgresNIO

/// Reporting's event log is the source the projections are rebuilt from by replay, so its rows are never deleted.
/// Past ``Persistence/RetentionPolicy/eventLogPersonalData`` the personal data in them is removed instead: the contacts
/// of customer events (names, phones, e-mails; of each customer of a `customer.imported`), the mobile number and WeCom id of user events, and the free-text
/// comment of approval events. What the reports need stays: ids, owners, regions, industries, amounts, stages, times,
/// and user names and roles (a rebuilt ranking still names its reps). Each envelope still decodes as its event type,
/// so a replay applies it as before.
enum EventLogPrivacy {
    /// The rule that strips old rows, a batch at a time, and marks them (`personal_data_removed_at`) so that a row is
    /// handled once.
    static func rule(_ policy: RetentionPolicy) -> RetentionRule {
        RetentionRule(name: "event_log_personal_data", age: policy.eventLogPersonalData) { connection, ageSeconds, batchSize, logger in
            let rows = try await connection.query(
                """
                WITH changed AS (
                    UPDATE event_log SET personal_data_removed_at = now(), envelope = CASE
                        WHEN type = 'customer.imported' AND jsonb_typeof(envelope #> '{data,customers}') = 'array'
                            THEN jsonb_set(envelope, '{data,customers}', COALESCE((
                                SELECT jsonb_agg(c || '{"contacts": []}'::jsonb ORDER BY n)
                                FROM jsonb_array_elements(envelope #> '{data,customers}') WITH ORDINALITY AS e(c, n)
                            ), '[]'::jsonb))
                        WHEN type LIKE 'customer.%' AND jsonb_typeof(envelope #> '{data,customer,contacts}') = 'array'
                            THEN jsonb_set(envelope, '{data,customer,contacts}', '[]'::jsonb)
                        WHEN type LIKE 'user.%' AND jsonb_typeof(envelope #> '{data,user}') = 'object'
                            THEN jsonb_set(jsonb_set(envelope, '{data,user,mobile}', 'null'::jsonb), '{data,user,wecomUserID}', 'null'::jsonb)
                        WHEN type LIKE 'approval.%' AND jsonb_typeof(envelope -> 'data') = 'object' AND envelope -> 'data' ? 'comment'
                            THEN jsonb_set(envelope, '{data,comment}', 'null'::jsonb)
                        ELSE envelope
                    END
                    WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM event_log
                        WHERE personal_data_removed_at IS NULL AND time < now() - make_interval(secs => \(ageSeconds))
                        LIMIT \(Int64(batchSize))
                        FOR UPDATE SKIP LOCKED
                    ))
                    RETURNING 1
                )
                SELECT count(*)::int8 FROM changed
                """,
                logger: logger
            )
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}
