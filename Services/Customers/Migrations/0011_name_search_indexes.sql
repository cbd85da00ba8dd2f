-- Issue 14: `GET /customers?q=<name fragment>` (name ILIKE '%q%') answers from an index at 100,000+ customers.
--
-- Fragments of three or more characters: a pg_trgm GIN index, which serves ILIKE '%…%' directly (pg_trgm hashes
-- multibyte characters, so Chinese names give trigrams too). Shorter fragments, common in Chinese ("华东", "科"),
-- give pg_trgm no trigram to look up; for them an array of the name's characters and character pairs (lower case)
-- has its own GIN index, and the list query adds `name_grams(name) @> ARRAY[lower(q)]` for a 1–2 character q.
-- ILIKE stays in the query either way, so the indexes only narrow the rows, never change the answer.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): any role with CREATE on the database may create it, which every
-- service role has (deploy/postgres/init.sql). It goes into schema public, once per database, under an advisory lock
-- so that services migrating in parallel (tests) do not race. Where a cluster forbids it, an operator creates it once
-- (`CREATE EXTENSION pg_trgm WITH SCHEMA public;` as the database owner) and this migration finds it.
SELECT pg_advisory_xact_lock(hashtext('salesdesk:create-extension:pg_trgm'));

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- The operator class lives wherever the extension was installed; identifiers cannot be bound, so format().
DO $$
DECLARE
    home text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
BEGIN
    EXECUTE format('CREATE INDEX customers_name_trgm_idx ON customers USING gin (name %I.gin_trgm_ops)', home);
END
$$;

-- Every character and every pair of adjacent characters of the lower-cased name; the list query uses exactly this
-- expression.
CREATE FUNCTION name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT gram), '{}'::text[]) FROM (
        SELECT substr(lower(name), i, 1) AS gram FROM generate_series(1, char_length(name)) AS i
        UNION ALL
        SELECT substr(lower(name), i, 2) FROM generate_series(1, char_length(name) - 1) AS i
    ) AS grams
$$;

CREATE INDEX customers_name_grams_idx ON customers USING gin (name_grams(name));

-- A list page is a LIMIT query on the keyset index; for a frequent fragment (one character in 40 names) the planner
-- chose a parallel scan whose workers took 28 ms to start for 6 ms of work (1,000,000 customers, 2 cores).
ALTER TABLE customers SET (parallel_workers = 0);

-- Statistics for the new index expression now: without them the planner assumed 100 names per gram, fetched 3,409
-- names for "华" through the gram index and sorted them, where the keyset index is cheaper. Autovacuum would gather
-- them only after a tenth of the table changed.
ANALYZE customers;
