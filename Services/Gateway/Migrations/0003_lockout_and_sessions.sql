-- Issue 8: why a refresh token was revoked, so presenting one that logout ended is not taken for a stolen token
-- (only a token used up by rotation is), and the lockout's lookups of one username from one address.

ALTER TABLE refresh_tokens ADD COLUMN revoked_reason text
    CHECK (revoked_reason IN ('rotated', 'logout', 'password', 'deactivated', 'reuse'));
-- Tokens revoked before this migration were revoked by rotation or by logout; without knowing which, they keep
-- the old behaviour (a reuse ends every session), which errs on the safe side.
UPDATE refresh_tokens SET revoked_reason = 'rotated' WHERE revoked_at IS NOT NULL;
ALTER TABLE refresh_tokens ADD CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL));

CREATE INDEX login_failures_username_address_idx ON login_failures (lower(username), address, at);
