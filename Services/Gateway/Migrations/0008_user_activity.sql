-- Issue 12: the daily-active ratio counts any authenticated action, not only a login. One row per user and
-- Asia/Shanghai business day on which they made an authenticated request; the first insert of a day publishes
-- user.active through the outbox in the same transaction.
CREATE TABLE user_activity (
    user_id uuid NOT NULL,
    day date NOT NULL,
    PRIMARY KEY (user_id, day)
);
