-- Users, regions, reporting lines and sessions arrive with identity (issue 3). Until then the schema records
-- when the gateway first started here.
CREATE TABLE service_info (
    installed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO service_info DEFAULT VALUES;
