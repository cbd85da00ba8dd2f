-- Receivables and overdue alerts (issue 11): which overdue alerts went out. The working-day 09:00 check publishes
-- payment.overdue once per installment per threshold (1 day: the owner; 16 days, more than 15 days late: their
-- supervisor too); the row is written in the same transaction as the outbox event, and the key makes a second run,
-- another replica or a catch-up after a weekend add nothing.
CREATE TABLE payment_overdue_alerts (
    installment_id uuid NOT NULL REFERENCES payment_installments (id),
    threshold_days integer NOT NULL CHECK (threshold_days >= 1),
    -- How late it was when the alert went out (a catch-up after a weekend finds it later than the threshold).
    days_overdue integer NOT NULL,
    alerted_at timestamptz NOT NULL,
    PRIMARY KEY (installment_id, threshold_days)
);

