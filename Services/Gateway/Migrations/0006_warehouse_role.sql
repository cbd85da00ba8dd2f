-- Issue 11: the warehouse (仓库) records shipments against signed contracts.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('rep', 'supervisor', 'regional_manager', 'gm', 'finance', 'admin', 'warehouse'));
