-- The contacts pushes @-mention now live in the kit's org_replica table (kit_0004), shared in shape by every service.
-- Carry them over (this table kept no roles: those rows get theirs with the user's next event), then drop the old copy.
INSERT INTO org_replica (id, display_name, mobile, active, sequence)
SELECT id, display_name, mobile, active, sequence FROM contacts
ON CONFLICT (id) DO NOTHING;
DROP TABLE contacts;
