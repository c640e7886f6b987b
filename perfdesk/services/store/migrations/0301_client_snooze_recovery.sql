-- 0301: a desktop's "snooze until recovery" reaches the collector as such (not as a time).
ALTER TABLE client_actions ADD COLUMN until_recovery boolean NOT NULL DEFAULT false;
ALTER TABLE client_actions DROP CONSTRAINT client_actions_snooze_until;
ALTER TABLE client_actions ADD CONSTRAINT client_actions_snooze_until
    CHECK (action <> 'snooze' OR until IS NOT NULL OR until_recovery);
