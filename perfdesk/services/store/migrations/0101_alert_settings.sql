-- 0101 (alerts block): the alert settings (AlertSettings: for-durations, keep-firing,
-- recovery margin, quiet period) stored as versions, like thresholds: every save is a new
-- row (who, when, why), the current set is the highest version. A save notifies
-- `perfdesk_alert_settings` (payload: the version) so that collectors and desktops apply
-- it without a restart.
CREATE TABLE alert_settings_versions (
    version    integer PRIMARY KEY CHECK (version > 0),
    settings   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    comment    text
);

CREATE FUNCTION perfdesk_notify_alert_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_alert_settings', NEW.version::text);
    RETURN NULL;
END $$;
CREATE TRIGGER alert_settings_versions_notify AFTER INSERT ON alert_settings_versions
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_alert_settings();
