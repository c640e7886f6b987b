-- 0102 (alerts block): silences shared between desktops and collectors. A desktop in
-- client mode inserts a silence row (or ends one: ended_at/ended_by); every collector
-- hears it on `perfdesk_silence` (payload: the silence id), applies it to its alert
-- manager (which re-marks the matching alerts, notifying every desktop through
-- `perfdesk_alert`), and records expiry itself (ended_at = expires_at).
ALTER TABLE alert_silences ADD COLUMN IF NOT EXISTS ended_by text;

CREATE FUNCTION perfdesk_notify_silence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('perfdesk_silence', NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER alert_silences_notify AFTER INSERT OR UPDATE ON alert_silences
    FOR EACH ROW EXECUTE FUNCTION perfdesk_notify_silence();
