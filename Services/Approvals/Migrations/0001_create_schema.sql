-- The approvals schema itself, its outbox and inbox come from the persistence kit; this records when the
-- service first started here, so operators can tell a fresh schema from an old one.
CREATE TABLE service_info (
    installed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO service_info DEFAULT VALUES;
