-- 0300 (collector/notify block): collector heartbeats, actions that desktop clients
-- hand to the collector (ack, snooze), and LISTEN/NOTIFY triggers so that clients on a
-- shared database hear about changes instead of polling for them.
--
-- Payloads are small (an id, never a row) and repeat-free within a transaction:
-- PostgreSQL folds identical notifications of one transaction into one, so a batch that
-- touches one strategy a thousand times notifies it once.

-- One row per collector process name; `beat_at` moves every heartbeat interval and
-- `stopped_at` is set on a clean shutdown. `db_pid` is the backend holding its engine lock.
CREATE TABLE collector_heartbeats (
    collector_id text PRIMARY KEY,
    engine       text NOT NULL,
    strategies   text[] NOT NULL,
    host         text NOT NULL,
    pid          integer NOT NULL,
    db_pid       integer,
    started_at   timestamptz NOT NULL,
    beat_at      timestamptz NOT NULL,
    stopped_at   timestamptz,
    feed_state   text NOT NULL,
    stats        jsonb NOT NULL DEFAULT '{}'
);

-- Acknowledgements and snoozes requested by desktop clients. The collector that owns
-- the strategy applies them to its alert manager (which persists the result in
-- `alerts`), then marks the row applied; rows wait here while no collector runs.
CREATE TABLE client_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL CHECK (action IN ('ack', 'snooze', 'unsnooze')),
    fingerprint text NOT NULL,
    strategy_id text NOT NULL,
    until       timestamptz,
    comment     text NOT NULL DEFAULT '',
    applied_at  timestamptz,
    applied_by  text,
    error       text,
    CONSTRAINT client_actions_snooze_until CHECK (action <> 'snooze' OR until IS NOT NULL)
);
CREATE INDEX client_actions_open ON client_actions (strategy_id, id) WHERE applied_at IS NULL;

CREATE FUNCTION perfdesk_notify_verdict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_verdict', NEW.strategy_id);
    RETURN NULL;
END $$;
CREATE TRIGGER verdicts_notify AFTER INSERT ON verdicts
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_verdict();

CREATE FUNCTION perfdesk_notify_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_alert', NEW.fingerprint);
    RETURN NULL;
END $$;
CREATE TRIGGER alerts_notify AFTER INSERT OR UPDATE ON alerts
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_alert();

CREATE FUNCTION perfdesk_notify_thresholds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_thresholds', NEW.scope);
    RETURN NULL;
END $$;
CREATE TRIGGER threshold_versions_notify AFTER INSERT ON threshold_versions
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_thresholds();

CREATE FUNCTION perfdesk_notify_heartbeat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_heartbeat', NEW.collector_id);
    RETURN NULL;
END $$;
CREATE TRIGGER collector_heartbeats_notify AFTER INSERT OR UPDATE ON collector_heartbeats
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_heartbeat();

CREATE FUNCTION perfdesk_notify_action() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_action', NEW.strategy_id);
    RETURN NULL;
END $$;
CREATE TRIGGER client_actions_notify AFTER INSERT ON client_actions
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_action();

-- New events: ingest_state advances once per strategy per stored batch.
CREATE FUNCTION perfdesk_notify_ingest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.last_seq IS DISTINCT FROM OLD.last_seq THEN
        PERFORM pg_notify('perfdesk_ingest', NEW.strategy_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ingest_state_notify AFTER INSERT OR UPDATE ON ingest_state
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_ingest();
