-- Issue 14: a monthly rollup of true_margin_daily (migration 0013), for the true margin report's year.
--
-- The report's default period, the 365 days ending today, summed true_margin_daily's 365 days × owners × regions ×
-- lines (43,800 rows on the seeded year, whatever the number of contracts). Per Asia/Shanghai month (its first day)
-- they are 12 rows per owner × region × line: a period reads its whole months here and its other days from the daily
-- table (CollectionsRepository.trueMarginSums).
--
-- Everything but the open money without a due date is a plain sum. That money's fen·days at today T are
-- Σ open_undated_fen × GREATEST(0, T − day); for a month whose every day is on or before T it is linear in T:
--   Σ open_undated_fen × (T − E) − Σ open_undated_fen × (day − E),   E = DATE '2000-01-01',
-- so each month keeps the second sum (open_undated_fen_day_sum, exact in numeric) and the report reads here only the
-- months that end on or before today; a month reaching past today is read from the daily table. The dated open money
-- (true_margin_open_daily, GREATEST(due, T) − day) stays daily: it has no such form and few rows.
--
-- Kept from the daily aggregate by statement triggers with transition tables, in the same transaction and in the house
-- style of 0011 and 0015 (delta = new rows − old rows, grouped by key, in key order; rows whose sums become 0 stay):
-- whatever writes the daily rows (the triggers of 0013, seed-demo's bulk SQL, the rebuild's copy) keeps this.

LOCK TABLE true_margin_daily IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE true_margin_monthly (
    month date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    lines bigint NOT NULL,
    revenue_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    written_off_fen bigint NOT NULL,
    received_fen bigint NOT NULL,
    received_fen_days numeric NOT NULL,
    open_undated_fen bigint NOT NULL,
    open_undated_fen_day_sum numeric NOT NULL,
    PRIMARY KEY (month, owner_id, region, product_line)
);

INSERT INTO true_margin_monthly (month, owner_id, region, product_line, lines, revenue_fen, cost_fen, written_off_fen, received_fen,
    received_fen_days, open_undated_fen, open_undated_fen_day_sum)
SELECT date_trunc('month', day)::date, owner_id, region, product_line, sum(lines), sum(revenue_fen), sum(cost_fen), sum(written_off_fen),
    sum(received_fen), sum(received_fen_days), sum(open_undated_fen), sum(open_undated_fen::numeric * (day - DATE '2000-01-01'))
FROM true_margin_daily
GROUP BY 1, 2, 3, 4;

CREATE FUNCTION true_margin_monthly_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- The statement's rows with their sign: new rows +1, old rows −1.
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
        INSERT INTO %1$I.true_margin_monthly AS a (month, owner_id, region, product_line, lines, revenue_fen, cost_fen, written_off_fen,
            received_fen, received_fen_days, open_undated_fen, open_undated_fen_day_sum)
        SELECT date_trunc('month', d.day)::date, d.owner_id, d.region, d.product_line, sum(d.sign * d.lines),
            sum(d.sign * d.revenue_fen), sum(d.sign * d.cost_fen), sum(d.sign * d.written_off_fen), sum(d.sign * d.received_fen),
            sum(d.sign * d.received_fen_days), sum(d.sign * d.open_undated_fen),
            sum(d.sign * d.open_undated_fen::numeric * (d.day - DATE '2000-01-01'))
        FROM (%2$s) d
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign * d.lines) <> 0 OR sum(d.sign * d.revenue_fen) <> 0 OR sum(d.sign * d.cost_fen) <> 0
            OR sum(d.sign * d.written_off_fen) <> 0 OR sum(d.sign * d.received_fen) <> 0 OR sum(d.sign * d.received_fen_days) <> 0
            OR sum(d.sign * d.open_undated_fen) <> 0 OR sum(d.sign * d.open_undated_fen::numeric * (d.day - DATE '2000-01-01')) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, owner_id, region, product_line) DO UPDATE SET lines = a.lines + EXCLUDED.lines,
            revenue_fen = a.revenue_fen + EXCLUDED.revenue_fen, cost_fen = a.cost_fen + EXCLUDED.cost_fen,
            written_off_fen = a.written_off_fen + EXCLUDED.written_off_fen, received_fen = a.received_fen + EXCLUDED.received_fen,
            received_fen_days = a.received_fen_days + EXCLUDED.received_fen_days,
            open_undated_fen = a.open_undated_fen + EXCLUDED.open_undated_fen,
            open_undated_fen_day_sum = a.open_undated_fen_day_sum + EXCLUDED.open_undated_fen_day_sum
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

-- A trigger with transition tables has one event, so the table gets three.
CREATE TRIGGER true_margin_monthly_insert AFTER INSERT ON true_margin_daily
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION true_margin_monthly_apply();
CREATE TRIGGER true_margin_monthly_update AFTER UPDATE ON true_margin_daily
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION true_margin_monthly_apply();
CREATE TRIGGER true_margin_monthly_delete AFTER DELETE ON true_margin_daily
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION true_margin_monthly_apply();
