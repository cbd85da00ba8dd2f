-- The web inbox asks for unread notifications and their count on every screen: an index of the unread ones only.
CREATE INDEX notifications_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
