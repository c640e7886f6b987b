-- 0500 (alert channels block): where alerts go besides the desktop — webhooks, Apprise
-- URLs (chat, push, e-mail), Alertmanager. A row holds everything but the URL: URLs
-- carry tokens, so each lives in the OS keyring or the environment under the secret
-- `alert_channel_<id>` (PERFDESK_ALERT_CHANNEL_<ID>), never in the database.
-- Changes are announced on `perfdesk_alert_channels` so collectors reload them.
CREATE TABLE IF NOT EXISTS alert_channels (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 60),
    kind          text NOT NULL CHECK (kind IN ('webhook', 'apprise', 'alertmanager')),
    min_severity  text NOT NULL DEFAULT 'warning'
                  CHECK (min_severity IN ('warning', 'critical')),
    strategies    text[] NOT NULL DEFAULT '{}',
    enabled       boolean NOT NULL DEFAULT true,
    send_resolved boolean NOT NULL DEFAULT true,
    options       jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_by    text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS alert_deliveries_channel ON alert_deliveries (channel, id);

CREATE FUNCTION perfdesk_notify_alert_channels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_alert_channels', '');
    RETURN NULL;
END $$;
CREATE TRIGGER alert_channels_notify AFTER INSERT OR UPDATE OR DELETE ON alert_channels
    FOR EACH STATEMENT EXECUTE FUNCTION perfdesk_notify_alert_channels();
