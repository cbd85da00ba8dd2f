-- Display names, roles, regions and reporting lines now live in the kit's org_replica table (kit_0004), shared in
-- shape by every service. Carry the users known so far over, then drop the old projection.
INSERT INTO org_replica (id, display_name, role, region, supervisor_id, active, sequence)
SELECT id, display_name, role, region, supervisor_id, active, sequence FROM user_projection
ON CONFLICT (id) DO NOTHING;
DROP TABLE user_projection;
