-- 0602 (storage at scale block): equity's primary key packs its leaf pages full.
--
-- Samples of a strategy arrive in seq order, so new keys go to the right end of the
-- strategy's key range and a full leaf page is never filled again: B-tree's default leaf
-- fillfactor (90) only leaves 10 % of every page empty for inserts that do not come.
-- Applies to pages split from now on (existing pages are not rewritten). On TimescaleDB
-- the key lives on the chunks (created from the hypertable's template); left alone.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        ALTER INDEX equity_pkey SET (fillfactor = 100);
    END IF;
END $$;
