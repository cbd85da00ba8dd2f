-- Issue 12: each subject type's policy (expense claims, discounts) is edited like the contracts' one, with its own
-- reminder and escalation timing (migration 0006 gave `policies` these columns). Existing versions take the defaults.
ALTER TABLE subject_policies
    ADD COLUMN reminder_working_hours double precision NOT NULL DEFAULT 4,
    ADD COLUMN max_reminders integer NOT NULL DEFAULT 3,
    ADD COLUMN sla_working_days double precision NOT NULL DEFAULT 1,
    ADD COLUMN escalation text NOT NULL DEFAULT 'notify' CHECK (escalation IN ('notify', 'reassign'));
