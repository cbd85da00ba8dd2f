-- Issue 12: expense claims (报销申请). A rep files one (draft), submits it (pending_approval, expense_claim.submitted
-- goes to approvals), approvals answers with approval.completed (subject_type expense_claim): approved or rejected, a
-- recall puts it back to draft; finance pays an approved one.
CREATE SEQUENCE expense_claim_number_seq;

CREATE TABLE expense_claims (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    owner_id text NOT NULL,
    region text NOT NULL,
    category text NOT NULL CHECK (category IN ('travel', 'entertainment', 'transport', 'other')),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    -- The day the money was spent (Asia/Shanghai).
    spent_on date NOT NULL,
    description text NOT NULL,
    customer_id text,
    customer_name text,
    deal_id text,
    status text NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'paid')),
    version bigint NOT NULL,
    submitted_by text,
    submitted_at timestamptz,
    approval_id text,
    decided_at timestamptz,
    decision_comment text,
    paid_by text,
    paid_at timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX expense_claims_owner ON expense_claims (owner_id, created_at DESC, id DESC);
CREATE INDEX expense_claims_newest ON expense_claims (created_at DESC, id DESC);
