-- The manager's views of field work (issue 10): customers not visited for N days and overdue follow-ups.

-- The latest check-in at each customer, kept by every check-in in the same transaction (the customer row is locked),
-- so "not visited for N days" is an index range at 50k customers instead of a max() per customer.
ALTER TABLE customers ADD COLUMN last_visit_at timestamptz;
UPDATE customers c SET last_visit_at = v.last_visit_at
FROM (SELECT customer_id, max(checked_in_at) AS last_visit_at FROM visits GROUP BY customer_id) v
WHERE v.customer_id = c.id;
-- Never-visited customers sort first: they stand at 2000-01-01 (the earliest time a page cursor carries). The
-- queries use exactly this expression.
CREATE INDEX customers_not_visited_idx ON customers ((COALESCE(last_visit_at, '2000-01-01 00:00:00+00'::timestamptz)), id)
    WHERE archived_at IS NULL;

-- Follow-ups by due date; the "no later visit" test uses visits_customer_idx.
CREATE INDEX visits_follow_up_idx ON visits (next_follow_up_on, id) WHERE next_follow_up_on IS NOT NULL;
