-- Issue 14: the completeness report (customers.completenessReport) and its weekly digest without scoring every
-- customer on every request (1.5 s at 100,000 customers).
--
-- What is stored is which criteria a customer meets, not its score: the score depends on the configured weights
-- (`completeness.weights`) and, through "visited within 90 days", on the time of asking, so a stored score would go
-- stale. The six criteria that depend only on the row are a bit mask kept by PostgreSQL itself (a generated column, so
-- every writer — the operations, imports, merges, seed-demo — keeps it without knowing of it); the seventh comes from
-- `last_visit_at` at query time. The bits are Completeness.Criterion.bit; the conditions are Completeness.condition's,
-- and CompletenessTests checks the stored mask against the Swift rule:
--   1 creditCode, 2 address, 4 industry, 8 level, 16 contactTitle (a contact with a non-empty string title),
--   32 location; 64 recentVisit is never stored.
ALTER TABLE customers ADD COLUMN completeness_met smallint GENERATED ALWAYS AS ((
    (CASE WHEN COALESCE(credit_code, '') <> '' THEN 1 ELSE 0 END)
    | (CASE WHEN COALESCE(address, '') <> '' THEN 2 ELSE 0 END)
    | (CASE WHEN COALESCE(industry, '') <> '' THEN 4 ELSE 0 END)
    | (CASE WHEN COALESCE(level, '') <> '' THEN 8 ELSE 0 END)
    | (CASE WHEN jsonb_path_exists(contacts, '$[*] ? (@.title.type() == "string" && @.title != "")') THEN 16 ELSE 0 END)
    | (CASE WHEN latitude IS NOT NULL THEN 32 ELSE 0 END)
)::smallint) STORED;

-- `last_visit_at` (migration 0010) is now kept by the visits themselves, so every way a visit is written or moved (a
-- check-in, a merge moving the merged customer's visits to the survivor) keeps it equal to the customer's latest
-- check-in, as the completeness rule reads visits: a new visit moves it forward; a visit that moves to another
-- customer or changes its time sets both customers' to their latest remaining visit.
CREATE FUNCTION customers_last_visit_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format(
            $sql$
            UPDATE %1$I.customers c SET last_visit_at = v.last_visit_at
            FROM (SELECT customer_id, max(checked_in_at) AS last_visit_at FROM new_rows GROUP BY customer_id ORDER BY customer_id) v
            WHERE c.id = v.customer_id AND (c.last_visit_at IS NULL OR c.last_visit_at < v.last_visit_at)
            $sql$,
            TG_TABLE_SCHEMA);
    ELSIF EXISTS (SELECT FROM new_rows n JOIN old_rows o USING (id)
                  WHERE n.customer_id <> o.customer_id OR n.checked_in_at <> o.checked_in_at) THEN
        EXECUTE format(
            $sql$
            UPDATE %1$I.customers c SET last_visit_at = v.last_visit_at
            FROM (
                SELECT t.customer_id, (SELECT max(x.checked_in_at) FROM %1$I.visits x WHERE x.customer_id = t.customer_id) AS last_visit_at
                FROM (
                    SELECT n.customer_id FROM new_rows n JOIN old_rows o USING (id)
                    WHERE n.customer_id <> o.customer_id OR n.checked_in_at <> o.checked_in_at
                    UNION
                    SELECT o.customer_id FROM new_rows n JOIN old_rows o USING (id)
                    WHERE n.customer_id <> o.customer_id OR n.checked_in_at <> o.checked_in_at
                ) t
                ORDER BY t.customer_id
            ) v
            WHERE c.id = v.customer_id AND c.last_visit_at IS DISTINCT FROM v.last_visit_at
            $sql$,
            TG_TABLE_SCHEMA);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_last_visit_insert AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_last_visit_apply();
CREATE TRIGGER customers_last_visit_update AFTER UPDATE ON visits
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_last_visit_apply();

-- Repair what merges left behind before this (they moved visits without moving last_visit_at).
UPDATE customers c SET last_visit_at = v.last_visit_at
FROM (SELECT c.id, (SELECT max(x.checked_in_at) FROM visits x WHERE x.customer_id = c.id) AS last_visit_at FROM customers c) v
WHERE c.id = v.id AND c.last_visit_at IS DISTINCT FROM v.last_visit_at;

-- Active customers (not archived, not merged, with an owner) per owner, region and criteria met: the report's counts
-- and averages are sums over these few rows plus the recently visited customers (customers_recent_visit_idx). Kept by
-- statement triggers in the writer's transaction (house style of reporting 0011); a key whose count falls to zero
-- keeps its row and the queries skip it.
CREATE TABLE completeness_counts (
    owner_id text NOT NULL,
    region text NOT NULL,
    completeness_met smallint NOT NULL,
    customers bigint NOT NULL,
    PRIMARY KEY (owner_id, region, completeness_met)
);

LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO completeness_counts (owner_id, region, completeness_met, customers)
SELECT owner_id, region, completeness_met, count(*)
FROM customers
WHERE archived_at IS NULL AND merged_into IS NULL AND owner_id IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

CREATE FUNCTION completeness_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- The statement's active rows with their sign: new rows +1, old rows −1.
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.owner_id, n.region, n.completeness_met, 1::bigint AS sign FROM new_rows n
            WHERE n.archived_at IS NULL AND n.merged_into IS NULL AND n.owner_id IS NOT NULL'
        WHEN 'DELETE' THEN 'SELECT o.owner_id, o.region, o.completeness_met, -1::bigint AS sign FROM old_rows o
            WHERE o.archived_at IS NULL AND o.merged_into IS NULL AND o.owner_id IS NOT NULL'
        ELSE 'SELECT n.owner_id, n.region, n.completeness_met, 1::bigint AS sign FROM new_rows n
            WHERE n.archived_at IS NULL AND n.merged_into IS NULL AND n.owner_id IS NOT NULL
            UNION ALL SELECT o.owner_id, o.region, o.completeness_met, -1::bigint FROM old_rows o
            WHERE o.archived_at IS NULL AND o.merged_into IS NULL AND o.owner_id IS NOT NULL' END;
BEGIN
    -- Most updates (a check-in moving last_visit_at, notes, a name) change no key: skip planning the delta.
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (
        SELECT FROM new_rows n JOIN old_rows o USING (id)
        WHERE (n.owner_id, n.region, n.completeness_met, n.archived_at IS NULL AND n.merged_into IS NULL)
            IS DISTINCT FROM (o.owner_id, o.region, o.completeness_met, o.archived_at IS NULL AND o.merged_into IS NULL)
    ) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.completeness_counts AS a (owner_id, region, completeness_met, customers)
        SELECT c.owner_id, c.region, c.completeness_met, sum(c.sign)
        FROM (%2$s) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (owner_id, region, completeness_met) DO UPDATE SET customers = a.customers + EXCLUDED.customers
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

CREATE TRIGGER completeness_counts_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION completeness_counts_apply();
CREATE TRIGGER completeness_counts_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION completeness_counts_apply();
CREATE TRIGGER completeness_counts_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION completeness_counts_apply();

-- The recently visited active customers (the seventh criterion), read by visit time with what the counts need: for
-- every owner (gm, a region) and for some owners (a rep, a team).
CREATE INDEX customers_recent_visit_idx ON customers (last_visit_at) INCLUDE (owner_id, region, completeness_met)
    WHERE archived_at IS NULL AND merged_into IS NULL AND owner_id IS NOT NULL AND last_visit_at IS NOT NULL;
CREATE INDEX customers_owner_recent_visit_idx ON customers (owner_id, last_visit_at) INCLUDE (region, completeness_met)
    WHERE archived_at IS NULL AND merged_into IS NULL AND owner_id IS NOT NULL AND last_visit_at IS NOT NULL;

-- "The five lowest per rep": an owner's active customers by criteria met, then name and id (the report's tie order).
CREATE INDEX customers_completeness_idx ON customers (owner_id, completeness_met, name, id) INCLUDE (region, last_visit_at)
    WHERE archived_at IS NULL AND merged_into IS NULL;
