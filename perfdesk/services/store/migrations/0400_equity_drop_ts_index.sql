-- 0400 (engine-link throughput block): equity keeps only its primary key (strategy_id, seq).
--
-- The secondary B-tree on (strategy_id, ts) cost ~1.5 us of server CPU per stored
-- sample (about a quarter of the write). Reads by time no longer need it: every stored
-- equity row is folded into rollup_1m / rollup_1d in its own transaction, and
-- open_seq / close_seq of those bars bound the seqs of the rows in each bucket, so
-- `equity_reads` turns a time range into a primary-key range (docs/storage.md).
-- fills and statuses keep their (strategy_id, ts) indexes (small tables, read by time).
DROP INDEX IF EXISTS equity_strategy_ts;

-- TimescaleDB: create_hypertable's default index on the time column (equity_ts_idx) of
-- a database converted before this migration; enable_timescale no longer creates it.
-- Chunk exclusion and retention use the chunks' ts ranges, not this index.
DROP INDEX IF EXISTS equity_ts_idx;
