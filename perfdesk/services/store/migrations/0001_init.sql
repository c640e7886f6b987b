-- 0001: the foundation tables. Event tables are keyed by (strategy_id, seq); the seq
-- counter is shared by equity, fills and statuses of one strategy (protocol v1).

CREATE TABLE strategies (
    strategy_id  text PRIMARY KEY,
    name         text NOT NULL,
    state        text NOT NULL,
    expectations jsonb,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE equity (
    strategy_id    text NOT NULL,
    seq            bigint NOT NULL,
    ts             timestamptz NOT NULL,
    equity         double precision NOT NULL,
    realized_pnl   double precision NOT NULL,
    unrealized_pnl double precision NOT NULL,
    position_value double precision NOT NULL,
    CONSTRAINT equity_pkey PRIMARY KEY (strategy_id, seq)
);
CREATE INDEX equity_strategy_ts ON equity (strategy_id, ts);

CREATE TABLE fills (
    strategy_id    text NOT NULL,
    seq            bigint NOT NULL,
    ts             timestamptz NOT NULL,
    order_id       text NOT NULL,
    symbol         text NOT NULL,
    side           text NOT NULL CHECK (side IN ('buy', 'sell')),
    qty            double precision NOT NULL,
    price          double precision NOT NULL,
    fee            double precision NOT NULL DEFAULT 0,
    expected_price double precision,
    CONSTRAINT fills_pkey PRIMARY KEY (strategy_id, seq)
);
CREATE INDEX fills_strategy_ts ON fills (strategy_id, ts);

CREATE TABLE statuses (
    strategy_id text NOT NULL,
    seq         bigint NOT NULL,
    ts          timestamptz NOT NULL,
    status      text NOT NULL,
    reason      text,
    CONSTRAINT statuses_pkey PRIMARY KEY (strategy_id, seq)
);
CREATE INDEX statuses_strategy_ts ON statuses (strategy_id, ts);

-- Frames that failed validation: the raw bytes as received (not necessarily UTF-8).
CREATE TABLE dead_letters (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    raw         bytea NOT NULL,
    raw_len     integer NOT NULL,
    reason      text NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters (received_at);

CREATE TABLE verdicts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    strategy_id text NOT NULL,
    ts          timestamptz NOT NULL,
    status      text NOT NULL,
    rules       jsonb NOT NULL
);
CREATE INDEX verdicts_strategy_ts ON verdicts (strategy_id, ts);

CREATE TABLE alerts (
    fingerprint   text PRIMARY KEY,
    strategy_id   text NOT NULL,
    rule          text NOT NULL,
    severity      text NOT NULL,
    state         text NOT NULL,
    message       text NOT NULL,
    started_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    acked_by      text,
    acked_at      timestamptz,
    ack_comment   text,
    snoozed_until timestamptz
);
CREATE INDEX alerts_strategy ON alerts (strategy_id);
CREATE INDEX alerts_state ON alerts (state);

-- Every state change of an alert (the history shown in the alert log).
CREATE TABLE alert_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fingerprint text NOT NULL,
    ts          timestamptz NOT NULL,
    state       text NOT NULL,
    severity    text NOT NULL,
    message     text NOT NULL,
    actor       text,
    comment     text
);
CREATE INDEX alert_events_fingerprint_ts ON alert_events (fingerprint, ts);
