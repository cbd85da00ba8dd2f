-- Reminders and escalation (issue 12). Each policy version says when its pending steps remind their approver and when
-- they escalate: the first reminder after `reminder_working_hours`, then one per working day, at most `max_reminders`;
-- at `sla_working_days` the approver's manager is told and, when `escalation` is 'reassign', the step moves to them.
-- Existing versions take the defaults.
ALTER TABLE policies
    ADD COLUMN reminder_working_hours double precision NOT NULL DEFAULT 4,
    ADD COLUMN max_reminders integer NOT NULL DEFAULT 3,
    ADD COLUMN sla_working_days double precision NOT NULL DEFAULT 1,
    ADD COLUMN escalation text NOT NULL DEFAULT 'notify' CHECK (escalation IN ('notify', 'reassign'));

-- A pending step's durable timers (kit `timers`, kinds approvals.step_reminder and approvals.step_escalation) are keyed
-- `<timers_key>/r<n>` and `<timers_key>`, where timers_key names its current assignment (`<approval>/<step>/<version>`):
-- a decision, a recall or a move cancels them by that key, and a timer whose key is no longer the step's does nothing.
-- `due_at` is when its SLA runs out; `reminders` counts the reminders sent for the step, across its holders.
ALTER TABLE approval_steps
    ADD COLUMN timers_key text,
    ADD COLUMN sla_working_days double precision,
    ADD COLUMN due_at timestamptz,
    ADD COLUMN reminders integer NOT NULL DEFAULT 0,
    ADD COLUMN last_reminded_at timestamptz;

-- A step that escalates under a reassigning policy moves up the line: a new reason for a move.
ALTER TABLE approval_steps DROP CONSTRAINT approval_steps_reassigned_reason_check;
ALTER TABLE approval_steps ADD CONSTRAINT approval_steps_reassigned_reason_check
    CHECK (reassigned_reason IN ('delegation', 'deactivated', 'delegation_ended', 'escalated'));

-- Every escalation, recorded on its step: who held it, which manager was told (none above a gm), when, and whether the
-- step moved to that manager.
CREATE TABLE step_escalations (
    id bigserial PRIMARY KEY,
    approval_id uuid NOT NULL,
    step integer NOT NULL,
    approver_id text NOT NULL,
    approver_name text,
    manager_id text,
    manager_name text,
    reassigned boolean NOT NULL,
    escalated_at timestamptz NOT NULL,
    FOREIGN KEY (approval_id, step) REFERENCES approval_steps (approval_id, step)
);
CREATE INDEX step_escalations_step ON step_escalations (approval_id, step, id);
