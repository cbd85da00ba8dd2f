-- Issue 12, "nothing waits unnoticed": quiet hours, per-robot rate limits, several robots, the self-built app, and the
-- daily digest with the replicas it reads.

-- What a push is about (the notification kind), the region whose robot it goes to, and its timing: `held_until` is the
-- working-hours start quiet hours moved it to (NULL when it went at once), `urgent` marks pushes the policy lets
-- through at night. `digested`: a held push whose content the 09:00 digest carried instead.
ALTER TABLE deliveries ADD COLUMN kind text;
ALTER TABLE deliveries ADD COLUMN region text;
ALTER TABLE deliveries ADD COLUMN urgent boolean NOT NULL DEFAULT false;
ALTER TABLE deliveries ADD COLUMN held_until timestamptz;
-- The limiter's memory, so that a restart does not burst: the robot (by the hash of its key) or `app` a push went to,
-- and when it was put on the wire. A push WeCom turned away (45009, an error) clears `sending_at`: it used no slot.
ALTER TABLE deliveries ADD COLUMN sent_via text;
ALTER TABLE deliveries ADD COLUMN sending_at timestamptz;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed', 'skipped', 'digested'));
CREATE INDEX deliveries_robot_window ON deliveries (sent_via, sending_at) WHERE sending_at IS NOT NULL;

-- A robot WeCom told to slow down (errcode 45009): nothing goes to it before `paused_until`; `strikes` grows the pause
-- (exponential, capped) and a successful push resets it.
CREATE TABLE wecom_throttle (
    via text PRIMARY KEY,
    strikes integer NOT NULL,
    paused_until timestamptz NOT NULL
);

-- The digest's replicas, each kept from events notifications consumes.
-- Pending approval steps: approval.step_assigned sets the approval's current step, approval.completed ends it.
CREATE TABLE pending_approvals (
    approval_id text PRIMARY KEY,
    approver_id text,
    step integer NOT NULL,
    step_count integer NOT NULL,
    contract_number text NOT NULL,
    customer_name text NOT NULL,
    amount_fen bigint NOT NULL,
    assigned_at timestamptz NOT NULL,
    completed boolean NOT NULL DEFAULT false
);
CREATE INDEX pending_approvals_approver ON pending_approvals (approver_id) WHERE NOT completed;

-- The follow-up a rep planned at a customer's latest visit (visit.checked_in / visit.checked_out carry nextFollowUpOn);
-- a later visit to the customer replaces it.
CREATE TABLE follow_ups (
    customer_id text PRIMARY KEY,
    rep_id text NOT NULL,
    visit_id text NOT NULL,
    checked_in_at timestamptz NOT NULL,
    due_on date
);
CREATE INDEX follow_ups_rep ON follow_ups (rep_id, due_on);

-- Overdue installments from payment.overdue, less what receipt.recorded allocates to them; installment.written_off
-- removes one.
CREATE TABLE overdue_installments (
    installment_id text PRIMARY KEY,
    owner_id text NOT NULL,
    customer_name text NOT NULL,
    contract_number text,
    label text NOT NULL,
    due_on date NOT NULL,
    outstanding_fen bigint NOT NULL
);
CREATE INDEX overdue_installments_owner ON overdue_installments (owner_id) WHERE outstanding_fen > 0;

-- Customer names for the follow-up lines (customer.created / customer.updated; `version` keeps the newest).
CREATE TABLE customer_names (
    customer_id text PRIMARY KEY,
    name text NOT NULL,
    version bigint NOT NULL
);
