-- 0801 (roles and audit block): expectations a person saved are the ones signed off on.
--
-- A strategy's expectations come from two places: the engine's announcement (copied
-- into strategies.expectations) and the versions saved in Strategy setup (the
-- expectations table, with their audit). Before this, every engine (re)announcement
-- replaced the saved profile on `strategies` and in the running monitor, so a desk
-- judged by whatever the engine claimed. Now a saved version wins: the writer's upsert
-- keeps `strategies.expectations` when one exists (store.upsert_strategy), and a new
-- version is announced on perfdesk_expectations so a collector applies it at once.

CREATE FUNCTION perfdesk_notify_expectations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_expectations', NEW.strategy_id);
    RETURN NULL;
END $$;
CREATE TRIGGER expectations_notify AFTER INSERT ON expectations
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_expectations();
