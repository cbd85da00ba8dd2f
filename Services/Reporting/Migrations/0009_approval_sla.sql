-- Issue 12: approval SLA analytics. Every holder of every approval step, with how long they held it against the
-- step's SLA, built from approval.requested, approval.step_assigned and approval.step_decided.

-- The tier each approval went through (approval.requested): the roles of its steps, in order.
CREATE TABLE approval_requests (
    approval_id text PRIMARY KEY,
    contract_id text NOT NULL,
    contract_number text NOT NULL,
    submitter_id text NOT NULL,
    amount_fen bigint NOT NULL,
    policy_version bigint NOT NULL,
    roles text[] NOT NULL,
    requested_at timestamptz NOT NULL
);

-- The decision of a step (approval.step_decided), kept apart so that it applies whichever event arrives first.
CREATE TABLE approval_step_decisions (
    approval_id text NOT NULL,
    step integer NOT NULL,
    approver_id text NOT NULL,
    outcome text NOT NULL,
    decided_at timestamptz NOT NULL,
    working_days double precision NOT NULL,
    PRIMARY KEY (approval_id, step)
);

-- One row per holder of a step (approval.step_assigned). A reassigned step ends its old holder's row as 'moved' when
-- the new holder's row starts; the last holder's row ends with the step's decision. ended_at, outcome and
-- working_days are recomputed from the step's assignments and decision after every event (see
-- ApprovalSLARepository), so redelivery and any arrival order give the same rows. id is the breach list's cursor.
CREATE TABLE approval_step_holds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    approval_id text NOT NULL,
    step integer NOT NULL,
    approver_id text NOT NULL,
    assigned_at timestamptz NOT NULL,
    on_behalf_of_id text,
    contract_id text NOT NULL,
    contract_number text NOT NULL,
    submitter_id text NOT NULL,
    sla_working_days double precision NOT NULL,
    ended_at timestamptz,
    outcome text,
    working_days double precision,
    UNIQUE (approval_id, step, assigned_at, approver_id)
);
CREATE INDEX approval_step_holds_ended_at_idx ON approval_step_holds (ended_at);
CREATE INDEX approval_step_holds_open_idx ON approval_step_holds (assigned_at) WHERE ended_at IS NULL;
