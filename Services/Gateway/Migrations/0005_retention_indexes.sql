-- The retention pruner (IdentityRetention) deletes by age: without these it would scan both tables on every pass.
CREATE INDEX login_failures_at_idx ON login_failures (at);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
