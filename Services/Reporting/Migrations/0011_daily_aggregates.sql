-- Issue 14: the sales reports read pre-aggregated projections, never the contract or deal rows.
--
-- Per Asia/Shanghai day (every report period starts and ends on a Shanghai midnight, see ReportPeriod), owner and
-- region, so that any day range and any data scope (owner ids, region) is answered by summing a few hundred rows:
--   sales_daily         signed contracts: count, amount, cost            (top reps)
--   product_line_daily  signed contract lines: count, amount, cost       (product line margins)
--   deal_funnel_daily   deals by creation day and deepest funnel stage   (funnel, conversion cohorts)
-- and, not by day, customer_counts: customers per owner, region and industry (the summary).
--
-- The aggregates are kept by statement triggers on the detail projections, in the writer's transaction: every writer
-- of those tables (the event handlers, the replay of `salesdesk-admin rebuild reporting` into its shadow schema, the
-- bulk SQL of `seed-demo`) keeps them without knowing of them. A redelivered event changes no detail row (the
-- handlers' ON CONFLICT … DO NOTHING / WHERE sequence < …), so it fires no row into the transition tables and
-- changes no aggregate. Each trigger adds the delta of its statement (new rows +1, old rows −1), grouped by key and
-- in key order (so concurrent writers lock aggregate rows in the same order). The functions name the tables through
-- TG_TABLE_SCHEMA: seed-demo writes `reporting.…` without that search_path, and the rebuild renames its schema.
-- A key whose count falls to zero keeps its row; the queries skip such rows (HAVING … > 0).

-- No detail row may be written between the backfill and the triggers (an older replica still running).
LOCK TABLE signed_contracts, signed_contract_lines, deal_projection, customer_projection IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE sales_daily (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    contracts bigint NOT NULL,
    amount_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    PRIMARY KEY (day, owner_id, region)
);

CREATE TABLE product_line_daily (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    lines bigint NOT NULL,
    amount_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    PRIMARY KEY (day, owner_id, region, product_line)
);

-- Deals without a creation time (their first stage change has not arrived) are in no funnel and not counted here.
CREATE TABLE deal_funnel_daily (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    funnel_stage text NOT NULL,
    deals bigint NOT NULL,
    PRIMARY KEY (day, owner_id, region, funnel_stage)
);

-- A customer without an owner counts under owner_id '' (no user has that id, so no owner scope matches it, as NULL).
CREATE TABLE customer_counts (
    owner_id text NOT NULL,
    region text NOT NULL,
    industry text NOT NULL,
    customers bigint NOT NULL,
    PRIMARY KEY (owner_id, region, industry)
);

-- Backfill from the projections as they are.
INSERT INTO sales_daily (day, owner_id, region, contracts, amount_fen, cost_fen)
SELECT (signed_at AT TIME ZONE 'Asia/Shanghai')::date, owner_id, region, count(*), sum(amount_fen), sum(cost_fen)
FROM signed_contracts
GROUP BY 1, 2, 3;

INSERT INTO product_line_daily (day, owner_id, region, product_line, lines, amount_fen, cost_fen)
SELECT (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line, count(*), sum(l.amount_fen),
    sum(l.cost_fen)
FROM signed_contract_lines l JOIN signed_contracts c ON c.contract_id = l.contract_id
GROUP BY 1, 2, 3, 4;

INSERT INTO deal_funnel_daily (day, owner_id, region, funnel_stage, deals)
SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date, owner_id, region, funnel_stage, count(*)
FROM deal_projection
WHERE created_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO customer_counts (owner_id, region, industry, customers)
SELECT COALESCE(owner_id, ''), region, industry, count(*)
FROM customer_projection
GROUP BY 1, 2, 3;

CREATE FUNCTION sales_daily_apply() RETURNS trigger
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
        INSERT INTO %1$I.sales_daily AS a (day, owner_id, region, contracts, amount_fen, cost_fen)
        SELECT (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, sum(c.sign), sum(c.sign * c.amount_fen),
            sum(c.sign * c.cost_fen)
        FROM (%2$s) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0 OR sum(c.sign * c.amount_fen) <> 0 OR sum(c.sign * c.cost_fen) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (day, owner_id, region) DO UPDATE SET contracts = a.contracts + EXCLUDED.contracts,
            amount_fen = a.amount_fen + EXCLUDED.amount_fen, cost_fen = a.cost_fen + EXCLUDED.cost_fen
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

-- A line takes its day, owner and region from its contract, which is written first (same transaction).
CREATE FUNCTION product_line_daily_apply() RETURNS trigger
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
        INSERT INTO %1$I.product_line_daily AS a (day, owner_id, region, product_line, lines, amount_fen, cost_fen)
        SELECT (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line, sum(l.sign),
            sum(l.sign * l.amount_fen), sum(l.sign * l.cost_fen)
        FROM (%2$s) l JOIN %1$I.signed_contracts c ON c.contract_id = l.contract_id
        GROUP BY 1, 2, 3, 4
        HAVING sum(l.sign) <> 0 OR sum(l.sign * l.amount_fen) <> 0 OR sum(l.sign * l.cost_fen) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, owner_id, region, product_line) DO UPDATE SET lines = a.lines + EXCLUDED.lines,
            amount_fen = a.amount_fen + EXCLUDED.amount_fen, cost_fen = a.cost_fen + EXCLUDED.cost_fen
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

CREATE FUNCTION deal_funnel_daily_apply() RETURNS trigger
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
        INSERT INTO %1$I.deal_funnel_daily AS a (day, owner_id, region, funnel_stage, deals)
        SELECT (d.created_at AT TIME ZONE 'Asia/Shanghai')::date, d.owner_id, d.region, d.funnel_stage, sum(d.sign)
        FROM (%2$s) d
        WHERE d.created_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, owner_id, region, funnel_stage) DO UPDATE SET deals = a.deals + EXCLUDED.deals
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

CREATE FUNCTION customer_counts_apply() RETURNS trigger
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
        INSERT INTO %1$I.customer_counts AS a (owner_id, region, industry, customers)
        SELECT COALESCE(c.owner_id, ''), c.region, c.industry, sum(c.sign)
        FROM (%2$s) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (owner_id, region, industry) DO UPDATE SET customers = a.customers + EXCLUDED.customers
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

-- A trigger with transition tables has one event, so each table gets three.
CREATE TRIGGER sales_daily_insert AFTER INSERT ON signed_contracts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_daily_apply();
CREATE TRIGGER sales_daily_update AFTER UPDATE ON signed_contracts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_daily_apply();
CREATE TRIGGER sales_daily_delete AFTER DELETE ON signed_contracts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_daily_apply();

CREATE TRIGGER product_line_daily_insert AFTER INSERT ON signed_contract_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_line_daily_apply();
CREATE TRIGGER product_line_daily_update AFTER UPDATE ON signed_contract_lines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_line_daily_apply();
CREATE TRIGGER product_line_daily_delete AFTER DELETE ON signed_contract_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_line_daily_apply();

CREATE TRIGGER deal_funnel_daily_insert AFTER INSERT ON deal_projection
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deal_funnel_daily_apply();
CREATE TRIGGER deal_funnel_daily_update AFTER UPDATE ON deal_projection
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deal_funnel_daily_apply();
CREATE TRIGGER deal_funnel_daily_delete AFTER DELETE ON deal_projection
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION deal_funnel_daily_apply();

CREATE TRIGGER customer_counts_insert AFTER INSERT ON customer_projection
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_apply();
CREATE TRIGGER customer_counts_update AFTER UPDATE ON customer_projection
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_apply();
CREATE TRIGGER customer_counts_delete AFTER DELETE ON customer_projection
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_apply();
