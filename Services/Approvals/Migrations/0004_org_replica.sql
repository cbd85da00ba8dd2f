-- The org chart approvers are resolved from now lives in the kit's org_replica table (kit_0004), shared in shape by
-- every service. Carry the users known so far over, then drop the old copy.
INSERT INTO org_replica (id, display_name, role, region, supervisor_id, mobile, active, sequence)
SELECT id, display_name, role, region, supervisor_id, mobile, active, sequence FROM org_users
ON CONFLICT (id) DO NOTHING;
DROP TABLE org_users;
