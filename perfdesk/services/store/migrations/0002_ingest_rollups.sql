-- 0002: resume point per strategy and the 1-minute / 1-day rollups, both maintained by
-- Store.write_events in the same statement that inserts the events (so always in step).

CREATE TABLE ingest_state (
    strategy_id text PRIMARY KEY,
    last_seq    bigint NOT NULL,
    events      bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Seed from events stored before this migration (max seq over the three kinds).
INSERT INTO ingest_state (strategy_id, last_seq, events)
SELECT strategy_id, max(seq), count(*)
FROM (
    SELECT strategy_id, seq FROM equity
    UNION ALL SELECT strategy_id, seq FROM fills
    UNION ALL SELECT strategy_id, seq FROM statuses
) AS all_events
GROUP BY strategy_id;

-- One bar per strategy and bucket (UTC). open/close are the equity samples with the
-- lowest/highest seq in the bucket (open_seq/close_seq let late or replayed rows merge
-- correctly); pnl columns are the cumulative values at close. Slippage: cost is
-- sum(side_sign * (price - expected_price) * qty) over fills that sent expected_price,
-- notional is sum(expected_price * qty) over the same fills (bps = cost / notional * 1e4).
CREATE TABLE rollup_1m (
    strategy_id       text NOT NULL,
    bucket            timestamptz NOT NULL,
    open              double precision,
    high              double precision,
    low               double precision,
    close             double precision,
    open_seq          bigint,
    close_seq         bigint,
    samples           integer NOT NULL DEFAULT 0,
    realized_pnl      double precision,
    unrealized_pnl    double precision,
    fills             integer NOT NULL DEFAULT 0,
    fees              double precision NOT NULL DEFAULT 0,
    notional          double precision NOT NULL DEFAULT 0,
    slippage_cost     double precision NOT NULL DEFAULT 0,
    slippage_notional double precision NOT NULL DEFAULT 0,
    CONSTRAINT rollup_1m_pkey PRIMARY KEY (strategy_id, bucket)
);

CREATE TABLE rollup_1d (LIKE rollup_1m INCLUDING DEFAULTS);
ALTER TABLE rollup_1d ADD CONSTRAINT rollup_1d_pkey PRIMARY KEY (strategy_id, bucket);

-- Back-fill rollups from any events stored before this migration.
INSERT INTO rollup_1m
WITH eb AS (
    SELECT strategy_id, date_trunc('minute', ts, 'UTC') AS bucket,
           (array_agg(equity ORDER BY seq))[1] AS open, max(equity) AS high,
           min(equity) AS low, (array_agg(equity ORDER BY seq DESC))[1] AS close,
           min(seq) AS open_seq, max(seq) AS close_seq, count(*) AS samples,
           (array_agg(realized_pnl ORDER BY seq DESC))[1] AS realized_pnl,
           (array_agg(unrealized_pnl ORDER BY seq DESC))[1] AS unrealized_pnl
    FROM equity GROUP BY 1, 2
), fb AS (
    SELECT strategy_id, date_trunc('minute', ts, 'UTC') AS bucket, count(*) AS fills,
           sum(fee) AS fees, sum(qty * price) AS notional,
           coalesce(sum(CASE WHEN side = 'buy' THEN 1 ELSE -1 END
                        * (price - expected_price) * qty), 0) AS slippage_cost,
           coalesce(sum(expected_price * qty), 0) AS slippage_notional
    FROM fills GROUP BY 1, 2
)
SELECT strategy_id, bucket, eb.open, eb.high, eb.low, eb.close, eb.open_seq, eb.close_seq,
       coalesce(eb.samples, 0), eb.realized_pnl, eb.unrealized_pnl, coalesce(fb.fills, 0),
       coalesce(fb.fees, 0), coalesce(fb.notional, 0), coalesce(fb.slippage_cost, 0),
       coalesce(fb.slippage_notional, 0)
FROM eb FULL JOIN fb USING (strategy_id, bucket);

INSERT INTO rollup_1d
SELECT strategy_id, date_trunc('day', bucket, 'UTC'),
       (array_agg(open ORDER BY open_seq) FILTER (WHERE open_seq IS NOT NULL))[1],
       max(high), min(low),
       (array_agg(close ORDER BY close_seq DESC) FILTER (WHERE close_seq IS NOT NULL))[1],
       min(open_seq), max(close_seq), sum(samples),
       (array_agg(realized_pnl ORDER BY close_seq DESC) FILTER (WHERE close_seq IS NOT NULL))[1],
       (array_agg(unrealized_pnl ORDER BY close_seq DESC)
            FILTER (WHERE close_seq IS NOT NULL))[1],
       sum(fills), sum(fees), sum(notional), sum(slippage_cost), sum(slippage_notional)
FROM rollup_1m GROUP BY 1, 2;
