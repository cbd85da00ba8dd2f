-- Every change to the users table tells the gateways' caller caches to forget (issue 14: the caller is no longer read
-- from the database on every request). The notification is delivered when the changing transaction commits, whoever
-- made it: a gateway replica, `salesdesk-admin`, or a restore.
CREATE FUNCTION notify_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_users', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();
