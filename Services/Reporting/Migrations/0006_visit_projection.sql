-- Issue 10: visit counts and follow-up frequency from visit.checked_in / visit.checked_out.

-- The latest known state of each visit; `sequence` (the visit's version) makes redeliveries and out-of-order
-- deliveries harmless. `week_start` is the Monday of the check-in's ISO week in Asia/Shanghai.
CREATE TABLE visit_projection (
    id text PRIMARY KEY,
    customer_id text NOT NULL,
    rep_id text NOT NULL,
    checked_in_at timestamptz NOT NULL,
    week_start date NOT NULL,
    checked_out_at timestamptz,
    duration_minutes integer,
    next_follow_up_on date,
    flagged boolean NOT NULL,
    sequence bigint NOT NULL
);
CREATE INDEX visit_projection_week_idx ON visit_projection (week_start, rep_id);
CREATE INDEX visit_projection_customer_idx ON visit_projection (customer_id, checked_in_at);

-- The visit events logged before this projection existed, replayed: the newest version of each visit.
INSERT INTO visit_projection (id, customer_id, rep_id, checked_in_at, week_start, checked_out_at, duration_minutes,
                              next_follow_up_on, flagged, sequence)
SELECT DISTINCT ON (v.visit ->> 'id')
    v.visit ->> 'id',
    v.visit ->> 'customerID',
    v.visit ->> 'repID',
    (v.visit ->> 'checkedInAt')::timestamptz,
    date_trunc('week', (v.visit ->> 'checkedInAt')::timestamptz AT TIME ZONE 'Asia/Shanghai')::date,
    (v.visit ->> 'checkedOutAt')::timestamptz,
    (v.visit ->> 'durationMinutes')::integer,
    (v.visit ->> 'nextFollowUpOn')::date,
    jsonb_array_length(COALESCE(v.visit -> 'flags', '[]'::jsonb)) > 0,
    e.sequence
FROM event_log e, LATERAL (SELECT e.envelope -> 'data' -> 'visit' AS visit) v
WHERE e.type IN ('visit.checked_in', 'visit.checked_out') AND v.visit ->> 'id' IS NOT NULL
ORDER BY v.visit ->> 'id', e.sequence DESC;
