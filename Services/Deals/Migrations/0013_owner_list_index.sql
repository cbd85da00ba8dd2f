-- Issue 14: a rep's deal and contract lists (and any list filtered to one owner) page on indexes of their own.
--
-- Both lists are keyset pages on (created_at DESC, id DESC). For a rep, who owns one deal in thirty, the planner walked
-- the created_at index and threw away the other owners' rows: a rep's contract page read 1,734 contracts and probed
-- their deals for 51 rows (p99 43 ms at seed-demo's 1,000,000 contracts, benchmarks/README.md). With an index that
-- starts with the owner, and the lists' equality on the sole owner (DataScope.soleOwnerID), a page is one index range
-- in page order.
--
-- Deals: (owner_id, created_at DESC, id DESC), which also serves every lookup of deals_owner_idx, which goes.
CREATE INDEX deals_owner_created_idx ON deals (owner_id, created_at DESC, id DESC);
DROP INDEX deals_owner_idx;

-- Contracts: a contract's owner is its deal's, so far only through the join. contracts.owner_id keeps a copy for the
-- index, written by triggers and never by the application: a new contract takes its deal's owner, and a deal's new
-- owner (a customer transfer, a merge) is copied to its contracts in the same statement. The functions find the
-- tables through the search_path they were created with, since seed-demo inserts as another role with another one.
ALTER TABLE contracts ADD COLUMN owner_id text;

CREATE FUNCTION contracts_take_deal_owner() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.owner_id := (SELECT d.owner_id FROM deals d WHERE d.id = NEW.deal_id);
    RETURN NEW;
END
$$;

CREATE FUNCTION deals_owner_to_contracts() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE contracts SET owner_id = NEW.owner_id WHERE deal_id = NEW.id AND owner_id IS DISTINCT FROM NEW.owner_id;
    RETURN NULL;
END
$$;

-- No contract or deal may change between the backfill and the triggers.
LOCK TABLE deals, contracts IN SHARE ROW EXCLUSIVE MODE;

UPDATE contracts c SET owner_id = d.owner_id FROM deals d WHERE d.id = c.deal_id;
ALTER TABLE contracts ALTER COLUMN owner_id SET NOT NULL;

CREATE TRIGGER contracts_take_deal_owner BEFORE INSERT OR UPDATE OF deal_id ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_take_deal_owner();
CREATE TRIGGER deals_owner_to_contracts AFTER UPDATE OF owner_id ON deals
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id) EXECUTE FUNCTION deals_owner_to_contracts();

CREATE INDEX contracts_owner_created_idx ON contracts (owner_id, created_at DESC, id DESC);
