-- Customer imports (issue 10): an uploaded file and its job, processed in batches by ImportWorker.
-- next_row is the index of the first data row not yet committed, so a worker killed mid-job resumes from the last
-- committed batch; lease_until/lease_token fence a worker whose lease ran out from writing over its successor.
CREATE TABLE import_jobs (
    id uuid PRIMARY KEY,
    created_by text NOT NULL,
    caller jsonb NOT NULL,
    dry_run boolean NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    format text CHECK (format IN ('csv', 'xlsx')),
    encoding text,
    total_rows integer NOT NULL DEFAULT 0,
    processed_rows integer NOT NULL DEFAULT 0,
    next_row integer NOT NULL DEFAULT 0,
    created integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    duplicates integer NOT NULL DEFAULT 0,
    errors integer NOT NULL DEFAULT 0,
    failure text,
    attempts integer NOT NULL DEFAULT 0,
    lease_until timestamptz,
    lease_token uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);

CREATE INDEX import_jobs_pending_idx ON import_jobs (created_at) WHERE status IN ('queued', 'running');

-- The uploaded bytes, kept until the job is done (and then for the retention period).
CREATE TABLE import_files (
    job_id uuid PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    content bytea NOT NULL
);

CREATE TABLE import_errors (
    id bigserial PRIMARY KEY,
    job_id uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    row_number integer NOT NULL,
    column_name text,
    code text NOT NULL,
    message text NOT NULL
);

CREATE INDEX import_errors_job_idx ON import_errors (job_id, id);
