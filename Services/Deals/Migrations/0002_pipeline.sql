-- The pipeline (issue 4): products, deals with their stage history, immutable quote versions, contracts.
-- Money is integer fen (分); never a float.

CREATE TABLE products (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    product_line text NOT NULL,
    list_price_fen bigint NOT NULL CHECK (list_price_fen >= 0),
    unit_cost_fen bigint NOT NULL CHECK (unit_cost_fen >= 0),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX products_line_idx ON products (product_line, name);

-- owner_id and region follow the customer (from the replica) while the deal is open; they decide the data scope.
CREATE TABLE deals (
    id uuid PRIMARY KEY,
    customer_id text NOT NULL,
    customer_name text NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    title text NOT NULL,
    expected_amount_fen bigint NOT NULL CHECK (expected_amount_fen >= 0),
    expected_close_date date NOT NULL,
    stage text NOT NULL CHECK (stage IN ('lead', 'qualified', 'quoted', 'contract', 'delivered', 'paid', 'lost')),
    lost_reason text,
    -- The stage a lost deal was lost from: where an explicit reopen returns it.
    lost_from_stage text,
    version bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX deals_created_idx ON deals (created_at DESC, id DESC);
CREATE INDEX deals_owner_idx ON deals (owner_id);
CREATE INDEX deals_customer_idx ON deals (customer_id);

-- Every stage a deal entered, with its time: the funnel and cycle times are computed from it.
CREATE TABLE deal_stage_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deal_id uuid NOT NULL REFERENCES deals (id),
    from_stage text,
    to_stage text NOT NULL,
    lost_reason text,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL
);

CREATE INDEX deal_stage_history_deal_idx ON deal_stage_history (deal_id, id);

-- A quote version never changes once written: there is no UPDATE of this table anywhere in the service.
CREATE TABLE quote_versions (
    id uuid PRIMARY KEY,
    deal_id uuid NOT NULL REFERENCES deals (id),
    version integer NOT NULL CHECK (version >= 1),
    lines jsonb NOT NULL,
    total_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    margin_fen bigint NOT NULL,
    margin_basis_points bigint NOT NULL,
    valid_until date,
    note text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (deal_id, version)
);

CREATE SEQUENCE contract_number_seq;

CREATE TABLE contracts (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    deal_id uuid NOT NULL REFERENCES deals (id),
    quote_id uuid NOT NULL REFERENCES quote_versions (id),
    quote_version integer NOT NULL,
    lines jsonb NOT NULL,
    amount_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'signed')),
    version bigint NOT NULL,
    submitted_by text,
    submitted_at timestamptz,
    decided_at timestamptz,
    decision_comment text,
    signed_at timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX contracts_created_idx ON contracts (created_at DESC, id DESC);
CREATE INDEX contracts_deal_idx ON contracts (deal_id);
