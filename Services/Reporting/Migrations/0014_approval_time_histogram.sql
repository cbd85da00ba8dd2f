-- Issue 14: approval times without scanning approval_times.
--
-- A histogram of the finished approvals per Asia/Shanghai completion day, owner, region, outcome and duration bucket
-- of 1/100 working day (centi_days = round(working_days × 100)), with the count, the exact sum of the durations
-- (numeric: a double converts to numeric exactly enough and numeric sums are exact, so adding and removing rows never
-- drifts) and how many took at most 2 working days (KPITargets.approvalWorkingDays, exact: 2.004 rounds into bucket
-- 200 but is over the target). approval_time_monthly is the same per calendar month, so a period of whole months (the
-- default, the KPI panel) sums owners × buckets rows whatever the number of approvals, and approval_time_region_monthly
-- (the same without the owner) serves the scopes that do not name owners (gm, admin, finance, a regional manager) with
-- a few hundred; the days of a period outside its whole months come from approval_time_daily. Average and share are exact; the median is the median of the bucket
-- values, i.e. to 0.01 working day (the precision shown).
--
-- Scope as the report always had it: an approval belongs to its contract's owner and region (contract_submissions) or,
-- until contract.submitted has arrived, to its submitter and the submitter's region (org_replica; '' when unknown —
-- no region scope matches it, as NULL did). So the histogram is kept by statement triggers (house style of 0011) on
-- all three tables: an approval_times row counts under the key its contract_submissions row gives it, and the
-- arrival, change or removal of that row (or a change of the submitter's region while there is none) moves its count.
-- Every writer (the event handlers, `salesdesk-admin rebuild reporting`, seed-demo's bulk SQL) keeps it unknowingly.

-- No row may be written between the backfill and the triggers.
LOCK TABLE approval_times, contract_submissions, org_replica IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE approval_time_daily (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    outcome text NOT NULL,
    centi_days integer NOT NULL,
    approvals bigint NOT NULL,
    working_days_sum numeric NOT NULL,
    within_two_working_days bigint NOT NULL,
    PRIMARY KEY (day, owner_id, region, outcome, centi_days)
);

CREATE TABLE approval_time_monthly (
    month date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    outcome text NOT NULL,
    centi_days integer NOT NULL,
    approvals bigint NOT NULL,
    working_days_sum numeric NOT NULL,
    within_two_working_days bigint NOT NULL,
    PRIMARY KEY (month, owner_id, region, outcome, centi_days)
);

CREATE TABLE approval_time_region_monthly (
    month date NOT NULL,
    region text NOT NULL,
    outcome text NOT NULL,
    centi_days integer NOT NULL,
    approvals bigint NOT NULL,
    working_days_sum numeric NOT NULL,
    within_two_working_days bigint NOT NULL,
    PRIMARY KEY (month, region, outcome, centi_days)
);

-- Backfill from the projections as they are.
INSERT INTO approval_time_daily (day, owner_id, region, outcome, centi_days, approvals, working_days_sum,
    within_two_working_days)
SELECT (a.completed_at AT TIME ZONE 'Asia/Shanghai')::date, COALESCE(s.owner_id, a.submitter_id),
    COALESCE(s.region, u.region, ''), a.outcome, round(a.working_days * 100)::integer, count(*),
    sum(a.working_days::numeric), count(*) FILTER (WHERE a.working_days <= 2)
FROM approval_times a
    LEFT JOIN contract_submissions s ON s.contract_id = a.contract_id
    LEFT JOIN org_replica u ON u.id = a.submitter_id
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5;

INSERT INTO approval_time_monthly (month, owner_id, region, outcome, centi_days, approvals, working_days_sum,
    within_two_working_days)
SELECT date_trunc('month', day)::date, owner_id, region, outcome, centi_days, sum(approvals), sum(working_days_sum),
    sum(within_two_working_days)
FROM approval_time_daily
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5;

INSERT INTO approval_time_region_monthly (month, region, outcome, centi_days, approvals, working_days_sum,
    within_two_working_days)
SELECT month, region, outcome, centi_days, sum(approvals), sum(working_days_sum), sum(within_two_working_days)
FROM approval_time_monthly
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4;

-- The three statements that add a delta to the three tables. `delta` is a query of (completed_at, owner_id, region, outcome,
-- working_days, sign) over the statement's transition tables, which only the trigger function itself can read, so this
-- builds the SQL and the trigger EXECUTEs it. Grouped and in key order, so concurrent writers lock rows in one order.
CREATE FUNCTION approval_time_delta_sql(schema text, delta text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
SELECT ARRAY[
    format(
        $sql$
        INSERT INTO %1$I.approval_time_daily AS a (day, owner_id, region, outcome, centi_days, approvals, working_days_sum,
            within_two_working_days)
        SELECT (d.completed_at AT TIME ZONE 'Asia/Shanghai')::date, d.owner_id, COALESCE(d.region, ''), d.outcome,
            round(d.working_days * 100)::integer, sum(d.sign), sum(d.sign * d.working_days::numeric),
            COALESCE(sum(d.sign) FILTER (WHERE d.working_days <= 2), 0)
        FROM (%2$s) d
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(d.sign) <> 0 OR sum(d.sign * d.working_days::numeric) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (day, owner_id, region, outcome, centi_days) DO UPDATE SET approvals = a.approvals + EXCLUDED.approvals,
            working_days_sum = a.working_days_sum + EXCLUDED.working_days_sum,
            within_two_working_days = a.within_two_working_days + EXCLUDED.within_two_working_days
        $sql$,
        schema, delta),
    format(
        $sql$
        INSERT INTO %1$I.approval_time_monthly AS a (month, owner_id, region, outcome, centi_days, approvals,
            working_days_sum, within_two_working_days)
        SELECT date_trunc('month', (d.completed_at AT TIME ZONE 'Asia/Shanghai')::date)::date, d.owner_id,
            COALESCE(d.region, ''), d.outcome, round(d.working_days * 100)::integer, sum(d.sign),
            sum(d.sign * d.working_days::numeric), COALESCE(sum(d.sign) FILTER (WHERE d.working_days <= 2), 0)
        FROM (%2$s) d
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(d.sign) <> 0 OR sum(d.sign * d.working_days::numeric) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (month, owner_id, region, outcome, centi_days) DO UPDATE SET approvals = a.approvals + EXCLUDED.approvals,
            working_days_sum = a.working_days_sum + EXCLUDED.working_days_sum,
            within_two_working_days = a.within_two_working_days + EXCLUDED.within_two_working_days
        $sql$,
        schema, delta),
    format(
        $sql$
        INSERT INTO %1$I.approval_time_region_monthly AS a (month, region, outcome, centi_days, approvals, working_days_sum,
            within_two_working_days)
        SELECT date_trunc('month', (d.completed_at AT TIME ZONE 'Asia/Shanghai')::date)::date, COALESCE(d.region, ''),
            d.outcome, round(d.working_days * 100)::integer, sum(d.sign), sum(d.sign * d.working_days::numeric),
            COALESCE(sum(d.sign) FILTER (WHERE d.working_days <= 2), 0)
        FROM (%2$s) d
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign) <> 0 OR sum(d.sign * d.working_days::numeric) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, region, outcome, centi_days) DO UPDATE SET approvals = a.approvals + EXCLUDED.approvals,
            working_days_sum = a.working_days_sum + EXCLUDED.working_days_sum,
            within_two_working_days = a.within_two_working_days + EXCLUDED.within_two_working_days
        $sql$,
        schema, delta)
]
$$;

-- An approval row counts under its contract's owner and region, else its submitter's.
CREATE FUNCTION approval_time_rows_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- The statement's rows with their sign: new rows +1, old rows −1.
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.*, 1::bigint AS sign FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT o.*, -1::bigint AS sign FROM old_rows o'
        ELSE 'SELECT n.*, 1::bigint AS sign FROM new_rows n UNION ALL SELECT o.*, -1::bigint FROM old_rows o' END;
    statement text;
    statements text[];
BEGIN
    -- A redelivered approval.completed (guarded upsert) changes no row: skip planning the delta.
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    -- Named through TG_TABLE_SCHEMA like the tables: seed-demo writes reporting.… without that search_path.
    EXECUTE format('SELECT %I.approval_time_delta_sql($1, $2)', TG_TABLE_SCHEMA) INTO statements USING TG_TABLE_SCHEMA, format(
        $sql$
        SELECT c.completed_at, COALESCE(s.owner_id, c.submitter_id) AS owner_id, COALESCE(s.region, u.region) AS region,
            c.outcome, c.working_days, c.sign
        FROM (%2$s) c
            LEFT JOIN %1$I.contract_submissions s ON s.contract_id = c.contract_id
            LEFT JOIN %1$I.org_replica u ON u.id = c.submitter_id
        $sql$,
        TG_TABLE_SCHEMA, changed);
    FOREACH statement IN ARRAY statements
    LOOP
        EXECUTE statement;
    END LOOP;
    RETURN NULL;
END
$$;

-- A submission moves its contract's approvals: from the submitter (when it arrives) or its old owner and region, to
-- its new ones (and back to the submitter when it is removed).
CREATE FUNCTION approval_time_submissions_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- (contract_id, owner_id, region, sign): the submission's key, and the submitter's fallback key by NULL owner.
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT contract_id, owner_id, region, 1::bigint AS sign FROM new_rows
            UNION ALL SELECT contract_id, NULL, NULL, -1::bigint FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT contract_id, owner_id, region, -1::bigint AS sign FROM old_rows
            UNION ALL SELECT contract_id, NULL, NULL, 1::bigint FROM old_rows'
        ELSE 'SELECT contract_id, owner_id, region, 1::bigint AS sign FROM new_rows
            UNION ALL SELECT contract_id, owner_id, region, -1::bigint FROM old_rows' END;
    statement text;
    statements text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows n JOIN old_rows o USING (contract_id)
                      WHERE (n.owner_id, n.region) IS DISTINCT FROM (o.owner_id, o.region)) THEN
        RETURN NULL;
    END IF;
    -- Named through TG_TABLE_SCHEMA like the tables: seed-demo writes reporting.… without that search_path.
    EXECUTE format('SELECT %I.approval_time_delta_sql($1, $2)', TG_TABLE_SCHEMA) INTO statements USING TG_TABLE_SCHEMA, format(
        $sql$
        SELECT a.completed_at, COALESCE(c.owner_id, a.submitter_id) AS owner_id,
            CASE WHEN c.owner_id IS NULL THEN u.region ELSE c.region END AS region, a.outcome, a.working_days, c.sign
        FROM (%2$s) c
            JOIN %1$I.approval_times a ON a.contract_id = c.contract_id
            LEFT JOIN %1$I.org_replica u ON u.id = a.submitter_id
        $sql$,
        TG_TABLE_SCHEMA, changed);
    FOREACH statement IN ARRAY statements
    LOOP
        EXECUTE statement;
    END LOOP;
    RETURN NULL;
END
$$;

-- A user's region change (or first arrival) moves the approvals they submitted whose contract_submissions row has not
-- arrived yet.
CREATE FUNCTION approval_time_submitters_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- (id, region, sign): the region after (+1) and before (−1); no org_replica row is region ''.
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT id, region, 1::bigint AS sign FROM new_rows UNION ALL SELECT id, NULL, -1::bigint FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT id, region, -1::bigint AS sign FROM old_rows UNION ALL SELECT id, NULL, 1::bigint FROM old_rows'
        ELSE 'SELECT id, region, 1::bigint AS sign FROM new_rows UNION ALL SELECT id, region, -1::bigint FROM old_rows' END;
    statement text;
    statements text[];
BEGIN
    -- Most org_replica writes change no region: skip them.
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows WHERE COALESCE(region, '') <> '') THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows n JOIN old_rows o USING (id)
                      WHERE COALESCE(n.region, '') <> COALESCE(o.region, '')) THEN
        RETURN NULL;
    END IF;
    -- Named through TG_TABLE_SCHEMA like the tables: seed-demo writes reporting.… without that search_path.
    EXECUTE format('SELECT %I.approval_time_delta_sql($1, $2)', TG_TABLE_SCHEMA) INTO statements USING TG_TABLE_SCHEMA, format(
        $sql$
        SELECT a.completed_at, a.submitter_id AS owner_id, c.region, a.outcome, a.working_days, c.sign
        FROM (%2$s) c
            JOIN %1$I.approval_times a ON a.submitter_id = c.id
        WHERE NOT EXISTS (SELECT FROM %1$I.contract_submissions s WHERE s.contract_id = a.contract_id)
        $sql$,
        TG_TABLE_SCHEMA, changed);
    FOREACH statement IN ARRAY statements
    LOOP
        EXECUTE statement;
    END LOOP;
    RETURN NULL;
END
$$;

-- A trigger with transition tables has one event, so each table gets three.
CREATE TRIGGER approval_time_insert AFTER INSERT ON approval_times
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_rows_apply();
CREATE TRIGGER approval_time_update AFTER UPDATE ON approval_times
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_rows_apply();
CREATE TRIGGER approval_time_delete AFTER DELETE ON approval_times
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_rows_apply();

CREATE TRIGGER approval_time_insert AFTER INSERT ON contract_submissions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_submissions_apply();
CREATE TRIGGER approval_time_update AFTER UPDATE ON contract_submissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_submissions_apply();
CREATE TRIGGER approval_time_delete AFTER DELETE ON contract_submissions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_submissions_apply();

CREATE TRIGGER approval_time_insert AFTER INSERT ON org_replica
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_submitters_apply();
CREATE TRIGGER approval_time_update AFTER UPDATE ON org_replica
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_submitters_apply();
CREATE TRIGGER approval_time_delete AFTER DELETE ON org_replica
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_time_submitters_apply();
