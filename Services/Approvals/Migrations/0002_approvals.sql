-- The org replica: who approves for whom. Fed by user.created / user.updated / user.deactivated; `sequence` is the
-- user's version, so an older event arriving late changes nothing.
CREATE TABLE org_users (
    id text PRIMARY KEY,
    role text NOT NULL,
    region text,
    supervisor_id text,
    display_name text NOT NULL,
    mobile text,
    active boolean NOT NULL,
    sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Approval policies, append-only: a change is a new version, and each instance records the version it used.
-- `tiers`: [{"aboveFen": n, "steps": [role, ...]}]; a contract takes the tier with the largest aboveFen below its amount.
CREATE TABLE policies (
    version bigint PRIMARY KEY,
    tiers jsonb NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO policies (version, tiers, created_by) VALUES (
    1,
    '[{"aboveFen": 0, "steps": ["supervisor"]}, {"aboveFen": 5000000, "steps": ["supervisor", "regional_manager", "gm"]}]',
    'migration'
);

CREATE TABLE approval_instances (
    id uuid PRIMARY KEY,
    contract_id text NOT NULL,
    contract_number text NOT NULL,
    customer_name text NOT NULL,
    amount_fen bigint NOT NULL,
    owner_id text NOT NULL,
    region text NOT NULL,
    submitter_id text NOT NULL,
    policy_version bigint NOT NULL REFERENCES policies (version),
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'recalled')),
    current_step integer NOT NULL,
    step_count integer NOT NULL,
    -- The aggregate version: the `sequence` of the instance's events.
    version bigint NOT NULL,
    requested_at timestamptz NOT NULL,
    completed_at timestamptz,
    comment text,
    working_days double precision
);
-- One open approval per contract: a redelivered or re-sent contract.submitted cannot start a second one.
CREATE UNIQUE INDEX approval_instances_pending_contract ON approval_instances (contract_id) WHERE status = 'pending';
CREATE INDEX approval_instances_submitter ON approval_instances (submitter_id, requested_at DESC);

CREATE TABLE approval_steps (
    approval_id uuid NOT NULL REFERENCES approval_instances (id),
    step integer NOT NULL,
    role text NOT NULL,
    status text NOT NULL CHECK (status IN ('waiting', 'pending', 'approved', 'rejected', 'cancelled')),
    approver_id text,
    approver_name text,
    -- How the approver was found: `direct`, or `escalated:<role>` / `admin` when the role had nobody.
    resolution text,
    assigned_at timestamptz,
    decided_at timestamptz,
    comment text,
    working_days double precision,
    PRIMARY KEY (approval_id, step)
);
CREATE INDEX approval_steps_queue ON approval_steps (approver_id, status);

-- Public holidays (Asia/Shanghai calendar days off) and make-up working days (调休, weekend days that are worked).
CREATE TABLE holidays (
    day date PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE workdays (
    day date PRIMARY KEY,
    name text NOT NULL
);
-- 2026, as published by the State Council General Office.
INSERT INTO holidays (day, name) VALUES
    ('2026-01-01', '元旦'), ('2026-01-02', '元旦'), ('2026-01-03', '元旦'),
    ('2026-02-15', '春节'), ('2026-02-16', '春节'), ('2026-02-17', '春节'), ('2026-02-18', '春节'), ('2026-02-19', '春节'),
    ('2026-02-20', '春节'), ('2026-02-21', '春节'), ('2026-02-22', '春节'), ('2026-02-23', '春节'),
    ('2026-04-04', '清明节'), ('2026-04-05', '清明节'), ('2026-04-06', '清明节'),
    ('2026-05-01', '劳动节'), ('2026-05-02', '劳动节'), ('2026-05-03', '劳动节'), ('2026-05-04', '劳动节'), ('2026-05-05', '劳动节'),
    ('2026-06-19', '端午节'), ('2026-06-20', '端午节'), ('2026-06-21', '端午节'),
    ('2026-09-25', '中秋节'), ('2026-09-26', '中秋节'), ('2026-09-27', '中秋节'),
    ('2026-10-01', '国庆节'), ('2026-10-02', '国庆节'), ('2026-10-03', '国庆节'), ('2026-10-04', '国庆节'),
    ('2026-10-05', '国庆节'), ('2026-10-06', '国庆节'), ('2026-10-07', '国庆节');
INSERT INTO workdays (day, name) VALUES
    ('2026-01-04', '元旦调休'), ('2026-02-14', '春节调休'), ('2026-02-28', '春节调休'), ('2026-05-09', '劳动节调休'),
    ('2026-09-20', '国庆节调休'), ('2026-10-10', '国庆节调休');
