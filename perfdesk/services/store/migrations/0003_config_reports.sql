-- 0003: versioned expectations and thresholds with an audit trail; report schedules
-- and runs. Nothing is updated in place: every save is a new version row.

-- Expectation profiles per strategy (declared numbers, a backtest profile, or sent by
-- the engine). The current profile is the highest version.
CREATE TABLE expectations (
    strategy_id text NOT NULL,
    version     integer NOT NULL,
    source      text NOT NULL CHECK (source IN ('declared', 'backtest', 'engine')),
    profile     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    CONSTRAINT expectations_pkey PRIMARY KEY (strategy_id, version)
);

-- Threshold sets per scope: a strategy_id, or '*' for the global defaults
-- (strategy ids cannot contain '*').
CREATE TABLE threshold_versions (
    scope      text NOT NULL,
    version    integer NOT NULL,
    settings   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    comment    text,
    CONSTRAINT threshold_versions_pkey PRIMARY KEY (scope, version)
);

-- Who changed what, when: old -> new settings for every save, revert or import.
CREATE TABLE threshold_audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope        text NOT NULL,
    version      integer NOT NULL,
    action       text NOT NULL CHECK (action IN ('save', 'revert', 'import')),
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    old_settings jsonb,
    new_settings jsonb NOT NULL,
    comment      text
);
CREATE INDEX threshold_audit_scope_at ON threshold_audit (scope, at);
CREATE INDEX threshold_audit_at ON threshold_audit (at);

-- Report schedules: cron-like rule in an explicit time zone.
CREATE TABLE report_schedules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    strategies  text[] NOT NULL DEFAULT '{}',
    formats     text[] NOT NULL DEFAULT '{pdf}',
    cron        text NOT NULL,
    timezone    text NOT NULL,
    out_dir     text NOT NULL,
    paused      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per report run (scheduled or ad hoc); a missed run executed late is marked.
CREATE TABLE report_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id   bigint REFERENCES report_schedules (id) ON DELETE SET NULL,
    scheduled_for timestamptz,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'ok', 'failed')),
    late          boolean NOT NULL DEFAULT false,
    files         text[] NOT NULL DEFAULT '{}',
    error         text
);
CREATE INDEX report_runs_schedule ON report_runs (schedule_id, scheduled_for);
CREATE UNIQUE INDEX report_runs_once ON report_runs (schedule_id, scheduled_for)
    WHERE schedule_id IS NOT NULL AND scheduled_for IS NOT NULL;

-- Verdict history per strategy is read newest first; alert history by time.
CREATE INDEX alert_events_ts ON alert_events (ts);
