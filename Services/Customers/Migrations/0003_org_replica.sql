-- The users this service knows now live in the kit's org_replica table (kit_0004), shared in shape by every service.
-- Carry the users known so far over, then drop the old copy.
INSERT INTO org_replica (id, role, region, supervisor_id, active, sequence, updated_at)
SELECT id, role, region, supervisor_id, active, sequence, updated_at FROM user_replica
ON CONFLICT (id) DO NOTHING;
DROP TABLE user_replica;
