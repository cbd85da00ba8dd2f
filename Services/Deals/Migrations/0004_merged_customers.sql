-- Customer merges (issue 10): a customer merged into another takes no new deals; its deals (and so their quotes and
-- contracts, which hang off the deal) were re-pointed to the survivor when customer.merged arrived.
ALTER TABLE customer_replica ADD COLUMN merged_into text;
