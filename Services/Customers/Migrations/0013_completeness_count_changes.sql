-- Issue 14: a new customer no longer waits for other writers' completeness counts.
--
-- 0012's triggers added each write's delta to its (owner, region, criteria met) row of completeness_counts with an
-- upsert in the writer's transaction, so every rep creating customers in one region updated the same row and held
-- its lock until commit: at 32 concurrent POST /customers, 14 of 32 backends waited on that lock (Lock/transactionid)
-- and an INSERT took 153 ms on average (benchmarks/README.md, 2026-11-30).
--
-- Now the triggers only append the delta to completeness_count_changes (no key, so no writer waits for another);
-- readers sum completeness_counts and the changes (CompletenessRepository), and CompletenessCountsFolder moves the
-- changes into completeness_counts every few seconds in one statement (DELETE … RETURNING feeding the upsert), so the
-- changes stay few and no count is lost or added twice, whichever instance folds or is killed meanwhile.
CREATE TABLE completeness_count_changes (
    owner_id text NOT NULL,
    region text NOT NULL,
    completeness_met smallint NOT NULL,
    customers bigint NOT NULL
);

CREATE OR REPLACE FUNCTION completeness_counts_apply() RETURNS trigger
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
        INSERT INTO %1$I.completeness_count_changes (owner_id, region, completeness_met, customers)
        SELECT c.owner_id, c.region, c.completeness_met, sum(c.sign)
        FROM (%2$s) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;
