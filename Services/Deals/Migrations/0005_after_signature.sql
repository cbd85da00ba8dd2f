-- After the signature (issue 11): the tables that shipments, payment plans, receipts, the receivables reports and
-- the customer self-service page share. Money is integer fen (分); dates are Asia/Shanghai calendar days.

-- When everything on a signed contract has shipped (set by the shipment that completes it). Installments due on
-- delivery take their date from it.
ALTER TABLE contracts ADD COLUMN delivered_at timestamptz;

-- A signed contract's payment plan: its installments always sum exactly to the contract amount.
-- due_on is fixed (`due_on`), or follows the delivery (`due_after_delivery_days`, NULL due_on until delivered).
CREATE TABLE payment_installments (
    id uuid PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id),
    sequence integer NOT NULL CHECK (sequence >= 1),
    label text NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    due_on date,
    due_after_delivery_days integer CHECK (due_after_delivery_days >= 0),
    -- What finance wrote off (坏账核销); it is no longer due.
    written_off_fen bigint NOT NULL DEFAULT 0 CHECK (written_off_fen >= 0),
    written_off_reason text,
    written_off_by text,
    written_off_at timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (contract_id, sequence) DEFERRABLE INITIALLY DEFERRED,
    CHECK (due_on IS NOT NULL OR due_after_delivery_days IS NOT NULL)
);

CREATE INDEX payment_installments_due_idx ON payment_installments (due_on);

-- Money received against a contract. Never edited: a mistake is reversed (reversed_at) and recorded again.
CREATE TABLE receipts (
    id uuid PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    received_on date NOT NULL,
    method text NOT NULL CHECK (method IN ('bank_transfer', 'acceptance_bill', 'cash', 'other')),
    reference text,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    reversed_at timestamptz,
    reversed_by text,
    reversal_reason text
);

CREATE INDEX receipts_contract_idx ON receipts (contract_id, received_on);

-- How a receipt is split over installments (oldest first, or by hand). A reversed receipt's rows stay, and stop
-- counting: paid = sum over allocations whose receipt is not reversed.
CREATE TABLE receipt_allocations (
    receipt_id uuid NOT NULL REFERENCES receipts (id),
    installment_id uuid NOT NULL REFERENCES payment_installments (id),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    PRIMARY KEY (receipt_id, installment_id)
);

CREATE INDEX receipt_allocations_installment_idx ON receipt_allocations (installment_id);

-- Shipments (发货) against a signed contract's lines, by the warehouse. A contract line is named by its 1-based
-- position in contracts.lines (a product may appear on two lines at different prices). Shipped quantities never
-- exceed a line's quantity.
CREATE TABLE shipments (
    id uuid PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id),
    shipped_on date NOT NULL,
    carrier text NOT NULL,
    tracking_number text,
    note text,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL
);

CREATE INDEX shipments_contract_idx ON shipments (contract_id, shipped_on);

CREATE TABLE shipment_lines (
    shipment_id uuid NOT NULL REFERENCES shipments (id),
    line_number integer NOT NULL CHECK (line_number >= 1),
    quantity bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, line_number)
);
