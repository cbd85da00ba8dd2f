-- Every event reporting consumed, so projections can be rebuilt by replay.
CREATE TABLE event_log (
    id uuid PRIMARY KEY,
    type text NOT NULL,
    source text NOT NULL,
    subject text NOT NULL,
    sequence bigint NOT NULL,
    time timestamptz NOT NULL,
    envelope jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_subject_idx ON event_log (subject, sequence);

-- The latest known state of each customer; `sequence` makes out-of-order deliveries harmless.
CREATE TABLE customer_projection (
    id text PRIMARY KEY,
    region text NOT NULL,
    industry text NOT NULL,
    owner_id text,
    sequence bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX customer_projection_region_idx ON customer_projection (region);
