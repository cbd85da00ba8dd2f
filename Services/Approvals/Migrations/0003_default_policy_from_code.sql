-- The default approval tiers have one definition, ApprovalPolicy.defaultTiers: the service writes them as policy
-- version 1 the first time it needs a policy. Migration 0002 also seeded them; that copy is removed where nothing
-- has used it yet (no approval under it, no later version), so the code's definition is the one that applies.
DELETE FROM policies
WHERE version = 1 AND created_by = 'migration'
  AND NOT EXISTS (SELECT 1 FROM approval_instances WHERE policy_version = 1)
  AND NOT EXISTS (SELECT 1 FROM policies WHERE version > 1);
