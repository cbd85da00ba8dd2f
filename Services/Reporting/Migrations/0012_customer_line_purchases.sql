-- Issue 14: the expected re-purchases (复购预测) read a projection, never the signed contracts.
--
--   customer_line_purchases         one row per (customer, product line) bought on at least three distinct
--                                   Asia/Shanghai days, with the rules of Domain/Repurchase.swift already applied:
--                                   purchases, last day, median gap (even count: mean of the middle two, rounded
--                                   half up, integer arithmetic), next expected day (last + median), and the
--                                   customer's name, owner and region (the scope of the row).
--   customer_line_purchase_counts   how many of those rows expect their next order on each day, per owner and
--                                   region, and per region alone under owner_id '' (no user has that id): the
--                                   per-status counts of any scope are a sum over a few hundred or thousand rows.
--   customer_line_purchase_locks    one row per customer ever refreshed; a refresh locks its customers' rows here
--                                   first (in id order), so two writers of one customer take turns and the second
--                                   recomputes from what the first committed.
--
-- A purchase is a signed contract line's (customer, line, signing day). The customer is signed_contracts.customer_id:
-- every writer fills it from the deal when contract.signed named none (SalesReportsRepository.insertSignedContract,
-- applyStageChange, CollectionsRepository.fillCustomer), so COALESCE(customer_id, the deal's) of the old query is that
-- column. Name, owner and region: the customer's owner and region (customer_projection) or else those of its newest
-- contract with lines; the name of its newest contract that has one, or else its id.
--
-- Statement triggers with transition tables keep the projection in the writer's transaction (the event handlers, the
-- replay of `salesdesk-admin rebuild reporting`, the bulk SQL of `seed-demo`): a statement that adds, changes or
-- removes contract lines, changes a contract (its customer filled later, its name) or changes a customer's owner or
-- region recomputes every (customer, line) of the customers it touched, from their detail rows (signed_contracts by
-- customer_id, signed_contract_lines by contract_id: both indexed). Inserting a contract alone changes nothing: a
-- contract without lines is no purchase, and its lines are written after it. A redelivered event writes no detail
-- row, so it fires no row into the transition tables and recomputes nothing.

LOCK TABLE signed_contracts, signed_contract_lines, customer_projection IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE customer_line_purchases (
    customer_id text NOT NULL,
    product_line text NOT NULL,
    purchases integer NOT NULL CHECK (purchases >= 3),
    last_on date NOT NULL,
    median_gap_days integer NOT NULL,
    next_on date NOT NULL,
    customer_name text NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    PRIMARY KEY (customer_id, product_line)
);
-- The pages, soonest first: everyone (gm), a region (regional manager), one owner at a time (rep, supervisor).
CREATE INDEX customer_line_purchases_next_idx ON customer_line_purchases (next_on, customer_id, product_line);
CREATE INDEX customer_line_purchases_region_idx ON customer_line_purchases (region, next_on, customer_id, product_line);
CREATE INDEX customer_line_purchases_owner_idx ON customer_line_purchases (owner_id, next_on, customer_id, product_line);

-- "Has an open deal" for the customers of one page (RepurchaseHandler, CollectionsRepository.customersWithOpenDeals):
-- an index-only scan over the open deals alone instead of every deal of those customers.
CREATE INDEX deal_projection_open_customer_idx ON deal_projection (customer_id) INCLUDE (deal_id)
    WHERE stage IN ('lead', 'qualified', 'quoted', 'contract');

-- A key whose count falls to zero keeps its row; sums skip nothing by that.
CREATE TABLE customer_line_purchase_counts (
    owner_id text NOT NULL,
    region text NOT NULL,
    next_on date NOT NULL,
    lines bigint NOT NULL,
    PRIMARY KEY (owner_id, region, next_on)
);

CREATE TABLE customer_line_purchase_locks (
    customer_id text PRIMARY KEY
);

-- Recomputes the rows of `customers` (all customers when NULL) in schema `target`, and their counts, in one statement
-- (so the counts rows are locked once, in key order).
CREATE FUNCTION customer_line_purchases_refresh(target text, customers text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    only_these text := CASE WHEN customers IS NULL THEN '' ELSE 'AND c.customer_id = ANY($1)' END;
    old_rows text := CASE WHEN customers IS NULL THEN '' ELSE 'WHERE customer_id = ANY($1)' END;
BEGIN
    IF customers IS NOT NULL THEN
        IF cardinality(customers) = 0 THEN RETURN; END IF;
        EXECUTE format(
            $sql$
            INSERT INTO %1$I.customer_line_purchase_locks (customer_id)
            SELECT DISTINCT u FROM unnest($1) AS u WHERE u IS NOT NULL ORDER BY 1
            ON CONFLICT (customer_id) DO NOTHING
            $sql$,
            target) USING customers;
        EXECUTE format(
            'SELECT FROM %1$I.customer_line_purchase_locks WHERE customer_id = ANY($1) ORDER BY customer_id FOR UPDATE',
            target) USING customers;
    END IF;
    -- A new statement: under READ COMMITTED it sees what a writer we waited for committed.
    EXECUTE format(
        $sql$
        WITH lines AS (
            SELECT c.customer_id, c.contract_id, c.signed_at, c.customer_name, c.owner_id, c.region, l.product_line,
                (c.signed_at AT TIME ZONE 'Asia/Shanghai')::date AS day
            FROM %1$I.signed_contracts c JOIN %1$I.signed_contract_lines l ON l.contract_id = c.contract_id
            WHERE c.customer_id IS NOT NULL %2$s
        ), days AS (
            SELECT DISTINCT customer_id, product_line, day FROM lines
        ), gaps AS (
            SELECT customer_id, product_line, day,
                day - lag(day) OVER (PARTITION BY customer_id, product_line ORDER BY day) AS gap
            FROM days
        ), bought AS (
            SELECT customer_id, product_line, count(*)::integer AS purchases, max(day) AS last_on,
                array_agg(gap ORDER BY gap) FILTER (WHERE gap IS NOT NULL) AS gaps
            FROM gaps
            GROUP BY 1, 2
            HAVING count(*) >= 3
        ), median AS (
            SELECT b.*, CASE WHEN (b.purchases - 1) %% 2 = 1 THEN b.gaps[(b.purchases - 1) / 2 + 1]
                ELSE (b.gaps[(b.purchases - 1) / 2] + b.gaps[(b.purchases - 1) / 2 + 1] + 1) / 2 END AS median_gap_days
            FROM bought b
        ), newest AS (
            SELECT DISTINCT ON (customer_id) customer_id, owner_id, region
            FROM lines ORDER BY customer_id, signed_at DESC, contract_id DESC
        ), named AS (
            SELECT DISTINCT ON (customer_id) customer_id, customer_name
            FROM lines WHERE customer_name IS NOT NULL ORDER BY customer_id, signed_at DESC, contract_id DESC
        ), fresh AS (
            SELECT m.customer_id, m.product_line, m.purchases, m.last_on, m.median_gap_days, m.last_on + m.median_gap_days AS next_on,
                COALESCE(a.customer_name, m.customer_id) AS customer_name, COALESCE(cp.owner_id, n.owner_id) AS owner_id,
                COALESCE(cp.region, n.region) AS region
            FROM median m JOIN newest n USING (customer_id)
                LEFT JOIN named a USING (customer_id)
                LEFT JOIN %1$I.customer_projection cp ON cp.id = m.customer_id
        ), gone AS (
            DELETE FROM %1$I.customer_line_purchases %3$s
            RETURNING owner_id, region, next_on
        ), added AS (
            INSERT INTO %1$I.customer_line_purchases (customer_id, product_line, purchases, last_on, median_gap_days, next_on,
                customer_name, owner_id, region)
            SELECT * FROM fresh
            RETURNING owner_id, region, next_on
        )
        INSERT INTO %1$I.customer_line_purchase_counts AS a (owner_id, region, next_on, lines)
        SELECT o.owner_id, x.region, x.next_on, sum(x.sign)
        FROM (SELECT g.*, -1 AS sign FROM gone g UNION ALL SELECT d.*, 1 FROM added d) x
            CROSS JOIN LATERAL (VALUES (x.owner_id), ('')) AS o (owner_id)
        GROUP BY 1, 2, 3
        HAVING sum(sign) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (owner_id, region, next_on) DO UPDATE SET lines = a.lines + EXCLUDED.lines
        $sql$,
        target, only_these, old_rows) USING customers;
END
$$;

-- Lines added, changed or removed: their contracts' customers (a line removed with its contract: the contract's trigger).
CREATE FUNCTION customer_line_purchases_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.contract_id FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT o.contract_id FROM old_rows o'
        ELSE 'SELECT n.contract_id FROM new_rows n UNION SELECT o.contract_id FROM old_rows o' END;
    customers text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        'SELECT array_agg(DISTINCT c.customer_id ORDER BY c.customer_id) FROM %1$I.signed_contracts c
         WHERE c.contract_id IN (%2$s) AND c.customer_id IS NOT NULL',
        TG_TABLE_SCHEMA, changed) INTO customers;
    -- No customer touched (most statements: a guarded UPDATE that matched nothing): nothing to do. NULL would mean
    -- every customer to the refresh, a full recompute (20 s at a million contracts) on each such statement.
    IF customers IS NULL THEN RETURN NULL; END IF;
    -- Named through the table's schema: seed-demo writes `reporting.…` without that search_path.
    EXECUTE format('SELECT %I.customer_line_purchases_refresh($1, $2)', TG_TABLE_SCHEMA) USING TG_TABLE_SCHEMA, customers;
    RETURN NULL;
END
$$;

-- A contract changed (its customer filled in later, its name, owner, region or time) or removed.
CREATE FUNCTION customer_line_purchases_contracts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    customers text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.customer_id ORDER BY o.customer_id) INTO customers FROM old_rows o WHERE o.customer_id IS NOT NULL;
    ELSE
        SELECT array_agg(DISTINCT x.customer_id ORDER BY x.customer_id) INTO customers
        FROM new_rows n JOIN old_rows o ON o.contract_id = n.contract_id
            CROSS JOIN LATERAL (VALUES (n.customer_id), (o.customer_id)) AS x (customer_id)
        WHERE x.customer_id IS NOT NULL
          AND (n.customer_id, n.customer_name, n.owner_id, n.region, n.signed_at)
              IS DISTINCT FROM (o.customer_id, o.customer_name, o.owner_id, o.region, o.signed_at);
    END IF;
    -- No customer touched (most statements: a guarded UPDATE that matched nothing): nothing to do. NULL would mean
    -- every customer to the refresh, a full recompute (20 s at a million contracts) on each such statement.
    IF customers IS NULL THEN RETURN NULL; END IF;
    -- Named through the table's schema: seed-demo writes `reporting.…` without that search_path.
    EXECUTE format('SELECT %I.customer_line_purchases_refresh($1, $2)', TG_TABLE_SCHEMA) USING TG_TABLE_SCHEMA, customers;
    RETURN NULL;
END
$$;

-- A customer's owner or region changed: its rows, if it has any, change scope.
CREATE FUNCTION customer_line_purchases_customers() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.id FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT o.id FROM old_rows o'
        ELSE 'SELECT n.id FROM new_rows n JOIN old_rows o USING (id)
              WHERE (n.owner_id, n.region) IS DISTINCT FROM (o.owner_id, o.region)' END;
    customers text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN RETURN NULL; END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        'SELECT array_agg(DISTINCT p.customer_id ORDER BY p.customer_id) FROM %1$I.customer_line_purchases p
         WHERE p.customer_id IN (%2$s)',
        TG_TABLE_SCHEMA, changed) INTO customers;
    -- No customer touched (most statements: a guarded UPDATE that matched nothing): nothing to do. NULL would mean
    -- every customer to the refresh, a full recompute (20 s at a million contracts) on each such statement.
    IF customers IS NULL THEN RETURN NULL; END IF;
    -- Named through the table's schema: seed-demo writes `reporting.…` without that search_path.
    EXECUTE format('SELECT %I.customer_line_purchases_refresh($1, $2)', TG_TABLE_SCHEMA) USING TG_TABLE_SCHEMA, customers;
    RETURN NULL;
END
$$;

-- Backfill from the projections as they are (set-based: one pass over the lines and their contracts).
SELECT customer_line_purchases_refresh(current_schema(), NULL);
INSERT INTO customer_line_purchase_locks (customer_id) SELECT DISTINCT customer_id FROM customer_line_purchases;

CREATE TRIGGER customer_line_purchases_insert AFTER INSERT ON signed_contract_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_lines();
CREATE TRIGGER customer_line_purchases_update AFTER UPDATE ON signed_contract_lines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_lines();
CREATE TRIGGER customer_line_purchases_delete AFTER DELETE ON signed_contract_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_lines();

CREATE TRIGGER customer_line_purchases_update AFTER UPDATE ON signed_contracts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_contracts();
CREATE TRIGGER customer_line_purchases_delete AFTER DELETE ON signed_contracts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_contracts();

CREATE TRIGGER customer_line_purchases_insert AFTER INSERT ON customer_projection
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_customers();
CREATE TRIGGER customer_line_purchases_update AFTER UPDATE ON customer_projection
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_customers();
CREATE TRIGGER customer_line_purchases_delete AFTER DELETE ON customer_projection
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_line_purchases_customers();
