-- The admin audit trail is read newest first, whole or by actor (issue 9).
CREATE INDEX admin_audit_at_idx ON admin_audit (at DESC, id DESC);
CREATE INDEX admin_audit_actor_idx ON admin_audit (actor_id, at DESC, id DESC);
