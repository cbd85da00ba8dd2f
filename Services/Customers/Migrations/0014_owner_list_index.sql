-- Issue 14: a rep's customer list (and any list filtered to one owner) pages on an index of its own.
--
-- The list is a keyset page on (created_at DESC, id DESC). For a rep, whose customers are one in thirty, the planner
-- walked customers_created_idx and threw away the other owners' rows (or fetched all of the rep's and sorted them):
-- p99 58 ms at 100,000 customers (benchmarks/README.md, session 5). With this index and the list's equality on the
-- sole owner (DataScope.soleOwnerID), a page is one index range in page order. Merged customers never list.
CREATE INDEX customers_owner_created_idx ON customers (owner_id, created_at DESC, id DESC) WHERE merged_into IS NULL;
