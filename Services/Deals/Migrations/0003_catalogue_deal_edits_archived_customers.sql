-- Products change and retire (issue 9): a version for optimistic concurrency, the retirement time, and every change
-- kept in product_history. Quote versions copied their lines' prices and costs when they were made, so editing a
-- product changes no quote.
ALTER TABLE products ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE products ADD COLUMN updated_at timestamptz;
UPDATE products SET updated_at = created_at;
ALTER TABLE products ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE products ADD COLUMN retired_at timestamptz;

CREATE TABLE product_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id uuid NOT NULL REFERENCES products (id),
    action text NOT NULL CHECK (action IN ('created', 'updated', 'retired')),
    -- Per changed field {"from": …, "to": …}; from is null on creation.
    changes jsonb NOT NULL,
    actor_id text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX product_history_product_idx ON product_history (product_id, at DESC, id DESC);

INSERT INTO product_history (product_id, action, changes, actor_id, at)
SELECT id, 'created',
       jsonb_build_object(
           'name', jsonb_build_object('from', NULL, 'to', name),
           'productLine', jsonb_build_object('from', NULL, 'to', product_line),
           'listPriceFen', jsonb_build_object('from', NULL, 'to', list_price_fen),
           'unitCostFen', jsonb_build_object('from', NULL, 'to', unit_cost_fen)),
       created_by, created_at
FROM products;

-- Deal edits (issue 9): a deal's history keeps the edits of its title, expected amount and expected close date next
-- to its stage moves, in the same table and order. An edit line has from_stage = to_stage = the deal's stage then.
ALTER TABLE deal_stage_history ADD COLUMN kind text NOT NULL DEFAULT 'stage' CHECK (kind IN ('stage', 'edit'));
-- Per changed field {"from": …, "to": …}, on edit lines only.
ALTER TABLE deal_stage_history ADD COLUMN changes jsonb;

-- Archived customers take no new deals (issue 9): the replica keeps the flag from the customer events.
ALTER TABLE customer_replica ADD COLUMN archived boolean NOT NULL DEFAULT false;
