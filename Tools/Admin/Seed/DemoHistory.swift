/// The SQL that writes a year of sales history straight into the `deals` and `reporting` schemas, a batch at a time:
/// what `seed-demo --contracts N` loads after the team, the catalogue and the customers went in through the API.
///
/// Why SQL and not the API: a million contracts through the saga would take hours; this writes the rows each service
/// would have written (deals: deal, stage history, quote version, contract; reporting: the projections its reports
/// read), consistently, in minutes. Everything is derived from the seed and the row number with `hashtextextended`,
/// and ids are `md5(seed:kind:n)`, so the same flags write the same rows; a batch whose deals exist already is skipped
/// whole, which makes a second run a no-op. Reporting's event log is not written: `rebuild reporting` would drop the
/// seeded history, which is demo and benchmark data only.
///
/// Parameters of every batch: `$1` the seed (text), `$2`…`$3` the row numbers (from inclusive, to exclusive),
/// `$4` the last day of the history (timestamptz), `$5` the number of demo customers, `$6` the number of demo products.
/// Inputs: the session's temp tables `demo_customers (n, id, name, region, owner_id)` and
/// `demo_products (n, id, name, line, price, cost)`, numbered from 0.
enum DemoHistory {
    /// Numbers the demo customers (by external id) and products (by name) for the batches that follow.
    static let prepare = [
        "DROP TABLE IF EXISTS demo_customers",
        """
        CREATE TEMP TABLE demo_customers AS
        SELECT (row_number() OVER (ORDER BY external_id) - 1)::bigint AS n, id::text AS id, name, region, owner_id
        FROM customers.customers WHERE external_id LIKE 'DEMO-%' AND owner_id IS NOT NULL AND archived_at IS NULL
        """,
        "CREATE UNIQUE INDEX ON demo_customers (n)",
        "DROP TABLE IF EXISTS demo_products",
        """
        CREATE TEMP TABLE demo_products AS
        SELECT (row_number() OVER (ORDER BY name) - 1)::bigint AS n, id::text AS id, name, product_line AS line,
               list_price_fen AS price, unit_cost_fen AS cost
        FROM deals.products WHERE name = ANY($1::text[])
        """,
        "CREATE UNIQUE INDEX ON demo_products (n)",
    ]

    /// One batch of signed contracts, each with its deal, stage history, quote and approval, in both schemas.
    static let signedContracts = [
        // The batch's contracts: who, when. Signed in the year up to $4; the deal began 20–60 days before.
        """
        CREATE TEMP TABLE batch ON COMMIT DROP AS
        SELECT i, h, c.id AS customer_id, c.name AS customer_name, c.region, c.owner_id,
               md5($1 || ':deal:' || i)::uuid AS deal_id, md5($1 || ':quote:' || i)::uuid AS quote_id,
               md5($1 || ':contract:' || i)::uuid AS contract_id, md5($1 || ':approval:' || i)::uuid AS approval_id,
               signed_at,
               signed_at - make_interval(days => 20 + (h / 11 % 40)::int) AS created_at,
               signed_at - interval '4 days' AS submitted_at,
               (h / 17 % 250 + 10) / 100.0 AS working_days
        FROM generate_series($2::bigint, $3::bigint - 1) AS i
        CROSS JOIN LATERAL (SELECT abs(hashtextextended($1 || ':' || i, 0)) AS h) AS hh
        CROSS JOIN LATERAL (SELECT $4::timestamptz - make_interval(secs => (hh.h / 3 % 31536000)::double precision) AS signed_at) AS s
        JOIN demo_customers c ON c.n = hh.h % $5
        """,
        "DELETE FROM batch WHERE deal_id IN (SELECT id FROM deals.deals)",
        // One to three lines each: a product, 1–20 pieces, a discount of 0, 2.5, 5 or 7.5 %.
        """
        CREATE TEMP TABLE batch_lines ON COMMIT DROP AS
        SELECT b.i, k AS line_no, p.id AS product_id, p.name AS product_name, p.line, q.quantity, p.price, q.discount,
               round(q.quantity::numeric * p.price * (10000 - q.discount) / 10000)::bigint AS amount_fen,
               q.quantity * p.cost AS cost_fen
        FROM batch b
        CROSS JOIN LATERAL generate_series(1, 1 + (b.h / 5 % 3)::int) AS k
        CROSS JOIN LATERAL (SELECT abs(hashtextextended($1 || ':line:' || b.i || ':' || k, 0)) AS h) AS lh
        JOIN demo_products p ON p.n = lh.h % $6
        CROSS JOIN LATERAL (SELECT 1 + lh.h / 13 % 20 AS quantity, (lh.h / 7 % 4) * 250 AS discount) AS q
        """,
        """
        CREATE TEMP TABLE batch_totals ON COMMIT DROP AS
        SELECT b.*, t.amount_fen, t.cost_fen, t.lines, t.first_line,
               CASE WHEN b.signed_at + interval '50 days' < $4 THEN 'paid'
                    WHEN b.signed_at + interval '20 days' < $4 THEN 'delivered' ELSE 'contract' END AS stage
        FROM batch b
        JOIN (
            SELECT i, sum(amount_fen)::bigint AS amount_fen, sum(cost_fen)::bigint AS cost_fen, min(line) AS first_line,
                   jsonb_agg(jsonb_build_object(
                       'productID', product_id, 'productName', product_name, 'productLine', line, 'quantity', quantity,
                       'unitPriceFen', price, 'discountBasisPoints', discount, 'amountFen', amount_fen, 'costFen', cost_fen
                   ) ORDER BY line_no) AS lines
            FROM batch_lines GROUP BY i
        ) t USING (i)
        """,
        // The stages each deal entered, and when.
        """
        CREATE TEMP TABLE batch_stages ON COMMIT DROP AS
        SELECT deal_id, owner_id, ordinal, from_stage, to_stage, at
        FROM batch_totals b
        CROSS JOIN LATERAL (VALUES
            (1, NULL, 'lead', b.created_at),
            (2, 'lead', 'qualified', b.created_at + interval '3 days'),
            (3, 'qualified', 'quoted', b.created_at + interval '7 days'),
            (4, 'quoted', 'contract', b.submitted_at),
            (5, 'contract', 'delivered', b.signed_at + interval '20 days'),
            (6, 'delivered', 'paid', b.signed_at + interval '50 days')
        ) AS v (ordinal, from_stage, to_stage, at)
        WHERE v.at < $4
        """,
        """
        INSERT INTO deals.deals (id, customer_id, customer_name, owner_id, region, title, expected_amount_fen, expected_close_date,
                                 stage, version, created_by, created_at, updated_at)
        SELECT b.deal_id, b.customer_id, b.customer_name, b.owner_id, b.region, regexp_replace(b.customer_name, '(制造|科技)?有限公司.*$', '') || ' ' || b.first_line || '项目',
               b.amount_fen, (b.signed_at AT TIME ZONE 'Asia/Shanghai')::date, b.stage,
               -- Its version counts the stages it entered (batch_stages): four, then delivered, then paid.
               CASE b.stage WHEN 'paid' THEN 6 WHEN 'delivered' THEN 5 ELSE 4 END, b.owner_id, b.created_at, b.signed_at
        FROM batch_totals b
        """,
        """
        INSERT INTO deals.deal_stage_history (deal_id, from_stage, to_stage, changed_by, changed_at)
        SELECT deal_id, from_stage, to_stage, owner_id, at FROM batch_stages ORDER BY deal_id, ordinal
        """,
        """
        INSERT INTO deals.quote_versions (id, deal_id, version, lines, total_fen, cost_fen, margin_fen, margin_basis_points,
                                          valid_until, created_by, created_at)
        SELECT quote_id, deal_id, 1, lines, amount_fen, cost_fen, amount_fen - cost_fen,
               CASE WHEN amount_fen = 0 THEN 0 ELSE (amount_fen - cost_fen) * 10000 / amount_fen END,
               ((created_at + interval '37 days') AT TIME ZONE 'Asia/Shanghai')::date, owner_id, created_at + interval '7 days'
        FROM batch_totals
        """,
        """
        INSERT INTO deals.contracts (id, number, deal_id, quote_id, quote_version, lines, amount_fen, cost_fen, status, version,
                                     submitted_by, submitted_at, decided_at, signed_at, created_by, created_at, updated_at,
                                     delivered_at, ends_on)
        SELECT contract_id, 'HT-' || extract(year FROM signed_at AT TIME ZONE 'Asia/Shanghai') || '-D' || lpad(i::text, 7, '0'),
               deal_id, quote_id, 1, lines, amount_fen, cost_fen, 'signed', 4, owner_id, submitted_at,
               submitted_at + make_interval(secs => (working_days * 86400)::double precision), signed_at, owner_id, submitted_at, signed_at,
               CASE WHEN stage <> 'contract' THEN signed_at + interval '20 days' END,
               ((signed_at + interval '1 year') AT TIME ZONE 'Asia/Shanghai')::date
        FROM batch_totals
        """,
        """
        INSERT INTO reporting.signed_contracts (contract_id, number, deal_id, owner_id, region, amount_fen, cost_fen, signed_at,
                                                customer_id, customer_name, ends_on)
        SELECT c.id::text, c.number, c.deal_id::text, b.owner_id, b.region, c.amount_fen, c.cost_fen, c.signed_at,
               b.customer_id, b.customer_name, c.ends_on
        FROM batch_totals b JOIN deals.contracts c ON c.id = b.contract_id
        ON CONFLICT (contract_id) DO NOTHING
        """,
        """
        INSERT INTO reporting.signed_contract_lines (contract_id, line_no, product_id, product_line, quantity, amount_fen, cost_fen)
        SELECT b.contract_id::text, l.line_no, l.product_id, l.line, l.quantity, l.amount_fen, l.cost_fen
        FROM batch_lines l JOIN batch_totals b USING (i)
        ON CONFLICT (contract_id, line_no) DO NOTHING
        """,
        """
        INSERT INTO reporting.deal_projection (deal_id, owner_id, region, created_at, sequence, customer_id, stage, funnel_stage)
        SELECT d.id::text, d.owner_id, d.region, d.created_at, d.version, d.customer_id, d.stage, 'won'
        FROM batch_totals b JOIN deals.deals d ON d.id = b.deal_id
        ON CONFLICT (deal_id) DO NOTHING
        """,
        """
        INSERT INTO reporting.deal_stages (deal_id, stage, reached_at)
        SELECT deal_id::text, to_stage, at FROM batch_stages
        ON CONFLICT (deal_id, stage) DO NOTHING
        """,
        """
        INSERT INTO reporting.contract_submissions (contract_id, owner_id, region, sequence)
        SELECT contract_id::text, owner_id, region, 2 FROM batch_totals
        ON CONFLICT (contract_id) DO NOTHING
        """,
        """
        INSERT INTO reporting.approval_times (approval_id, contract_id, submitter_id, outcome, requested_at, completed_at,
                                              working_days, sequence)
        SELECT approval_id::text, contract_id::text, owner_id, 'approved', submitted_at,
               submitted_at + make_interval(secs => (working_days * 86400)::double precision), working_days, 1
        FROM batch_totals
        ON CONFLICT (approval_id) DO NOTHING
        """,
    ]

    /// One batch of open and lost deals (the rest of the funnel): created over the year; those of the last 60 days a
    /// quarter each at lead, qualified, quoted (with a quote version) and lost, the older ones lost after their quote.
    static let openDeals = [
        """
        CREATE TEMP TABLE batch ON COMMIT DROP AS
        SELECT i, h, c.id AS customer_id, c.name AS customer_name, c.region, c.owner_id,
               md5($1 || ':open-deal:' || i)::uuid AS deal_id, md5($1 || ':open-quote:' || i)::uuid AS quote_id,
               $4::timestamptz - make_interval(secs => (h / 3 % 31536000)::double precision) AS created_at,
               -- Older than 60 days an open deal has been lost; younger ones spread over the funnel's four stages.
               CASE WHEN h / 3 % 31536000 > 5184000 THEN 'lost'
                    ELSE (ARRAY['lead', 'qualified', 'quoted', 'lost'])[1 + (h / 19 % 4)::int] END AS stage,
               p.id AS product_id, p.name AS product_name, p.line, p.price, p.cost, 1 + h / 23 % 10 AS quantity
        FROM generate_series($2::bigint, $3::bigint - 1) AS i
        CROSS JOIN LATERAL (SELECT abs(hashtextextended($1 || ':open:' || i, 0)) AS h) AS hh
        JOIN demo_customers c ON c.n = hh.h % $5
        JOIN demo_products p ON p.n = hh.h / 29 % $6
        """,
        "DELETE FROM batch WHERE deal_id IN (SELECT id FROM deals.deals)",
        """
        CREATE TEMP TABLE batch_stages ON COMMIT DROP AS
        SELECT deal_id, owner_id, ordinal, from_stage, to_stage, at
        FROM batch b
        CROSS JOIN LATERAL (VALUES
            (1, NULL, 'lead', b.created_at, true),
            (2, 'lead', 'qualified', b.created_at + interval '2 days', b.stage IN ('qualified', 'quoted', 'lost')),
            (3, 'qualified', 'quoted', b.created_at + interval '5 days', b.stage IN ('quoted', 'lost')),
            (4, 'quoted', 'lost', b.created_at + interval '9 days', b.stage = 'lost')
        ) AS v (ordinal, from_stage, to_stage, at, reached)
        WHERE v.reached AND v.at < $4
        """,
        """
        INSERT INTO deals.deals (id, customer_id, customer_name, owner_id, region, title, expected_amount_fen, expected_close_date,
                                 stage, lost_reason, lost_from_stage, version, created_by, created_at, updated_at)
        SELECT b.deal_id, b.customer_id, b.customer_name, b.owner_id, b.region, regexp_replace(b.customer_name, '(制造|科技)?有限公司.*$', '') || ' ' || b.line || '询价',
               b.quantity * b.price, ((b.created_at + interval '45 days') AT TIME ZONE 'Asia/Shanghai')::date,
               s.current, CASE WHEN s.current = 'lost' THEN '价格高于竞品' END, CASE WHEN s.current = 'lost' THEN 'quoted' END,
               s.entered, b.owner_id, b.created_at, b.created_at
        FROM batch b
        JOIN (
            SELECT deal_id, count(*) AS entered, (array_agg(to_stage ORDER BY ordinal DESC))[1] AS current
            FROM batch_stages GROUP BY deal_id
        ) s USING (deal_id)
        """,
        """
        INSERT INTO deals.deal_stage_history (deal_id, from_stage, to_stage, lost_reason, changed_by, changed_at)
        SELECT deal_id, from_stage, to_stage, CASE WHEN to_stage = 'lost' THEN '价格高于竞品' END, owner_id, at
        FROM batch_stages ORDER BY deal_id, ordinal
        """,
        """
        INSERT INTO deals.quote_versions (id, deal_id, version, lines, total_fen, cost_fen, margin_fen, margin_basis_points,
                                          valid_until, created_by, created_at)
        SELECT b.quote_id, b.deal_id, 1,
               jsonb_build_array(jsonb_build_object(
                   'productID', b.product_id, 'productName', b.product_name, 'productLine', b.line, 'quantity', b.quantity,
                   'unitPriceFen', b.price, 'discountBasisPoints', 0, 'amountFen', b.quantity * b.price, 'costFen', b.quantity * b.cost
               )),
               b.quantity * b.price, b.quantity * b.cost, b.quantity * (b.price - b.cost),
               CASE WHEN b.price = 0 THEN 0 ELSE (b.price - b.cost) * 10000 / b.price END,
               ((s.at + interval '30 days') AT TIME ZONE 'Asia/Shanghai')::date, b.owner_id, s.at
        FROM batch b JOIN batch_stages s ON s.deal_id = b.deal_id AND s.to_stage = 'quoted'
        """,
        """
        INSERT INTO reporting.deal_projection (deal_id, owner_id, region, created_at, sequence, customer_id, stage, funnel_stage)
        SELECT d.id::text, d.owner_id, d.region, d.created_at, d.version, d.customer_id, d.stage,
               CASE d.stage WHEN 'lost' THEN 'quoted' ELSE d.stage END
        FROM batch b JOIN deals.deals d ON d.id = b.deal_id
        ON CONFLICT (deal_id) DO NOTHING
        """,
        """
        INSERT INTO reporting.deal_stages (deal_id, stage, reached_at)
        SELECT deal_id::text, to_stage, at FROM batch_stages
        ON CONFLICT (deal_id, stage) DO NOTHING
        """,
    ]
}
