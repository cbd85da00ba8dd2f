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
