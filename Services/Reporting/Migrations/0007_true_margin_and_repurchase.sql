-- Issue 11: true margin (cost of money, write-offs) and re-purchase expectations.

-- The customer of each signed contract (contract.signed carries it since issue 11; older events: from the deal) and
-- the contract's end date (renewal reminders).
ALTER TABLE signed_contracts ADD COLUMN customer_id text, ADD COLUMN customer_name text, ADD COLUMN ends_on date;
CREATE INDEX signed_contracts_customer_idx ON signed_contracts (customer_id);

-- The deal's customer and its current stage (the newest event's `to`): "no open deal" for overdue re-purchases.
ALTER TABLE deal_projection ADD COLUMN customer_id text, ADD COLUMN stage text;
CREATE INDEX deal_projection_customer_idx ON deal_projection (customer_id);

UPDATE deal_projection d SET customer_id = x.customer_id, stage = x.stage
FROM (
    SELECT DISTINCT ON (e.envelope -> 'data' ->> 'dealID')
        e.envelope -> 'data' ->> 'dealID' AS deal_id,
        e.envelope -> 'data' ->> 'customerID' AS customer_id,
        e.envelope -> 'data' ->> 'to' AS stage
    FROM event_log e
    WHERE e.type = 'deal.stage_changed'
    ORDER BY e.envelope -> 'data' ->> 'dealID', e.sequence DESC
) x
WHERE x.deal_id = d.deal_id;

UPDATE signed_contracts c SET customer_id = d.customer_id
FROM deal_projection d
WHERE d.deal_id = c.deal_id AND c.customer_id IS NULL;

-- The newest payment plan of each contract (payment_plan.changed carries the whole plan); (sequence, changed_at)
-- orders the versions, so a late older plan changes nothing.
CREATE TABLE payment_plans (
    contract_id text PRIMARY KEY,
    customer_id text NOT NULL,
    customer_name text NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    amount_fen bigint NOT NULL,
    signed_at timestamptz NOT NULL,
    sequence bigint NOT NULL,
    changed_at timestamptz NOT NULL
);

CREATE TABLE plan_installments (
    installment_id text PRIMARY KEY,
    contract_id text NOT NULL REFERENCES payment_plans (contract_id) ON DELETE CASCADE,
    sequence integer NOT NULL,
    label text NOT NULL,
    amount_fen bigint NOT NULL,
    due_on date
);
CREATE INDEX plan_installments_contract_idx ON plan_installments (contract_id);

-- Receipts (receipt.recorded) are facts: the first copy wins. A reversal (receipt.reversed) is kept apart, so it
-- counts even when it arrives before its receipt.
CREATE TABLE collection_receipts (
    receipt_id text PRIMARY KEY,
    contract_id text NOT NULL,
    amount_fen bigint NOT NULL,
    received_on date NOT NULL,
    method text NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX collection_receipts_contract_idx ON collection_receipts (contract_id);

CREATE TABLE collection_allocations (
    receipt_id text NOT NULL REFERENCES collection_receipts (receipt_id) ON DELETE CASCADE,
    installment_id text NOT NULL,
    amount_fen bigint NOT NULL,
    PRIMARY KEY (receipt_id, installment_id)
);
CREATE INDEX collection_allocations_installment_idx ON collection_allocations (installment_id);

CREATE TABLE receipt_reversals (
    receipt_id text PRIMARY KEY,
    contract_id text NOT NULL,
    reversed_at timestamptz NOT NULL
);

-- Write-offs (installment.written_off): once per installment.
CREATE TABLE installment_write_offs (
    installment_id text PRIMARY KEY,
    contract_id text NOT NULL,
    amount_fen bigint NOT NULL,
    written_off_at timestamptz NOT NULL
);
CREATE INDEX installment_write_offs_contract_idx ON installment_write_offs (contract_id);

-- The re-purchase reminders published: at most one per (customer, line, expected date, kind).
CREATE TABLE repurchase_reminders (
    customer_id text NOT NULL,
    product_line text NOT NULL,
    expected_on date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('upcoming', 'overdue', 'renewal')),
    sent_at timestamptz NOT NULL,
    PRIMARY KEY (customer_id, product_line, expected_on, kind)
);
