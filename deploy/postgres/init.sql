-- SalesDesk database setup: one login role per service plus an admin role, database salesdesk.
-- Idempotent. Run as a superuser with psql (it uses \gexec and \connect):
--   * scripts/lib.sh runs it against the local cluster on every start;
--   * docker-compose mounts it into postgres:15's /docker-entrypoint-initdb.d (first start only).
-- Each service connects as its own role and creates (so owns) its own schema in its migrations; no role
-- can create anything in schema public. The passwords are for local development and compose only.

DO $$
DECLARE
    svc text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'salesdesk_admin') THEN
        CREATE ROLE salesdesk_admin;
    END IF;
    ALTER ROLE salesdesk_admin WITH LOGIN CREATEDB CREATEROLE PASSWORD 'salesdesk-admin';

    FOREACH svc IN ARRAY ARRAY['gateway', 'customers', 'deals', 'approvals', 'notifications', 'reporting'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = svc) THEN
            EXECUTE format('CREATE ROLE %I', svc);
        END IF;
        EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', svc, 'salesdesk-' || svc);
    END LOOP;
END
$$;

SELECT 'CREATE DATABASE salesdesk OWNER salesdesk_admin'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'salesdesk')
\gexec

ALTER DATABASE salesdesk OWNER TO salesdesk_admin;
GRANT CONNECT, CREATE ON DATABASE salesdesk TO gateway, customers, deals, approvals, notifications, reporting;
-- The admin role (tests, operators) may act as any service role: inspect or drop a service's schema.
GRANT gateway, customers, deals, approvals, notifications, reporting TO salesdesk_admin;

\connect salesdesk
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
