-- Issue 14: a deal event no longer waits for other writers' funnel counts.
--
-- 0011's trigger added each statement's delta to its (day, owner, region, funnel stage) row of deal_funnel_daily with
-- an upsert in the event handler's transaction (and 0015's trigger on that table to deal_funnel_monthly), so one rep's
-- deals of one day, created or moved at once, updated the same rows and held their locks until commit: under the
-- approval saga the projection's INSERT took 61.1 ms on average, waiting (benchmarks/README.md, session 7), with
-- reporting's connections and consumers held meanwhile.
--
-- Now the trigger only appends the delta to deal_funnel_changes (no key, so no writer waits for another); readers add
-- the changes in their period (SalesReportsRepository.funnel and .cohorts), and a CountsFolder moves them into
-- deal_funnel_daily every few seconds in one statement, whose upsert fires 0015's trigger, so the monthly rollup
-- follows in the same transaction (ADR 0013 §1).
CREATE TABLE deal_funnel_changes (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    funnel_stage text NOT NULL,
    deals bigint NOT NULL
);

CREATE OR REPLACE FUNCTION deal_funnel_daily_apply() RETURNS trigger
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
        INSERT INTO %1$I.deal_funnel_changes (day, owner_id, region, funnel_stage, deals)
        SELECT (d.created_at AT TIME ZONE 'Asia/Shanghai')::date, d.owner_id, d.region, d.funnel_stage, sum(d.sign)
        FROM (%2$s) d
        WHERE d.created_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign) <> 0
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;
