-- Issue 14: monthly rollups of two daily aggregates (migration 0011), for the reports that sum months.
--
-- A year of product line margins summed `product_line_daily`'s 365 days × owners × regions × lines (43,800 rows on
-- the seeded year, whatever the number of contracts), and the KPI panel's 24 conversion cohorts summed two years of
-- `deal_funnel_daily`. Per Asia/Shanghai month (its first day) they are 12 and 24 rows per owner × region (× line or
-- stage): a range reads its whole months here and only its partial months' days from the daily table.
--
-- Kept from the daily aggregates by statement triggers with transition tables, in the same transaction and in the
-- house style of 0011 (delta = new rows − old rows, grouped by key, in key order): whatever writes the daily rows (the
-- triggers of 0011, the rebuild's copy) keeps these.

LOCK TABLE product_line_daily, deal_funnel_daily IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE product_line_monthly (
    month date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    lines bigint NOT NULL,
    amount_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    PRIMARY KEY (month, owner_id, region, product_line)
);

CREATE TABLE deal_funnel_monthly (
    month date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    funnel_stage text NOT NULL,
    deals bigint NOT NULL,
    PRIMARY KEY (month, owner_id, region, funnel_stage)
);

INSERT INTO product_line_monthly (month, owner_id, region, product_line, lines, amount_fen, cost_fen)
SELECT date_trunc('month', day)::date, owner_id, region, product_line, sum(lines), sum(amount_fen), sum(cost_fen)
FROM product_line_daily
GROUP BY 1, 2, 3, 4;

INSERT INTO deal_funnel_monthly (month, owner_id, region, funnel_stage, deals)
SELECT date_trunc('month', day)::date, owner_id, region, funnel_stage, sum(deals)
FROM deal_funnel_daily
GROUP BY 1, 2, 3, 4;

CREATE FUNCTION product_line_monthly_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.*, 1::bigint AS sign FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT o.*, -1::bigint AS sign FROM old_rows o'
        ELSE 'SELECT n.*, 1::bigint AS sign FROM new_rows n UNION ALL SELECT o.*, -1::bigint FROM old_rows o' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.product_line_monthly AS a (month, owner_id, region, product_line, lines, amount_fen, cost_fen)
        SELECT date_trunc('month', d.day)::date, d.owner_id, d.region, d.product_line, sum(d.sign * d.lines),
            sum(d.sign * d.amount_fen), sum(d.sign * d.cost_fen)
        FROM (%2$s) d
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign * d.lines) <> 0 OR sum(d.sign * d.amount_fen) <> 0 OR sum(d.sign * d.cost_fen) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, owner_id, region, product_line) DO UPDATE SET lines = a.lines + EXCLUDED.lines,
            amount_fen = a.amount_fen + EXCLUDED.amount_fen, cost_fen = a.cost_fen + EXCLUDED.cost_fen
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

CREATE FUNCTION deal_funnel_monthly_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.*, 1::bigint AS sign FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT o.*, -1::bigint AS sign FROM old_rows o'
        ELSE 'SELECT n.*, 1::bigint AS sign FROM new_rows n UNION ALL SELECT o.*, -1::bigint FROM old_rows o' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.deal_funnel_monthly AS a (month, owner_id, region, funnel_stage, deals)
        SELECT date_trunc('month', d.day)::date, d.owner_id, d.region, d.funnel_stage, sum(d.sign * d.deals)
        FROM (%2$s) d
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign * d.deals) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, owner_id, region, funnel_stage) DO UPDATE SET deals = a.deals + EXCLUDED.deals
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

-- A trigger with transition tables has one event, so each table gets three.
CREATE TRIGGER product_line_monthly_insert AFTER INSERT ON product_line_daily
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_line_monthly_apply();
CREATE TRIGGER product_line_monthly_update AFTER UPDATE ON product_line_daily
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_line_monthly_apply();
CREATE TRIGGER product_line_monthly_delete AFTER DELETE ON product_line_daily
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_line_monthly_apply();

CREATE TRIGGER deal_funnel_monthly_insert AFTER INSERT ON deal_funnel_daily
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deal_funnel_monthly_apply();
CREATE TRIGGER deal_funnel_monthly_update AFTER UPDATE ON deal_funnel_daily
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deal_funnel_monthly_apply();
CREATE TRIGGER deal_funnel_monthly_delete AFTER DELETE ON deal_funnel_daily
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION deal_funnel_monthly_apply();
