-- Delegation (委托审批): an approver names a delegate for a range of Asia/Shanghai days. Steps assigned while it is in
-- force go to the delegate, and the delegator's pending steps move to them when it starts. A cancelled delegation keeps
-- its row (who cancelled it and when); nothing is ever deleted, so the table is its own audit trail together with
-- delegation_audit. Overlap between a delegator's live delegations is refused by the service, which serialises the
-- check per delegator with a transaction-scoped advisory lock.
CREATE TABLE delegations (
    id uuid PRIMARY KEY,
    delegator_id text NOT NULL,
    delegator_name text NOT NULL,
    delegate_id text NOT NULL,
    delegate_name text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    reason text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    cancelled_by text,
    cancelled_at timestamptz,
    CHECK (starts_on <= ends_on),
    CHECK (delegator_id <> delegate_id)
);
CREATE INDEX delegations_delegator ON delegations (delegator_id, starts_on) WHERE cancelled_at IS NULL;
CREATE INDEX delegations_delegate ON delegations (delegate_id, starts_on) WHERE cancelled_at IS NULL;

-- Who did what to a delegation: created, cancelled, and each time steps moved because of it.
CREATE TABLE delegation_audit (
    id bigserial PRIMARY KEY,
    delegation_id uuid NOT NULL REFERENCES delegations (id),
    action text NOT NULL CHECK (action IN ('created', 'cancelled', 'steps_moved', 'steps_returned')),
    actor_id text NOT NULL,
    detail text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delegation_audit_delegation ON delegation_audit (delegation_id, id);

-- A step records on whose behalf its approver holds it (a delegate standing in), who decided it, and, when it moved
-- from one approver to another after it was first assigned, from whom and why (delegation, deactivated,
-- delegation_ended).
ALTER TABLE approval_steps
    ADD COLUMN on_behalf_of_id text,
    ADD COLUMN on_behalf_of_name text,
    ADD COLUMN decided_by_id text,
    ADD COLUMN decided_by_name text,
    ADD COLUMN reassigned_from_id text,
    ADD COLUMN reassigned_reason text CHECK (reassigned_reason IN ('delegation', 'deactivated', 'delegation_ended'));
CREATE INDEX approval_steps_on_behalf_of ON approval_steps (on_behalf_of_id) WHERE on_behalf_of_id IS NOT NULL;
