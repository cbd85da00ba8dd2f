-- The push and webhook senders wait on NOTIFY instead of finding a new row at their next 500 ms poll: a new
-- delivery is sent as soon as the transaction that added it commits. The channel is `<schema>_<table>`; the poll
-- stays, for rows due later (retries, quiet hours) and for notifications missed while a listener reconnects.
CREATE FUNCTION notify_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_' || TG_TABLE_NAME, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER deliveries_wake_sender AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_new_rows();
CREATE TRIGGER webhook_deliveries_wake_sender AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_new_rows();
