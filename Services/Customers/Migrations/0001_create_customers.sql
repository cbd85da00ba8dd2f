CREATE TABLE customers (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    region text NOT NULL,
    industry text NOT NULL,
    address text,
    notes text,
    owner_id text,
    contacts jsonb NOT NULL,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX customers_created_idx ON customers (created_at DESC, id DESC);
CREATE INDEX customers_owner_idx ON customers (owner_id);
CREATE INDEX customers_region_idx ON customers (region);

-- Replies to writes that carried an Idempotency-Key, kept so a retried request gets the first answer.
CREATE TABLE idempotency_keys (
    caller text NOT NULL,
    operation text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, operation, key)
);
