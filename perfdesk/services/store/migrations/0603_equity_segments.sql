-- 0603 (storage at scale block): older raw equity rows packed into columnar segments.
--
-- One heap row per sample costs ~117 bytes on plain PostgreSQL (tuple header 28, key
-- B-tree ~32, the values 56). The compaction job (store/compaction.py) moves whole UTC
-- days of a strategy's equity rows older than a cut-off into segments of at most N rows
-- — the plain-PostgreSQL analogue of TimescaleDB's native compression (segment by
-- strategy_id, order by seq). In one transaction per strategy-day (one statement:
-- DELETE ... RETURNING feeding the INSERT), so a crash loses and duplicates nothing.
--
-- Encoding (row i = 0 .. n-1 in seq order; exact, every value round-trips bit for bit):
--   seq[i] = first_seq + i + seq_gap[i]            seq_gap: the non-equity seqs before it
--   ts[i]  = base_ts + (i * ts_step_us + ts_res_us[i]) microseconds
--   the four float8 columns as float8[] in seq order.
-- seq_gap and ts_res_us are runs of equal values (0 for regular sampling), which
-- PostgreSQL's TOAST compression (pglz; lz4 where the server has it) reduces to almost
-- nothing; float8 values do not compress and stay 8 bytes each. Reading is pure SQL
-- (`equity_rows`): set-returning functions in a select list, zipped in step (a streamed
-- ProjectSet, twice as fast as unnest(...) WITH ORDINALITY in FROM, which materialises),
-- no window function and no sort.
--
-- On TimescaleDB the equity hypertable's native compression does this job: the table
-- stays empty there (compaction.compact is a no-op with hypertables).

CREATE TABLE equity_segments (
    strategy_id    text             NOT NULL,
    first_seq      bigint           NOT NULL,
    last_seq       bigint           NOT NULL,
    min_ts         timestamptz      NOT NULL,
    max_ts         timestamptz      NOT NULL,
    n              integer          NOT NULL CHECK (n > 0),
    base_ts        timestamptz      NOT NULL,
    ts_step_us     bigint           NOT NULL,
    seq_gap        bigint[]         NOT NULL,
    ts_res_us      bigint[]         NOT NULL,
    equity         double precision[] NOT NULL,
    realized_pnl   double precision[] NOT NULL,
    unrealized_pnl double precision[] NOT NULL,
    position_value double precision[] NOT NULL,
    CONSTRAINT equity_segments_pkey PRIMARY KEY (strategy_id, first_seq)
        WITH (fillfactor = 100)
);

-- lz4 decompresses faster than pglz where the server was built with it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE equity_segments
            ALTER COLUMN seq_gap SET COMPRESSION lz4,
            ALTER COLUMN ts_res_us SET COMPRESSION lz4;
    END IF;
END $$;

-- How far compaction has gone per strategy: whole UTC days before compacted_before are
-- compacted; max_seq and max_span bound where a compacted seq can be (the write path's
-- probe looks at segments with first_seq in [seq - max_span, seq] only, and not at all
-- above max_seq). Upper bounds: retention dropping segments leaves them valid.
CREATE TABLE compaction_marks (
    strategy_id      text PRIMARY KEY,
    compacted_before timestamptz NOT NULL,
    max_seq          bigint NOT NULL,
    max_span         bigint NOT NULL
);

-- Every raw equity row of a strategy with seq in [p_lo, p_hi] and ts in [p_from, p_to),
-- from both forms (rows, then segments), in no guaranteed order. A single SELECT, so the
-- planner inlines it: call it LATERAL with plain values (not subqueries) to keep the
-- index scans. Segments outside the seq or time range are not decoded.
CREATE FUNCTION equity_rows(p_sid text, p_lo bigint, p_hi bigint,
                            p_from timestamptz DEFAULT '-infinity',
                            p_to timestamptz DEFAULT 'infinity')
RETURNS TABLE (seq bigint, ts timestamptz, equity double precision,
               realized_pnl double precision, unrealized_pnl double precision,
               position_value double precision)
LANGUAGE sql STABLE AS $$
        SELECT u.seq, u.ts, u.equity, u.realized_pnl, u.unrealized_pnl, u.position_value
        FROM equity_segments g
        CROSS JOIN LATERAL (
            SELECT g.first_seq + x.i - 1 + x.gap AS seq,
                   g.base_ts + ((x.i - 1) * g.ts_step_us + x.res)::float8
                               * interval '1 microsecond' AS ts,
                   x.equity, x.realized_pnl, x.unrealized_pnl, x.position_value
            FROM (SELECT generate_series(1::bigint, g.n) AS i, unnest(g.seq_gap) AS gap,
                         unnest(g.ts_res_us) AS res, unnest(g.equity) AS equity,
                         unnest(g.realized_pnl) AS realized_pnl,
                         unnest(g.unrealized_pnl) AS unrealized_pnl,
                         unnest(g.position_value) AS position_value) x) u
        WHERE g.strategy_id = p_sid AND g.first_seq <= p_hi AND g.last_seq >= p_lo
          AND g.min_ts < p_to AND g.max_ts >= p_from
          -- rows of a segment wholly inside the ranges are not compared one by one
          AND ((g.first_seq >= p_lo AND g.last_seq <= p_hi AND g.min_ts >= p_from
                AND g.max_ts < p_to)
               OR (u.seq >= p_lo AND u.seq <= p_hi AND u.ts >= p_from AND u.ts < p_to))
    UNION ALL
    SELECT e.seq, e.ts, e.equity, e.realized_pnl, e.unrealized_pnl, e.position_value
    FROM equity e
    WHERE e.strategy_id = p_sid AND e.seq >= p_lo AND e.seq <= p_hi
      AND e.ts >= p_from AND e.ts < p_to
$$;

-- Whether seq p_seq of strategy p_sid is a compacted equity row: a binary search over
-- the strictly rising i + seq_gap[i] of each segment whose seq range holds it. The write
-- path's probe for a replayed seq (the primary key of `equity` cannot see segments).
CREATE FUNCTION equity_compacted(p_sid text, p_seq bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    g record;
    lo int;
    hi int;
    mid int;
    off bigint;
BEGIN
    FOR g IN SELECT s.first_seq, s.seq_gap, s.n
             FROM compaction_marks m JOIN equity_segments s USING (strategy_id)
             WHERE m.strategy_id = p_sid AND p_seq <= m.max_seq
               AND s.first_seq >= p_seq - m.max_span AND s.first_seq <= p_seq
               AND s.last_seq >= p_seq LOOP
        lo := 1;
        hi := g.n;
        off := p_seq - g.first_seq;
        WHILE lo <= hi LOOP
            mid := (lo + hi) / 2;
            IF mid - 1 + g.seq_gap[mid] = off THEN
                RETURN true;
            ELSIF mid - 1 + g.seq_gap[mid] < off THEN
                lo := mid + 1;
            ELSE
                hi := mid - 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN false;
END $$;

-- The fast write path COPYs a batch and lets equity's primary key find stored seqs; a
-- compacted seq has no key entry, so its fold calls this for a strategy whose batch
-- reaches down to compacted seqs: a unique violation (the batch is rolled back and
-- written through the staged path, which probes each row with equity_compacted) when a
-- segment overlaps the batch's seqs [p_lo, p_hi], false otherwise.
CREATE FUNCTION equity_compacted_clash(p_sid text, p_lo bigint, p_hi bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM compaction_marks m JOIN equity_segments s USING (strategy_id)
               WHERE m.strategy_id = p_sid AND s.first_seq >= p_lo - m.max_span
                 AND s.first_seq <= p_hi AND s.last_seq >= p_lo) THEN
        RAISE unique_violation USING
            MESSAGE = format('batch of %s reaches seqs %s..%s, some compacted', p_sid, p_lo, p_hi);
    END IF;
    RETURN false;
END $$;

-- bars_1m (0600) reads a raw-mode strategy's rows through equity_rows: compacted days
-- read the same as raw ones.
CREATE OR REPLACE FUNCTION bars_1m(p_sid text, p_start timestamptz, p_end timestamptz)
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
            SELECT date_trunc('minute', r.ts, 'UTC') AS bucket, r.equity, r.seq,
                   r.realized_pnl, r.unrealized_pnl
            FROM d CROSS JOIN LATERAL equity_rows(p_sid, d.lo, d.hi,
                                                  p_start - interval '1 minute',
                                                  p_end + interval '1 minute') r
            WHERE date_trunc('minute', r.ts, 'UTC') >= p_start
              AND date_trunc('minute', r.ts, 'UTC') < p_end
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
