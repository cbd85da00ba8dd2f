-- Who proposed or edited a contract's payment plan, and when (issue 11): the audit trail the payments view shows.
-- Receipts, reversals and write-offs keep theirs on their own rows (recorded_by, reversed_by, written_off_by).
CREATE TABLE payment_plan_changes (
    id bigserial PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id),
    -- proposed: from the payment terms, on signing (or on first use for a contract signed before plans existed);
    -- edited: replaced by the owner, their managers or finance.
    kind text NOT NULL CHECK (kind IN ('proposed', 'edited')),
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL,
    -- The plan after the change: [{sequence, label, amountFen, dueOn?, dueAfterDeliveryDays?}].
    installments jsonb NOT NULL
);

CREATE INDEX payment_plan_changes_contract_idx ON payment_plan_changes (contract_id, changed_at);
