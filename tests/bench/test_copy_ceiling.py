"""The ingest bench's ceiling COPYs exactly the rows the live path stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from perfdesk.bench import _copy_ceiling
from perfdesk.domain.events import EquityEvent, FillEvent, StatusEvent, unchecked
from perfdesk.domain.status import StrategyState
from perfdesk.services.store import sql as store_sql
from perfdesk.services.store.event_writes import event_rows
from perfdesk.services.store.store import Store

T0 = datetime(2026, 3, 2, 14, 30, 0, 250_001, tzinfo=UTC)


def _events() -> list[EquityEvent | FillEvent | StatusEvent]:
    return [
        unchecked(StatusEvent, strategy_id="a", seq=1, ts=T0, status=StrategyState.ACTIVE),
        unchecked(
            EquityEvent, strategy_id="a", seq=2, ts=T0 + timedelta(microseconds=7),
            equity=1e6 + 0.1, realized_pnl=-2.5, unrealized_pnl=0.0, position_value=3.25,
        ),
        unchecked(
            FillEvent, strategy_id="bb", seq=1, ts=T0 - timedelta(days=400), order_id="o-1",
            symbol="ÉUR", side="sell", qty=2.0, price=101.5, fee=0.25,
        ),
        unchecked(
            StatusEvent, strategy_id="bb", seq=2, ts=T0, status=StrategyState.PAUSED,
            reason="line\tbreak",
        ),
    ]  # fmt: skip


async def test_copy_body_stores_the_rows_event_rows_gives(store: Store, db_dsn: str) -> None:
    rows, _ = event_rows(_events())
    conn = await asyncpg.connect(db_dsn)
    try:
        for kind, records in rows.items():
            await conn.execute(f"CREATE TEMP TABLE c_{kind} (LIKE {kind} INCLUDING ALL)")
            cols = store_sql.STAGE_COLUMNS[kind]
            body = _copy_ceiling.copy_body(records, store_sql.STAGE_TYPES[kind])
            await conn.copy_to_table(
                f"c_{kind}", source=memoryview(body), columns=cols, format="binary"
            )
            back = await conn.fetch(f"SELECT {', '.join(cols)} FROM c_{kind} ORDER BY 1, 2")
            assert [tuple(r) for r in back] == sorted(records), kind
    finally:
        await conn.close()


async def test_same_tables_copies_every_row_and_leaves_nothing(store: Store, db_dsn: str) -> None:
    events = _events()
    ceiling = await _copy_ceiling.same_tables(db_dsn, events, batch=3)
    assert ceiling.rows_per_s > 0
    left = await store.pool.fetchval(
        "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'ceiling_%'"
    )
    assert left == 0
