-- Issue 14: true margin's re-purchase columns in O(days) for the periods dashboards ask for (ADR 0012 §3).
--
-- CollectionsRepository.buyers counts, per product line, the distinct customers with a purchase (customer_line_days,
-- lines > 0) in the period and scope, and those of them whose second purchase day (customer_line_repeats, anyone's)
-- is before the period's end. Read from customer_line_days that is one index entry per purchase: 2.9 s for the
-- company at 1,000,000 contracts. A distinct count is no sum of daily rows, but when no purchase at all is dated on
-- or after the period's end (the period ends today, nothing is signed ahead), "bought in the period" is "last bought
-- on or after its first day", and "second day before the end" is "has a second day". So we keep, per scope the
-- reports use whole (the company '*', a region 'region:<region>', one owner 'owner:<owner_id>'):
--
--   customer_line_latest          per (product line, customer, scope key): the last purchase day in that scope, and
--                                 whether the customer bought the line on two days (anyone's): 3 rows per pair,
--                                 one more per further owner or region that sold it;
--   customer_line_latest_counts   per (scope key, last day, product line, repeat): how many of those rows there are.
--                                 A period's buyers are the sum over its days: lines × 365 × 2 rows at most;
--   customer_line_latest_changes  the deltas to those counts not folded yet (no key).
--
-- The counts are hot (every signing today moves its customer to today's row of '*', its region and its owner), so,
-- as for customer_count_changes (0017) and deal_funnel_changes (0018), the trigger only appends deltas and a
-- CountsFolder (CollectionsRepository.buyersFold) moves them into the counts every 5 s; readers add the changes not
-- folded (ADR 0013 §1). One count column with `repeat` in the key keeps CountsFolder as it is.
--
-- Triggers on customer_line_days and customer_line_repeats (both kept by 0013's trigger, in the writer's transaction,
-- by the event handlers, the rebuild's replay and seed-demo's bulk SQL) recompute the latest rows of the (line,
-- customer) pairs whose purchases changed: a days row that starts or stops counting (lines > 0), or a second day that
-- appears or goes. Most statements change neither (a second line of a customer on a day it already bought only adds
-- to `lines`; a second day that moves to another day changes no `repeat`) and cost one pass over their transition
-- rows. The days trigger runs before 0013 updates the repeats row, so it may write a stale `repeat`; the repeats
-- trigger then fires and rewrites it: the pair is right at the end of the statement that wrote both.
--
-- A refresh subtracts the pair's stored rows and adds the recomputed ones in one statement (DELETE … RETURNING and
-- INSERT … RETURNING feeding one INSERT into the changes). Two writers of one pair must not both subtract the same
-- rows or compute from what the other has not committed, so a refresh first locks its customers' rows in id order;
-- the recompute is a new statement, which under READ COMMITTED sees what the writer it waited for committed. The rows
-- are 0012's customer_line_purchase_locks, which customer_line_purchases_refresh locks the same way: one lock per
-- customer for both projections of its purchases, so a transaction that reaches one refresh before the other (a
-- signing: this one first; a contract's customer filled in, then its money recomputed: 0012's first) cannot
-- deadlock with one that reaches them the other way round. Rows, not advisory locks: a bulk statement of seed-demo
-- touches a hundred thousand customers, more than the shared lock table holds.

LOCK TABLE customer_line_days, customer_line_repeats IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE customer_line_latest (
    product_line text NOT NULL,
    customer_id text NOT NULL,
    scope_key text NOT NULL,
    last_day date NOT NULL,
    repeat boolean NOT NULL,
    PRIMARY KEY (product_line, customer_id, scope_key)
);

-- Keyed for the read: one scope's rows from the period's first day on.
CREATE TABLE customer_line_latest_counts (
    scope_key text NOT NULL,
    last_day date NOT NULL,
    product_line text NOT NULL,
    repeat boolean NOT NULL,
    buyers bigint NOT NULL,
    PRIMARY KEY (scope_key, last_day, product_line, repeat)
);

CREATE TABLE customer_line_latest_changes (
    scope_key text NOT NULL,
    last_day date NOT NULL,
    product_line text NOT NULL,
    repeat boolean NOT NULL,
    buyers bigint NOT NULL
);

-- Recomputes the latest rows of the pairs (lines[i], customers[i]) in schema `target` and appends the difference of
-- their counts to the changes.
CREATE FUNCTION customer_line_latest_refresh(target text, lines text[], customers text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(customers) = 0 THEN RETURN; END IF;
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.customer_line_purchase_locks (customer_id)
        SELECT DISTINCT u FROM unnest($1) AS u ORDER BY 1
        ON CONFLICT (customer_id) DO NOTHING
        $sql$,
        target) USING customers;
    EXECUTE format(
        'SELECT FROM %1$I.customer_line_purchase_locks WHERE customer_id = ANY($1) ORDER BY customer_id FOR UPDATE',
        target) USING customers;
    -- A new statement: under READ COMMITTED it sees what a writer we waited for committed. The DELETE is read first
    -- (the first branch of the UNION ALL), so the INSERT of the same keys finds them gone.
    EXECUTE format(
        $sql$
        WITH pairs AS (
            SELECT DISTINCT p.product_line, p.customer_id FROM unnest($1, $2) AS p (product_line, customer_id)
        ), fresh AS (
            SELECT p.product_line, p.customer_id, s.scope_key, max(d.day) AS last_day, r.second_day IS NOT NULL AS repeat
            FROM pairs p
                JOIN %1$I.customer_line_days d ON d.customer_id = p.customer_id AND d.product_line = p.product_line AND d.lines > 0
                CROSS JOIN LATERAL (VALUES ('*'), ('region:' || d.region), ('owner:' || d.owner_id)) AS s (scope_key)
                LEFT JOIN %1$I.customer_line_repeats r ON r.customer_id = p.customer_id AND r.product_line = p.product_line
            GROUP BY p.product_line, p.customer_id, s.scope_key, r.second_day IS NOT NULL
        ), gone AS (
            DELETE FROM %1$I.customer_line_latest l USING pairs p
            WHERE l.product_line = p.product_line AND l.customer_id = p.customer_id
            RETURNING l.scope_key, l.last_day, l.product_line, l.repeat
        ), added AS (
            INSERT INTO %1$I.customer_line_latest (product_line, customer_id, scope_key, last_day, repeat)
            SELECT * FROM fresh ORDER BY 1, 2, 3
            RETURNING scope_key, last_day, product_line, repeat
        )
        INSERT INTO %1$I.customer_line_latest_changes (scope_key, last_day, product_line, repeat, buyers)
        SELECT x.scope_key, x.last_day, x.product_line, x.repeat, sum(x.sign)
        FROM (SELECT g.*, -1::bigint AS sign FROM gone g UNION ALL SELECT a.*, 1::bigint FROM added a) x
        GROUP BY 1, 2, 3, 4
        HAVING sum(x.sign) <> 0
        $sql$,
        target) USING lines, customers;
END
$$;

-- Purchase rows added, removed, or starting or stopping to count (0013 keeps rows whose lines fall to 0).
CREATE FUNCTION customer_line_latest_days() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.product_line, n.customer_id FROM new_rows n WHERE n.lines > 0'
        WHEN 'DELETE' THEN 'SELECT o.product_line, o.customer_id FROM old_rows o WHERE o.lines > 0'
        ELSE 'SELECT x.product_line, x.customer_id FROM (
                (SELECT product_line, day, owner_id, region, customer_id FROM new_rows WHERE lines > 0
                 EXCEPT ALL SELECT product_line, day, owner_id, region, customer_id FROM old_rows WHERE lines > 0)
                UNION ALL
                (SELECT product_line, day, owner_id, region, customer_id FROM old_rows WHERE lines > 0
                 EXCEPT ALL SELECT product_line, day, owner_id, region, customer_id FROM new_rows WHERE lines > 0)) x' END;
    lines text[];
    customers text[];
BEGIN
    EXECUTE format(
        'SELECT array_agg(p.product_line ORDER BY p.product_line, p.customer_id), array_agg(p.customer_id ORDER BY p.product_line, p.customer_id)
         FROM (SELECT DISTINCT c.product_line, c.customer_id FROM (%s) c) p',
        changed) INTO lines, customers;
    -- Most statements (0013's upsert adding a line to a day already bought, a guarded UPDATE that matched nothing):
    -- no pair changed.
    IF customers IS NULL THEN RETURN NULL; END IF;
    -- Named through the table's schema: seed-demo writes `reporting.…` without that search_path.
    EXECUTE format('SELECT %I.customer_line_latest_refresh($1, $2, $3)', TG_TABLE_SCHEMA) USING TG_TABLE_SCHEMA, lines, customers;
    RETURN NULL;
END
$$;

-- A second purchase day that appears or goes (one that moves changes no `repeat`).
CREATE FUNCTION customer_line_latest_repeats() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.product_line, n.customer_id FROM new_rows n WHERE n.second_day IS NOT NULL'
        WHEN 'DELETE' THEN 'SELECT o.product_line, o.customer_id FROM old_rows o WHERE o.second_day IS NOT NULL'
        ELSE 'SELECT x.product_line, x.customer_id FROM (
                (SELECT product_line, customer_id, second_day IS NOT NULL FROM new_rows
                 EXCEPT ALL SELECT product_line, customer_id, second_day IS NOT NULL FROM old_rows)
                UNION ALL
                (SELECT product_line, customer_id, second_day IS NOT NULL FROM old_rows
                 EXCEPT ALL SELECT product_line, customer_id, second_day IS NOT NULL FROM new_rows)) x' END;
    lines text[];
    customers text[];
BEGIN
    EXECUTE format(
        'SELECT array_agg(p.product_line ORDER BY p.product_line, p.customer_id), array_agg(p.customer_id ORDER BY p.product_line, p.customer_id)
         FROM (SELECT DISTINCT c.product_line, c.customer_id FROM (%s) c) p',
        changed) INTO lines, customers;
    IF customers IS NULL THEN RETURN NULL; END IF;
    -- Named through the table's schema: seed-demo writes `reporting.…` without that search_path.
    EXECUTE format('SELECT %I.customer_line_latest_refresh($1, $2, $3)', TG_TABLE_SCHEMA) USING TG_TABLE_SCHEMA, lines, customers;
    RETURN NULL;
END
$$;

-- Backfill from the aggregates as they are, set-based.
INSERT INTO customer_line_latest (product_line, customer_id, scope_key, last_day, repeat)
SELECT d.product_line, d.customer_id, s.scope_key, max(d.day), r.second_day IS NOT NULL
FROM customer_line_days d
    CROSS JOIN LATERAL (VALUES ('*'), ('region:' || d.region), ('owner:' || d.owner_id)) AS s (scope_key)
    LEFT JOIN customer_line_repeats r ON r.customer_id = d.customer_id AND r.product_line = d.product_line
WHERE d.lines > 0
GROUP BY d.product_line, d.customer_id, s.scope_key, r.second_day IS NOT NULL;

INSERT INTO customer_line_latest_counts (scope_key, last_day, product_line, repeat, buyers)
SELECT scope_key, last_day, product_line, repeat, count(*)
FROM customer_line_latest
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER customer_line_latest_insert AFTER INSERT ON customer_line_days
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_latest_days();
CREATE TRIGGER customer_line_latest_update AFTER UPDATE ON customer_line_days
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_latest_days();
CREATE TRIGGER customer_line_latest_delete AFTER DELETE ON customer_line_days
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_latest_days();

CREATE TRIGGER customer_line_latest_insert AFTER INSERT ON customer_line_repeats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_latest_repeats();
CREATE TRIGGER customer_line_latest_update AFTER UPDATE ON customer_line_repeats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_latest_repeats();
CREATE TRIGGER customer_line_latest_delete AFTER DELETE ON customer_line_repeats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_latest_repeats();
