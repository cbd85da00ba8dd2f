-- Issue 12, ADR 0011: an approval decides on a subject, not only a contract. `contract_id` and `contract_number`
-- keep holding the subject's id and reference for every subject type (UUIDs do not collide across types), so the
-- one-pending-approval-per-subject index of migration 0002 keeps guarding every subject.
ALTER TABLE approval_instances
    ADD COLUMN subject_type text NOT NULL DEFAULT 'contract' CHECK (subject_type IN ('contract', 'expense_claim', 'discount')),
    ADD COLUMN title text;

-- Policies for subjects other than contracts: versioned per subject type, append-only like `policies` (which stays the
-- contracts' policy with its versions). An instance's policy_version now names a version of its subject type's policy,
-- so it can no longer reference `policies` alone.
CREATE TABLE subject_policies (
    subject_type text NOT NULL CHECK (subject_type IN ('expense_claim', 'discount')),
    version bigint NOT NULL,
    tiers jsonb NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_type, version)
);
ALTER TABLE approval_instances DROP CONSTRAINT IF EXISTS approval_instances_policy_version_fkey;
