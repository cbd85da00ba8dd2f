-- Issue 14: the true margin (TrueMargin.swift) from daily aggregates, never from the contracts per request.
--
-- Only open money's days depend on today T, and they are linear in the money, so each contract line keeps (fen·days
-- in bigint: 9.2 × 10^18, a billion yuan for 92 000 years; an overflow fails the write, it never wraps):
--   contract_line_money  per (contract, line): revenue, cost, written-off share, received fen and fen·days shares
--                        (Σ a × max(0, R − S)), the open money whose due date is unknown, and the contract's customer;
--   contract_line_open   per (contract, line, due date): the line's share of the open money due that day.
-- The report sums, per product line,
--   fenDays(T) = Σ received_fen_days + Σ open_undated × (T − S) + Σ open × (GREATEST(due, T) − S)
-- over the daily aggregates below (by signing day S, owner, region, product line, and due date for the dated open
-- money) and rounds the cost of money once per line.
--
-- The Swift recompute (CollectionsRepository.recomputeMoney) writes these rows on every money event of a contract
-- and after its contract.signed; the trigger on signed_contract_lines writes a new line's initial rows (no plan, no
-- receipt: all of it open, due date unknown), so seed-demo's bulk SQL and a contract signed after its money events
-- both get them. Aggregates are kept by statement triggers with transition tables, as in 0011 (see there).
--
--   true_margin_daily       (day, owner, region, product line): the additive money columns
--   true_margin_open_daily  (day, owner, region, product line, due date): dated open money
--   customer_line_days      (product line, day, owner, region, customer): contract lines, for the distinct
--                           customers of a period and scope (re-purchase rate)
--   customer_line_repeats   (customer, product line): the second distinct purchase day

LOCK TABLE signed_contracts, signed_contract_lines IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE contract_line_money (
    contract_id text NOT NULL,
    line_no integer NOT NULL,
    signed_on date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    customer_id text,
    revenue_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    written_off_fen bigint NOT NULL,
    received_fen bigint NOT NULL,
    received_fen_days bigint NOT NULL,
    open_undated_fen bigint NOT NULL,
    PRIMARY KEY (contract_id, line_no),
    FOREIGN KEY (contract_id, line_no) REFERENCES signed_contract_lines (contract_id, line_no) ON DELETE CASCADE
);

CREATE TABLE contract_line_open (
    contract_id text NOT NULL,
    line_no integer NOT NULL,
    due_on date NOT NULL,
    signed_on date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    open_fen bigint NOT NULL,
    PRIMARY KEY (contract_id, line_no, due_on),
    FOREIGN KEY (contract_id, line_no) REFERENCES contract_line_money (contract_id, line_no) ON DELETE CASCADE
);

CREATE TABLE true_margin_daily (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    lines bigint NOT NULL,
    revenue_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    written_off_fen bigint NOT NULL,
    received_fen bigint NOT NULL,
    received_fen_days bigint NOT NULL,
    open_undated_fen bigint NOT NULL,
    PRIMARY KEY (day, owner_id, region, product_line)
);

-- A rep's scope: a few owners' rows of the period.
CREATE INDEX true_margin_daily_owner_idx ON true_margin_daily (owner_id, day);

CREATE TABLE true_margin_open_daily (
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    product_line text NOT NULL,
    due_on date NOT NULL,
    pieces bigint NOT NULL,
    open_fen bigint NOT NULL,
    PRIMARY KEY (day, owner_id, region, product_line, due_on)
);

CREATE TABLE customer_line_days (
    product_line text NOT NULL,
    day date NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    customer_id text NOT NULL,
    lines bigint NOT NULL,
    PRIMARY KEY (product_line, day, owner_id, region, customer_id)
);

-- Per (customer, line), whoever sold it: the second distinct purchase day (NULL: bought on one day only). A buyer of
-- the period is a repeat customer when it is before the period's end.
CREATE TABLE customer_line_repeats (
    customer_id text NOT NULL,
    product_line text NOT NULL,
    second_day date,
    PRIMARY KEY (customer_id, product_line)
);

-- Backfill, set-based. First every line's initial rows, as the trigger below writes them (all the seeded contracts
-- stay so); then true_margin_recompute_money() rewrites the lines of the contracts that have money events (plans,
-- receipts, reversals, write-offs: the few the services wrote) with the arithmetic of TrueMargin.lineMoney; then
-- the aggregates from the rows. The function stays, so a test checks it equals the Swift recompute.
INSERT INTO contract_line_money (contract_id, line_no, signed_on, owner_id, region, product_line, customer_id, revenue_fen, cost_fen,
    written_off_fen, received_fen, received_fen_days, open_undated_fen)
SELECT l.contract_id, l.line_no, (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line,
    COALESCE(c.customer_id, d.customer_id), l.amount_fen, l.cost_fen, 0, 0, 0, GREATEST(l.amount_fen, 0)
FROM signed_contract_lines l JOIN signed_contracts c ON c.contract_id = l.contract_id
    LEFT JOIN deal_projection d ON d.deal_id = c.deal_id;

-- The per-line money of the contracts with money events, as TrueMargin.lineMoney computes it: each part of the
-- contract's money (written off, received fen, received fen·days, each open piece) split over its lines by line amount,
-- largest remainder (ties: the earlier line; all-zero amounts: evenly); open money summed per due date first.
-- Only the services' contracts have dated open money, so it first empties contract_line_open.
CREATE FUNCTION true_margin_recompute_money() RETURNS void
LANGUAGE sql AS $$
DELETE FROM contract_line_open;
WITH money AS (
    SELECT c.contract_id, c.amount_fen, (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date AS signed_on
    FROM signed_contracts c
    WHERE EXISTS (SELECT FROM payment_plans p WHERE p.contract_id = c.contract_id)
       OR EXISTS (SELECT FROM plan_installments i WHERE i.contract_id = c.contract_id)
       OR EXISTS (SELECT FROM collection_receipts r WHERE r.contract_id = c.contract_id)
       OR EXISTS (SELECT FROM installment_write_offs w WHERE w.contract_id = c.contract_id)
), received AS (
    SELECT m.contract_id, COALESCE(sum(r.amount_fen), 0)::numeric AS fen,
        COALESCE(sum(r.amount_fen::numeric * GREATEST(0, r.received_on - m.signed_on)), 0) AS fen_days
    FROM money m LEFT JOIN collection_receipts r ON r.contract_id = m.contract_id
        AND NOT EXISTS (SELECT FROM receipt_reversals v WHERE v.receipt_id = r.receipt_id)
    GROUP BY m.contract_id
), written AS (
    SELECT m.contract_id, COALESCE(sum(w.amount_fen), 0)::numeric AS fen
    FROM money m LEFT JOIN installment_write_offs w ON w.contract_id = m.contract_id
    GROUP BY m.contract_id
), pieces AS (
    SELECT i.contract_id, i.due_on,
        i.amount_fen - COALESCE((SELECT sum(a.amount_fen) FROM collection_allocations a WHERE a.installment_id = i.installment_id
            AND NOT EXISTS (SELECT FROM receipt_reversals v WHERE v.receipt_id = a.receipt_id)), 0)
            - COALESCE((SELECT w.amount_fen FROM installment_write_offs w WHERE w.installment_id = i.installment_id), 0) AS fen
    FROM plan_installments i JOIN money m ON m.contract_id = i.contract_id
    UNION ALL
    SELECT m.contract_id, NULL, m.amount_fen - r.fen - w.fen
    FROM money m JOIN received r USING (contract_id) JOIN written w USING (contract_id)
    WHERE NOT EXISTS (SELECT FROM plan_installments i WHERE i.contract_id = m.contract_id)
), parts AS (
    SELECT contract_id, 'written' AS part, NULL::date AS due_on, fen AS total FROM written
    UNION ALL SELECT contract_id, 'received', NULL, fen FROM received
    UNION ALL SELECT contract_id, 'fen_days', NULL, fen_days FROM received
    UNION ALL SELECT contract_id, 'open', due_on, sum(fen) FROM (
        SELECT contract_id, due_on, fen FROM pieces WHERE fen > 0
        UNION ALL SELECT contract_id, NULL, 0 FROM money) o
        GROUP BY contract_id, due_on
), weights AS (
    SELECT l.contract_id, l.line_no, CASE WHEN bool_or(l.amount_fen > 0) OVER (PARTITION BY l.contract_id)
        THEN GREATEST(l.amount_fen, 0) ELSE 1 END::numeric AS w
    FROM signed_contract_lines l JOIN money m ON m.contract_id = l.contract_id
), shares AS (
    SELECT p.contract_id, p.part, p.due_on, w.line_no, p.total,
        floor(p.total * w.w / sum(w.w) OVER k) AS base, mod(p.total * w.w, sum(w.w) OVER k) AS remainder
    FROM parts p JOIN weights w ON w.contract_id = p.contract_id
    WINDOW k AS (PARTITION BY p.contract_id, p.part, p.due_on)
), exact AS (
    SELECT contract_id, part, due_on, line_no,
        base + CASE WHEN row_number() OVER (PARTITION BY contract_id, part, due_on ORDER BY remainder DESC, line_no)
            <= total - sum(base) OVER (PARTITION BY contract_id, part, due_on) THEN 1 ELSE 0 END AS share
    FROM shares
), updated AS (
    UPDATE contract_line_money t SET
        written_off_fen = x.written, received_fen = x.received, received_fen_days = x.fen_days, open_undated_fen = x.open_undated
    FROM (
        SELECT contract_id, line_no,
            COALESCE(sum(share) FILTER (WHERE part = 'written'), 0)::bigint AS written,
            COALESCE(sum(share) FILTER (WHERE part = 'received'), 0)::bigint AS received,
            COALESCE(sum(share) FILTER (WHERE part = 'fen_days'), 0)::bigint AS fen_days,
            COALESCE(sum(share) FILTER (WHERE part = 'open' AND due_on IS NULL), 0)::bigint AS open_undated
        FROM exact GROUP BY contract_id, line_no
    ) x
    WHERE t.contract_id = x.contract_id AND t.line_no = x.line_no
    RETURNING t.contract_id
)
INSERT INTO contract_line_open (contract_id, line_no, due_on, signed_on, owner_id, region, product_line, open_fen)
SELECT e.contract_id, e.line_no, e.due_on, t.signed_on, t.owner_id, t.region, t.product_line, e.share::bigint
FROM exact e JOIN contract_line_money t ON t.contract_id = e.contract_id AND t.line_no = e.line_no
WHERE e.part = 'open' AND e.due_on IS NOT NULL AND e.share > 0;
$$;

SELECT true_margin_recompute_money();

INSERT INTO true_margin_daily (day, owner_id, region, product_line, lines, revenue_fen, cost_fen, written_off_fen, received_fen,
    received_fen_days, open_undated_fen)
SELECT signed_on, owner_id, region, product_line, count(*), sum(revenue_fen), sum(cost_fen), sum(written_off_fen), sum(received_fen),
    sum(received_fen_days), sum(open_undated_fen)
FROM contract_line_money
GROUP BY 1, 2, 3, 4;

INSERT INTO true_margin_open_daily (day, owner_id, region, product_line, due_on, pieces, open_fen)
SELECT signed_on, owner_id, region, product_line, due_on, count(*), sum(open_fen)
FROM contract_line_open
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO customer_line_days (product_line, day, owner_id, region, customer_id, lines)
SELECT product_line, signed_on, owner_id, region, customer_id, count(*)
FROM contract_line_money
WHERE customer_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

-- A (customer, line)'s purchase days (customer_line_repeats); the period's buyers of an owner scope or a region,
-- read from the index alone. Built after the backfill (faster than kept during it).
CREATE INDEX customer_line_days_customer_idx ON customer_line_days (customer_id, product_line, day);
CREATE INDEX customer_line_days_owner_idx ON customer_line_days (owner_id, day) INCLUDE (product_line, customer_id, lines);
CREATE INDEX customer_line_days_region_idx ON customer_line_days (region, day) INCLUDE (product_line, customer_id, lines);

INSERT INTO customer_line_repeats (customer_id, product_line, second_day)
SELECT customer_id, product_line, (array_agg(DISTINCT day ORDER BY day))[2]
FROM customer_line_days
GROUP BY 1, 2;

CREATE FUNCTION contract_line_money_apply() RETURNS trigger
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
        INSERT INTO %1$I.true_margin_daily AS a (day, owner_id, region, product_line, lines, revenue_fen, cost_fen, written_off_fen,
            received_fen, received_fen_days, open_undated_fen)
        SELECT m.signed_on, m.owner_id, m.region, m.product_line, sum(m.sign), sum(m.sign * m.revenue_fen), sum(m.sign * m.cost_fen),
            sum(m.sign * m.written_off_fen), sum(m.sign * m.received_fen), sum(m.sign * m.received_fen_days),
            sum(m.sign * m.open_undated_fen)
        FROM (%2$s) m
        GROUP BY 1, 2, 3, 4
        HAVING sum(m.sign) <> 0 OR sum(m.sign * m.revenue_fen) <> 0 OR sum(m.sign * m.cost_fen) <> 0
            OR sum(m.sign * m.written_off_fen) <> 0 OR sum(m.sign * m.received_fen) <> 0 OR sum(m.sign * m.received_fen_days) <> 0
            OR sum(m.sign * m.open_undated_fen) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, owner_id, region, product_line) DO UPDATE SET lines = a.lines + EXCLUDED.lines,
            revenue_fen = a.revenue_fen + EXCLUDED.revenue_fen, cost_fen = a.cost_fen + EXCLUDED.cost_fen,
            written_off_fen = a.written_off_fen + EXCLUDED.written_off_fen, received_fen = a.received_fen + EXCLUDED.received_fen,
            received_fen_days = a.received_fen_days + EXCLUDED.received_fen_days,
            open_undated_fen = a.open_undated_fen + EXCLUDED.open_undated_fen
        $sql$,
        TG_TABLE_SCHEMA, changed);
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.customer_line_days AS a (product_line, day, owner_id, region, customer_id, lines)
        SELECT m.product_line, m.signed_on, m.owner_id, m.region, m.customer_id, sum(m.sign)
        FROM (%2$s) m
        WHERE m.customer_id IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(m.sign) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (product_line, day, owner_id, region, customer_id) DO UPDATE SET lines = a.lines + EXCLUDED.lines
        $sql$,
        TG_TABLE_SCHEMA, changed);
    -- The second purchase day of each (customer, line) the statement touched, from its purchase days.
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.customer_line_repeats AS a (customer_id, product_line, second_day)
        SELECT k.customer_id, k.product_line,
            (SELECT x.day FROM %1$I.customer_line_days x
             WHERE x.customer_id = k.customer_id AND x.product_line = k.product_line AND x.lines > 0
             GROUP BY x.day ORDER BY x.day OFFSET 1 LIMIT 1)
        FROM (SELECT DISTINCT m.customer_id, m.product_line FROM (%2$s) m WHERE m.customer_id IS NOT NULL) k
        ORDER BY 1, 2
        ON CONFLICT (customer_id, product_line) DO UPDATE SET second_day = EXCLUDED.second_day
            WHERE a.second_day IS DISTINCT FROM EXCLUDED.second_day
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

CREATE FUNCTION contract_line_open_apply() RETURNS trigger
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
        INSERT INTO %1$I.true_margin_open_daily AS a (day, owner_id, region, product_line, due_on, pieces, open_fen)
        SELECT o.signed_on, o.owner_id, o.region, o.product_line, o.due_on, sum(o.sign), sum(o.sign * o.open_fen)
        FROM (%2$s) o
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(o.sign) <> 0 OR sum(o.sign * o.open_fen) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (day, owner_id, region, product_line, due_on) DO UPDATE SET pieces = a.pieces + EXCLUDED.pieces,
            open_fen = a.open_fen + EXCLUDED.open_fen
        $sql$,
        TG_TABLE_SCHEMA, changed);
    RETURN NULL;
END
$$;

-- A new contract line starts with all of it open, due date unknown (the Swift recompute replaces this when the
-- contract's money events are known; a line already there is left alone).
CREATE FUNCTION contract_line_money_initial() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN RETURN NULL; END IF;
    EXECUTE format(
        $sql$
        INSERT INTO %1$I.contract_line_money (contract_id, line_no, signed_on, owner_id, region, product_line, customer_id, revenue_fen,
            cost_fen, written_off_fen, received_fen, received_fen_days, open_undated_fen)
        SELECT l.contract_id, l.line_no, (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, c.region, l.product_line,
            COALESCE(c.customer_id, d.customer_id), l.amount_fen, l.cost_fen, 0, 0, 0, GREATEST(l.amount_fen, 0)
        FROM new_rows l JOIN %1$I.signed_contracts c ON c.contract_id = l.contract_id
            LEFT JOIN %1$I.deal_projection d ON d.deal_id = c.deal_id
        ORDER BY l.contract_id, l.line_no
        ON CONFLICT (contract_id, line_no) DO NOTHING
        $sql$,
        TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE TRIGGER contract_line_money_initial AFTER INSERT ON signed_contract_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_money_initial();

CREATE TRIGGER true_margin_daily_insert AFTER INSERT ON contract_line_money
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_money_apply();
CREATE TRIGGER true_margin_daily_update AFTER UPDATE ON contract_line_money
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_money_apply();
CREATE TRIGGER true_margin_daily_delete AFTER DELETE ON contract_line_money
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_money_apply();

CREATE TRIGGER true_margin_open_daily_insert AFTER INSERT ON contract_line_open
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_open_apply();
CREATE TRIGGER true_margin_open_daily_update AFTER UPDATE ON contract_line_open
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_open_apply();
CREATE TRIGGER true_margin_open_daily_delete AFTER DELETE ON contract_line_open
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contract_line_open_apply();
