-- 0601 (storage at scale block): retention per resolution.
--
-- One settings row shared by every client of the database (the desktop's Settings
-- writes it, the collector applies it: store/retention.py). NULL keeps forever. Daily
-- bars are always kept. 1-minute bars are kept at least as long as raw rows: raw
-- equity is located by time through them (equity_reads).
CREATE TABLE storage_settings (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    raw_days        integer CHECK (raw_days > 0),
    minute_bar_days integer CHECK (minute_bar_days > 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT minute_bars_outlive_raw CHECK (
        minute_bar_days IS NULL OR (raw_days IS NOT NULL AND minute_bar_days >= raw_days))
);
INSERT INTO storage_settings DEFAULT VALUES;

-- How far retention has gone per strategy (whole UTC days before these are done), so a
-- run starts where the last one stopped.
CREATE TABLE retention_marks (
    strategy_id     text PRIMARY KEY,
    raw_before      timestamptz,
    minute_before   timestamptz
);
