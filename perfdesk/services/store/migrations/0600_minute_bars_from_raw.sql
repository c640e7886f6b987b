-- 0600 (storage at scale block): a 1-minute bar that would repeat its raw row is not kept.
--
-- A strategy that reports at most once a minute stores one equity row per minute; its
-- 1-minute bar would be that row again (open = high = low = close, one sample) at
-- ~190 bytes of heap and index, plus one upsert per row on the write path. Such a
-- strategy is in "raw mode" (ingest_state.minute_bars = false): its 1-minute bars are
-- its raw rows, read through bars_1m(); rollup_1d is kept for every strategy.
--
-- The write path keeps a strategy in raw mode only while no minute holds two of its
-- equity samples (store_sql.FAST_BARS_SQL checks each batch against last_minute, the
-- latest minute stored); the first batch that breaks it switches the strategy to
-- minute_bars = true and builds its 1-minute bars from its raw rows, in the batch's
-- transaction (store_sql.MATERIALIZE_BARS_SQL). Strategies stored before this migration
-- keep their bars (true); new ones start in raw mode unless they already have bars.

ALTER TABLE ingest_state
    ADD COLUMN minute_bars boolean NOT NULL DEFAULT true,
    ADD COLUMN last_minute timestamptz;
ALTER TABLE ingest_state ALTER COLUMN minute_bars SET DEFAULT false;

-- The 1-minute bars of one strategy with bucket in [p_start, p_end): the stored bars, or
-- in raw mode the raw rows (at most one equity sample per minute) with the minute's
-- fills. Raw rows are located by seq through the day bars (equity has no ts index).
CREATE FUNCTION bars_1m(p_sid text, p_start timestamptz, p_end timestamptz)
RETURNS SETOF rollup_1m LANGUAGE sql STABLE AS $$
    SELECT * FROM rollup_1m
    WHERE strategy_id = p_sid AND bucket >= p_start AND bucket < p_end
    UNION ALL
    SELECT * FROM (
        WITH mode AS (
            SELECT 1 FROM ingest_state WHERE strategy_id = p_sid AND NOT minute_bars
        ), d AS MATERIALIZED (
            SELECT min(open_seq) AS lo, max(close_seq) AS hi FROM rollup_1d
            WHERE strategy_id = p_sid AND EXISTS (SELECT 1 FROM mode)
              AND bucket >= date_trunc('day', p_start, 'UTC') AND bucket < p_end
        ), e AS (
            SELECT date_trunc('minute', ts, 'UTC') AS bucket, equity, seq, realized_pnl,
                   unrealized_pnl
            FROM equity
            WHERE strategy_id = p_sid AND seq >= (SELECT lo FROM d) AND seq <= (SELECT hi FROM d)
              AND date_trunc('minute', ts, 'UTC') >= p_start
              AND date_trunc('minute', ts, 'UTC') < p_end
        ), f AS (
            SELECT date_trunc('minute', ts, 'UTC') AS bucket, count(*)::int AS fills,
                   sum(fee) AS fees, sum(qty * price) AS notional,
                   coalesce(sum(CASE WHEN side = 'buy' THEN 1 ELSE -1 END
                                * (price - expected_price) * qty), 0) AS slippage_cost,
                   coalesce(sum(expected_price * qty), 0) AS slippage_notional
            FROM fills
            WHERE strategy_id = p_sid AND EXISTS (SELECT 1 FROM mode)
              AND ts >= p_start AND ts < p_end + interval '1 minute'
              AND date_trunc('minute', ts, 'UTC') < p_end
            GROUP BY 1
        )
        SELECT p_sid, bucket, e.equity, e.equity, e.equity, e.equity, e.seq, e.seq,
               CASE WHEN e.seq IS NULL THEN 0 ELSE 1 END, e.realized_pnl, e.unrealized_pnl,
               coalesce(f.fills, 0), coalesce(f.fees, 0), coalesce(f.notional, 0),
               coalesce(f.slippage_cost, 0), coalesce(f.slippage_notional, 0)
        FROM e FULL JOIN f USING (bucket)
    ) AS raw_bars
    ORDER BY bucket
$$;
