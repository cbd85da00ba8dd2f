-- What deals needs to know about customers (owner and region decide a deal's data scope), kept from
-- customer events; `sequence` makes out-of-order deliveries harmless.
CREATE TABLE customer_replica (
    id text PRIMARY KEY,
    name text NOT NULL,
    region text NOT NULL,
    owner_id text,
    sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
