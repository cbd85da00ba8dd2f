-- Identity (issue 3): regions, users with their reporting line, refresh tokens, failed logins for lockout,
-- the admin audit trail, and the replies of idempotent writes.

CREATE TABLE regions (
    -- The same rule as the customers' region codes, so a customer's region can always name one of these.
    code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,31}$'),
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL,
    display_name text NOT NULL,
    mobile text,
    wecom_user_id text,
    role text NOT NULL CHECK (role IN ('rep', 'supervisor', 'regional_manager', 'gm', 'finance', 'admin')),
    region text REFERENCES regions (code),
    supervisor_id uuid REFERENCES users (id),
    active boolean NOT NULL DEFAULT true,
    password_hash text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    -- Counts successful logins: the `sequence` of the user's `user.logged_in` events.
    logins bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (supervisor_id IS DISTINCT FROM id)
);

-- Usernames are unique regardless of case: `Wang` and `wang` are the same person at the login prompt.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
-- The auth middleware reads a caller's team (direct reports) on every request.
CREATE INDEX users_supervisor_idx ON users (supervisor_id);

-- Only a SHA-256 of each refresh token is kept: a leaked table does not hand out sessions.
CREATE TABLE refresh_tokens (
    token_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- Failed logins, by the username typed (existing or not, so a lock does not reveal which usernames exist)
-- and by the client's address.
CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL,
    address text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (lower(username), at);
CREATE INDEX login_failures_address_idx ON login_failures (address, at);

-- Who changed which user or region, when, and what they sent (never a password).
CREATE TABLE admin_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid,
    action text NOT NULL,
    subject text NOT NULL,
    changes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX admin_audit_subject_idx ON admin_audit (subject, at);
