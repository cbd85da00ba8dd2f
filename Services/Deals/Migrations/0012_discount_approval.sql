-- Issue 12: discount approval (折扣审批). Each role may give at most so many basis points of discount per line off the
-- list price (NULL = no limit); admins change the limits. A quote version whose any line goes beyond its author's limit
-- is stored with a discount approval row (quote versions themselves never change): pending_approval until approvals
-- answers approval.completed (subject_type discount) with approved, rejected or recalled. A version without a row is
-- within its author's limit and behaves as before.
CREATE TABLE discount_limits (
    role text PRIMARY KEY CHECK (role IN ('rep', 'supervisor', 'regional_manager', 'gm')),
    max_basis_points integer CHECK (max_basis_points BETWEEN 0 AND 10000),
    updated_by text,
    updated_at timestamptz
);
INSERT INTO discount_limits (role, max_basis_points) VALUES
    ('rep', 1000), ('supervisor', 2000), ('regional_manager', 3000), ('gm', NULL);

CREATE TABLE quote_discount_approvals (
    quote_id uuid PRIMARY KEY REFERENCES quote_versions (id),
    deal_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'recalled')),
    -- The author's limit when the version was made, and the largest line discount off the list price.
    limit_basis_points integer NOT NULL,
    max_discount_basis_points integer NOT NULL,
    list_total_fen bigint NOT NULL,
    -- list total − quoted total: the amount the discount policy's tiers apply to.
    discount_fen bigint NOT NULL,
    approval_id text,
    decided_at timestamptz,
    decision_comment text,
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX quote_discount_approvals_deal ON quote_discount_approvals (deal_id);
