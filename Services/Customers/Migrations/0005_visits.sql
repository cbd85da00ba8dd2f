-- Visits (issue 10): a customer's location and the reps' check-ins. Coordinates are WGS-84 decimal degrees as the
-- browser gives them, stored as numeric(9,6) (about 0.1 m), never as floating point.
ALTER TABLE customers ADD COLUMN latitude numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90);
ALTER TABLE customers ADD COLUMN longitude numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180);
ALTER TABLE customers ADD CONSTRAINT customers_location_check CHECK ((latitude IS NULL) = (longitude IS NULL));

CREATE TABLE visits (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id),
    rep_id text NOT NULL,
    checked_in_at timestamptz NOT NULL,
    checked_out_at timestamptz,
    duration_minutes integer CHECK (duration_minutes >= 0),
    latitude numeric(9, 6) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric(9, 6) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    accuracy_meters integer NOT NULL CHECK (accuracy_meters BETWEEN 0 AND 100000),
    purpose text NOT NULL
        CHECK (purpose IN ('first_visit', 'follow_up', 'demo', 'negotiation', 'delivery', 'after_sales', 'collection', 'other')),
    notes text,
    contact_name text,
    next_follow_up_on date,
    distance_meters integer CHECK (distance_meters >= 0),
    flags text[] NOT NULL DEFAULT '{}',
    version bigint NOT NULL,
    CHECK ((checked_out_at IS NULL) = (duration_minutes IS NULL))
);

CREATE INDEX visits_checked_in_idx ON visits (checked_in_at DESC, id DESC);
CREATE INDEX visits_customer_idx ON visits (customer_id, checked_in_at DESC, id DESC);
CREATE INDEX visits_rep_idx ON visits (rep_id, checked_in_at DESC, id DESC);
