-- The org replica: who may own a customer. Fed by user.created / user.updated / user.deactivated; `sequence` is the
-- user's version, so an older event arriving late changes nothing.
CREATE TABLE user_replica (
    id text PRIMARY KEY,
    role text NOT NULL,
    region text,
    supervisor_id text,
    active boolean NOT NULL,
    sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The audit trail: who changed what on a customer, and when. Written in the same transaction as the change.
CREATE TABLE customer_history (
    id bigserial PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id),
    at timestamptz NOT NULL,
    actor_id text NOT NULL,
    action text NOT NULL CHECK (action IN ('created', 'updated', 'transferred')),
    changes jsonb NOT NULL
);

CREATE INDEX customer_history_customer_idx ON customer_history (customer_id, at DESC, id DESC);
