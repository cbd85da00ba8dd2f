-- Issue 8: the daily-active KPI, and personal data that does not stay in the event log forever.

-- One row per user and Asia/Shanghai business day with at least one login (user.logged_in); role and region as the
-- login event carried them, so the report is scoped like the others without waiting for the org replica.
CREATE TABLE daily_active_users (
    user_id text NOT NULL,
    day date NOT NULL,
    role text NOT NULL,
    region text,
    first_login_at timestamptz NOT NULL,
    PRIMARY KEY (day, user_id)
);

-- The event log is kept for replay, but past RETENTION_EVENT_LOG_PERSONAL_DATA_DAYS its personal data (contact
-- names, phones, e-mails, WeCom ids, approval comments) is removed from `envelope`; this marks the rows done.
ALTER TABLE event_log ADD COLUMN personal_data_removed_at timestamptz;
CREATE INDEX event_log_personal_data_idx ON event_log (time) WHERE personal_data_removed_at IS NULL;
