-- Issue 14: a customer event no longer waits for other writers' customer counts.
--
-- 0011's trigger added each statement's delta to its (owner, region, industry) row of customer_counts with an upsert
-- in the event handler's transaction, so every customer.created of one rep in one region and industry updated the
-- same row and held its lock until commit: under 32 concurrent POST /customers the projection's INSERT took 40.3 ms
-- on average, waiting (benchmarks/README.md, session 6), and the waiting handlers held their connections and their
-- deliveries.
--
-- Now the trigger only appends the delta to customer_count_changes (no key, so no writer waits for another); readers
-- sum customer_counts and the changes (ReportingRepository.customerCounts), and a CountsFolder moves the changes into
-- customer_counts every few seconds in one statement, as customers 0013 does for completeness (ADR 0013 §1).
CREATE TABLE customer_count_changes (
    owner_id text NOT NULL,
    region text NOT NULL,
    industry text NOT NULL,
    customers bigint NOT NULL
);

CREATE OR REPLACE FUNCTION customer_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- The statement's rows with their sign: new rows +1, old rows −1.
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.*, 1::bigint AS sign FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT o.*, -1::bigint AS sign FROM old_rows o'
        ELSE 'SELECT n.*, 1::bigint AS sign FROM new_rows n UNION ALL SELECT o.*, -1::bigint FROM old_rows o' END;
BEGIN
    -- Most statements of the handlers change nothing here (an upsert fires both its INSERT and its UPDATE trigger, a
    -- guarded UPDATE often matches no row): skip planning the delta for them.
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.customer_count_changes (owner_id, region, industry, customers)
        SELECT COALESCE(c.owner_id, ''), c.region, c.industry, sum(c.sign)
        FROM (%2$s) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;
