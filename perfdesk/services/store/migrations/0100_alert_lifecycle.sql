-- 0100 (alerts block): the alert lifecycle's timers and notification memory, silences,
-- and the outbound delivery log. Written to be safe to run twice (IF NOT EXISTS), so it
-- can be applied by AlertStore before the migrations runner knows the 0100 block.

-- Timers and memory that a restart must not lose (see perfdesk.domain.alerts.Alert).
ALTER TABLE alerts
    ADD COLUMN IF NOT EXISTS snooze_until_recovery boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS silenced_by text,
    ADD COLUMN IF NOT EXISTS inhibited_by text,
    ADD COLUMN IF NOT EXISTS pending_since timestamptz,
    ADD COLUMN IF NOT EXISTS clear_since timestamptz,
    ADD COLUMN IF NOT EXISTS fired_at timestamptz,
    ADD COLUMN IF NOT EXISTS notified_severity text,
    ADD COLUMN IF NOT EXISTS notified_at timestamptz,
    ADD COLUMN IF NOT EXISTS episode integer NOT NULL DEFAULT 1;
CREATE INDEX IF NOT EXISTS alerts_updated ON alerts (updated_at);

-- Each history row says what changed and whether it was notified.
ALTER TABLE alert_events
    ADD COLUMN IF NOT EXISTS change text,
    ADD COLUMN IF NOT EXISTS episode integer,
    ADD COLUMN IF NOT EXISTS notified boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS alert_events_ts ON alert_events (ts);

-- Silences by strategy and/or rule; ended_at is set at expiry or when ended early.
CREATE TABLE IF NOT EXISTS alert_silences (
    id          text PRIMARY KEY,
    strategy_id text,
    rule        text,
    created_by  text NOT NULL,
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    CONSTRAINT alert_silences_scoped CHECK (strategy_id IS NOT NULL OR rule IS NOT NULL),
    CONSTRAINT alert_silences_expiry CHECK (expires_at > created_at)
);
CREATE INDEX IF NOT EXISTS alert_silences_open ON alert_silences (expires_at)
    WHERE ended_at IS NULL;

-- Outbound notifications (webhook, ...): one row per delivery, with its outcome.
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts          timestamptz NOT NULL,
    channel     text NOT NULL,
    fingerprint text NOT NULL,
    change      text NOT NULL,
    ok          boolean NOT NULL,
    attempts    integer NOT NULL,
    error       text
);
CREATE INDEX IF NOT EXISTS alert_deliveries_ts ON alert_deliveries (ts);
