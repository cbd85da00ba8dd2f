-- Customer master data and duplicates (issue 10).
-- credit_code: the unified social credit code (统一社会信用代码), 18 characters, checked by CreditCode (Shared/Contracts).
-- level: A = key account (重点), B = normal, C = small; NULL = not graded.
-- external_id: the row's id in an old spreadsheet an import came from.
-- merged_into: a customer merged into another keeps its row, read-only, pointing at the survivor.
ALTER TABLE customers ADD COLUMN credit_code text;
ALTER TABLE customers ADD COLUMN level text CHECK (level IN ('A', 'B', 'C'));
ALTER TABLE customers ADD COLUMN source text
    CHECK (source IN ('referral', 'exhibition', 'website', 'cold_call', 'advertising', 'existing', 'other'));
ALTER TABLE customers ADD COLUMN external_id text;
ALTER TABLE customers ADD COLUMN merged_into uuid REFERENCES customers (id);
ALTER TABLE customers ADD CONSTRAINT customers_not_merged_into_self CHECK (merged_into IS NULL OR merged_into <> id);

-- One live customer per credit code: a merged-away customer keeps its code without blocking the survivor's.
CREATE UNIQUE INDEX customers_credit_code_live_idx ON customers (credit_code) WHERE credit_code IS NOT NULL AND merged_into IS NULL;
CREATE UNIQUE INDEX customers_external_id_idx ON customers (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX customers_level_idx ON customers (level) WHERE level IS NOT NULL;

-- The name as the duplicate rule compares it (DuplicateRule.normalizedName), kept by every write. Rows written before
-- this migration get it when they are next written; until then the lower-cased, space-free name stands in.
ALTER TABLE customers ADD COLUMN normalized_name text;
UPDATE customers SET normalized_name = lower(regexp_replace(name, '\s', '', 'g'));
ALTER TABLE customers ALTER COLUMN normalized_name SET NOT NULL;
CREATE INDEX customers_normalized_name_idx ON customers (normalized_name) WHERE merged_into IS NULL;

-- Every live customer's contacts' mainland mobiles (11 digits), kept by every write, so "this mobile belongs to
-- another customer" is an index lookup at 50,000+ customers.
CREATE TABLE customer_mobiles (
    customer_id uuid NOT NULL REFERENCES customers (id),
    mobile text NOT NULL,
    PRIMARY KEY (customer_id, mobile)
);
CREATE INDEX customer_mobiles_mobile_idx ON customer_mobiles (mobile);
INSERT INTO customer_mobiles (customer_id, mobile)
SELECT DISTINCT c.id, contact ->> 'phone' FROM customers c, jsonb_array_elements(c.contacts) AS contact
WHERE contact ->> 'phone' ~ '^1[3-9][0-9]{9}$';

-- The regions the gateway's admin created, replicated from region.created / region.updated: a customer's region
-- must be one of them. Customers already stored with an unknown region keep it.
CREATE TABLE region_replica (
    code text PRIMARY KEY,
    name text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE customer_history DROP CONSTRAINT customer_history_action_check;
ALTER TABLE customer_history ADD CONSTRAINT customer_history_action_check
    CHECK (action IN ('created', 'updated', 'transferred', 'archived', 'restored', 'merged'));
