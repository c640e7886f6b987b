-- 0200 (reports block): what a schedule reports on, and how each run ended.
-- report_schedules / report_runs themselves come from 0003 (storage).

-- The period a scheduled report covers, ending at the scheduled time: one of the
-- history presets; and an optional title for the report's first page.
ALTER TABLE report_schedules
    ADD COLUMN period text NOT NULL DEFAULT '1M'
        CHECK (period IN ('1M', '3M', '6M', 'YTD', '1Y', 'ALL')),
    ADD COLUMN title text;

-- A run that could not start because the previous run of the same schedule was still
-- going is recorded as 'skipped' (with the reason in `error`), never silently dropped.
ALTER TABLE report_runs DROP CONSTRAINT report_runs_status_check;
ALTER TABLE report_runs
    ADD CONSTRAINT report_runs_status_check
        CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    ADD COLUMN trigger text NOT NULL DEFAULT 'schedule'
        CHECK (trigger IN ('schedule', 'catch_up', 'manual', 'export')),
    ADD COLUMN strategies text[] NOT NULL DEFAULT '{}',
    ADD COLUMN formats text[] NOT NULL DEFAULT '{}';
CREATE INDEX report_runs_started ON report_runs (started_at DESC);
