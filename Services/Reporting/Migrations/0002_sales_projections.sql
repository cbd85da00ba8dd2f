-- The org chart as reporting needs it: display names for rankings, region and reporting line for scope.
-- `sequence` is the user's version, so a late, older user.* event changes nothing.
CREATE TABLE user_projection (
    id text PRIMARY KEY,
    display_name text NOT NULL,
    role text NOT NULL,
    region text,
    supervisor_id text,
    active boolean NOT NULL,
    sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Signed contracts (contract.signed): revenue counts from here. A contract is signed once, so the first copy wins.
CREATE TABLE signed_contracts (
    contract_id text PRIMARY KEY,
    number text NOT NULL,
    deal_id text NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    amount_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    signed_at timestamptz NOT NULL
);
CREATE INDEX signed_contracts_signed_at_idx ON signed_contracts (signed_at);
CREATE INDEX signed_contracts_deal_idx ON signed_contracts (deal_id);

CREATE TABLE signed_contract_lines (
    contract_id text NOT NULL REFERENCES signed_contracts (contract_id) ON DELETE CASCADE,
    line_no integer NOT NULL,
    product_id text NOT NULL,
    product_line text NOT NULL,
    quantity bigint NOT NULL,
    amount_fen bigint NOT NULL,
    cost_fen bigint NOT NULL,
    PRIMARY KEY (contract_id, line_no)
);

-- One row per deal: its owner and region as of the newest event (`sequence`), and its creation time, taken from the
-- deal.stage_changed with from = null; the funnel selects deals by that time, so a deal stays out until it arrives.
CREATE TABLE deal_projection (
    deal_id text PRIMARY KEY,
    owner_id text NOT NULL,
    region text NOT NULL,
    created_at timestamptz,
    sequence bigint NOT NULL
);
CREATE INDEX deal_projection_created_at_idx ON deal_projection (created_at);

-- Every stage a deal ever reached, with the first time it did: a set, so events may arrive in any order.
CREATE TABLE deal_stages (
    deal_id text NOT NULL,
    stage text NOT NULL,
    reached_at timestamptz NOT NULL,
    PRIMARY KEY (deal_id, stage)
);

-- Owner and region of each submitted contract (contract.submitted): approval.completed names only the submitter,
-- and the approval-time report is scoped by the contract's owner and region.
CREATE TABLE contract_submissions (
    contract_id text PRIMARY KEY,
    owner_id text NOT NULL,
    region text NOT NULL,
    sequence bigint NOT NULL
);

-- Finished approvals (approval.completed) with their duration in working days, as approvals computed it.
CREATE TABLE approval_times (
    approval_id text PRIMARY KEY,
    contract_id text NOT NULL,
    submitter_id text NOT NULL,
    outcome text NOT NULL,
    requested_at timestamptz NOT NULL,
    completed_at timestamptz NOT NULL,
    working_days double precision NOT NULL,
    sequence bigint NOT NULL
);
CREATE INDEX approval_times_completed_at_idx ON approval_times (completed_at);
