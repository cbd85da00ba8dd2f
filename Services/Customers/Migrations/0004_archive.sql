-- Archived customers (issue 9): hidden from lists by default, no new deals, restorable. Both show in the audit trail.
ALTER TABLE customers ADD COLUMN archived_at timestamptz;
ALTER TABLE customer_history DROP CONSTRAINT customer_history_action_check;
ALTER TABLE customer_history ADD CONSTRAINT customer_history_action_check
    CHECK (action IN ('created', 'updated', 'transferred', 'archived', 'restored'));
