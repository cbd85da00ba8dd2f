-- Who to @-mention: display names and mobiles from user.created / user.updated / user.deactivated; `sequence` is the
-- user's version, so an older event arriving late changes nothing.
CREATE TABLE contacts (
    id text PRIMARY KEY,
    display_name text NOT NULL,
    mobile text,
    active boolean NOT NULL,
    sequence bigint NOT NULL
);

-- What notifications remembers of an approval from its step_assigned events, to word the completion message.
CREATE TABLE approval_summaries (
    approval_id text PRIMARY KEY,
    contract_number text NOT NULL,
    customer_name text NOT NULL,
    amount_fen bigint NOT NULL
);

-- The in-app inbox. One row per (event, user): a redelivered event adds nothing.
CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    user_id text NOT NULL,
    event_id uuid NOT NULL,
    kind text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    approval_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    UNIQUE (event_id, user_id)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);

-- One push to one channel: written with the event's inbox claim, sent later by the delivery service.
-- `skipped`: the channel is not configured (no webhook key), kept so operators see what would have gone out.
CREATE TABLE deliveries (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL,
    channel text NOT NULL,
    recipient text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    UNIQUE (event_id, channel, recipient)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
