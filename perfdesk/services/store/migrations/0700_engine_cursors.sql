-- 0700 (engine sources): the cursor an adapter keeps in an engine that has no
-- protocol-v1 seq of its own (Freqtrade's order ids, a Redis stream entry id).
--
-- `seq` is the highest seq the source had assigned when it wrote `cursor`. The source
-- writes the row BEFORE it hands those events on (write-ahead), so every stored event
-- is covered by a saved cursor; events in the cursor above the last stored seq were
-- never stored and are taken again on restart (services/engine/cursor.py).
CREATE TABLE engine_cursors (
    source      text NOT NULL,
    strategy_id text NOT NULL,
    cursor      jsonb NOT NULL,
    seq         bigint NOT NULL CHECK (seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, strategy_id)
);
