-- Signed webhooks for other systems (issue 12): endpoints an admin registers, one delivery row per (event, endpoint)
-- written with the event's inbox claim, and an audit trail of the admin's changes. Independent of 0005.

-- `secret` signs deliveries (HMAC-SHA256); the API shows it once, at creation and at rotation, and never again.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    event_types text[] NOT NULL,
    secret text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at timestamptz
);
CREATE INDEX webhook_endpoints_page ON webhook_endpoints (created_at DESC, id DESC);

-- One POST of one event to one endpoint. `body` is the exact JSON that is signed and sent on every attempt; a replay
-- is a new row with the same body (so the same event id) and `replay_of` pointing at the original.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    body text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    replay_of uuid REFERENCES webhook_deliveries (id) ON DELETE SET NULL
);
-- A redelivered event adds no second delivery (the inbox already refuses it; this is the belt to its braces).
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, event_id) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_page ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

-- Who created, enabled, disabled, rotated or deleted which endpoint (never the secret itself).
CREATE TABLE webhook_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id text NOT NULL,
    action text NOT NULL,
    endpoint_id uuid NOT NULL,
    changes jsonb NOT NULL
);
CREATE INDEX webhook_audit_endpoint ON webhook_audit (endpoint_id, at DESC);
