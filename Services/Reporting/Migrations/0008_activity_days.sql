-- Issue 12: any authenticated action counts towards the daily-active ratio (user.active), not only a login. A day
-- known only from activity has no login time.
ALTER TABLE daily_active_users ALTER COLUMN first_login_at DROP NOT NULL;
