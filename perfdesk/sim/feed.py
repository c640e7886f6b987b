"""One simulated strategy's event stream: equity samples, fills and status frames.

All frames of a strategy share one seq counter, strictly increasing from 1. Frames are
encoded once, as JSON text, and kept in a bounded `History` for replay. An optional
backfill (`backfill`) first writes trading days of healthy history *before* trading
second 0, sampled coarsely, so the live stream continues a realistic past.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import orjson

from perfdesk.domain.expectations import Expectations
from perfdesk.publish.history import History
from perfdesk.sim.archetypes import BREAK_DEPTH_FACTOR, Archetype, StrategySpec
from perfdesk.sim.clock import DAY_S, EPOCH, calendar_time
from perfdesk.sim.returns import IntradayGarch

WIN_RATE_DROP = 0.15
"""How far a decayed (fully) or broken strategy's trade win rate falls."""


MIN_PRICE = 0.01
"""The simulated market price never goes below this (fills need a price > 0)."""


class StrategyFeed:
    """Generates and stores one strategy's frames. `dt_s` is trading seconds per sample.

    `skip_prob` (fault) makes the engine jump over a seq now and then: a real gap the
    client must count. `events` counts frames actually generated (seqs not skipped).
    """

    def __init__(
        self,
        spec: StrategySpec,
        expectations: Expectations,
        *,
        dt_s: float,
        rng: np.random.Generator,
        history: int,
        skip_prob: float = 0.0,
        epoch: datetime = EPOCH,
    ) -> None:
        self.spec, self.expectations, self.dt_s = spec, expectations, dt_s
        self.epoch = epoch
        self.history = History(history)
        self.events = 0
        self._rng, self._skip_prob = rng, skip_prob
        self._garch = IntradayGarch(spec.garch, rng)
        self._t = 0.0
        self._equity = self._peak = spec.initial_equity
        self._realized = 0.0
        self._price = 100.0
        self._position = 1.0
        self._open_qty = 0.0  # signed quantity of the open round trip (0 = flat)
        self._entry = 0.0
        self._win_shift = 0.0
        self._crash_left = 0
        self._broken = False
        self._day_prefix: tuple[int, str] = (-1, "")
        self._order = 0
        self._fill_buf: list[int] = []
        self._fill_pos = 0
        self._fill_lam = 0.0
        self._set_step(dt_s)
        self._pace: tuple[float, float] | None = None  # (from trading second, step)

    @property
    def strategy_id(self) -> str:
        return self.spec.strategy_id

    @property
    def last_seq(self) -> int:
        return self.history.last_seq

    def info_frame(self) -> str:
        """The `strategy` frame announcing this strategy and its backtest profile."""
        exp = self.expectations.model_dump(exclude_none=True)
        return orjson.dumps(
            {
                "type": "strategy",
                "strategy_id": self.spec.strategy_id,
                "name": self.spec.name,
                "status": "active",
                "expectations": exp,
            }
        ).decode()

    def backfill(self, days: int, step_s: float) -> int:
        """Generate `days` trading days of healthy history ending at trading second 0.

        One equity sample every `step_s` trading seconds (the last one exactly at 0, where
        live begins) plus its fills at the declared rate (no over/under-trading: the
        archetypes change behaviour only from trading second 0 on). Must come before any
        other event; returns the frames made.
        """
        if days < 0 or step_s <= 0:
            raise ValueError(f"backfill needs days >= 0 and step_s > 0, got {days}, {step_s}")
        if self.last_seq:
            raise RuntimeError("backfill must come before the first event")
        if days == 0:
            return 0
        samples = max(1, round(days * DAY_S / step_s))
        start = -samples * step_s
        live = self.dt_s, self._fill_lam
        self.dt_s, self._fill_lam = step_s, self.spec.trades_per_day * step_s / DAY_S
        self._fill_pos = len(self._fill_buf)  # redraw fills at this sample length
        self._t = start
        self._emit(self._status("active", "started"))
        for i in range(1, samples + 1):
            self._t = start + i * step_s
            self._sample()
        self._t = 0.0
        self.dt_s, self._fill_lam = live
        self._fill_pos = len(self._fill_buf)
        return self.events

    @property
    def time_s(self) -> float:
        """The trading second of the last sample (0 where live trading begins)."""
        return self._t

    @property
    def next_dt_s(self) -> float:
        """The trading seconds the next sample will be after the last one."""
        if self._pace is not None and self._t >= self._pace[0]:
            return self._pace[1]
        return self.dt_s

    def pace_from(self, at_s: float, dt_s: float) -> None:
        """From trading second `at_s` on, one sample every `dt_s` trading seconds (the
        demo's switch to real time once it reaches the present). Set before regenerating
        a stream, it makes the same switch at the same sample, so the stream is the same."""
        self._pace = (at_s, dt_s)

    def advance(self, samples: int) -> int:
        """Generate `samples` equity samples (and their fills); returns frames made."""
        before = self.events
        if self.last_seq == 0:
            self._emit(self._status("active", "started"))
        for _ in range(samples):
            if self.next_dt_s != self.dt_s:  # the switch to real time
                self._set_step(self.next_dt_s)
            self._t += self.dt_s
            self._sample()
        return self.events - before

    def _set_step(self, dt_s: float) -> None:
        """Samples `dt_s` trading seconds apart from now on, fills at the same rate a day."""
        self.dt_s = dt_s
        self._fill_lam = self.spec.trades_per_day * self.spec.trade_factor * dt_s / DAY_S
        self._fill_pos = len(self._fill_buf)  # redraw fills at this sample length

    # -- generation -------------------------------------------------------------
    def _sample(self) -> None:
        spec = self.spec
        if spec.archetype is Archetype.STALL and self._in_change():
            return
        self._apply_regime()
        r = self._next_return()
        self._equity *= 1.0 + r
        self._peak = max(self._peak, self._equity)
        # A strategy that keeps breaking for simulated months drives equity toward 0; the
        # market price must stay a price (> 0 on the wire), so it stops at a cent.
        self._price = max(self._price * (1.0 + r), MIN_PRICE)
        for _ in range(self._fill_count()):
            self._emit(self._fill())
        self._emit(self._equity_frame())

    def _fill_count(self) -> int:
        """Fills in this sample: Poisson(trades/day × sample length), drawn in blocks."""
        if self._fill_pos >= len(self._fill_buf):
            self._fill_buf = self._rng.poisson(self._fill_lam, 4096).tolist()
            self._fill_pos = 0
        self._fill_pos += 1
        return int(self._fill_buf[self._fill_pos - 1])

    def _in_change(self) -> bool:
        return self.spec.change_at_s <= self._t < self.spec.change_at_s + self.spec.change_for_s

    def _apply_regime(self) -> None:
        spec, g = self.spec, self._garch
        if spec.archetype is Archetype.DECAY and self._t >= spec.change_at_s:
            progress = min(1.0, (self._t - spec.change_at_s) / spec.change_for_s)
            target = (spec.decay_annual_return - spec.garch.annual_return) / 252.0
            g.mean_shift = progress * target
            g.vol_scale = 1.0 + spec.decay_vol_rise * progress
            self._win_shift = WIN_RATE_DROP * progress
        elif spec.archetype is Archetype.BREAK and self._t >= spec.change_at_s and not self._broken:
            self._broken = True
            self._crash_left = spec.crash_samples
            g.vol_scale = 2.0
            g.mean_shift = -spec.garch.annual_return / 252.0
            self._win_shift = WIN_RATE_DROP

    def _next_return(self) -> float:
        """Normal GARCH return, or during a crash a deterministic step toward the floor."""
        day = int(self._t // DAY_S)
        r = self._garch.step(self.dt_s / DAY_S, day)
        if self._crash_left <= 0:
            return r
        mdd = self.expectations.max_drawdown or 0.1
        floor = self._peak * (1.0 - min(0.9, BREAK_DEPTH_FACTOR * mdd))
        step = float((floor / self._equity) ** (1.0 / self._crash_left)) - 1.0
        self._crash_left -= 1
        return min(step, 0.0)

    # -- encoding ---------------------------------------------------------------
    def _ts(self) -> str:
        day, us = divmod(round(self._t * 1e6), 86_400_000_000)
        if self._day_prefix[0] != day:
            self._day_prefix = (day, calendar_time(day * DAY_S, self.epoch).strftime("%Y-%m-%dT"))
        secs, us = divmod(us, 1_000_000)
        hh, rem = divmod(secs, 3600)
        mm, ss = divmod(rem, 60)
        return f"{self._day_prefix[1]}{hh:02d}:{mm:02d}:{ss:02d}.{us:06d}Z"

    def _next_seq(self) -> int:
        seq = self.last_seq + 1
        if self._skip_prob and self._rng.random() < self._skip_prob:
            seq += 1
        return seq

    def _emit(self, build: tuple[str, ...]) -> None:
        seq = self._next_seq()
        head, tail = build
        self.history.append(seq, f'{head}"seq":{seq},{tail}')
        self.events += 1

    def _equity_frame(self) -> tuple[str, str]:
        total = self._equity - self.spec.initial_equity
        unreal = total - self._realized
        pos_value = self._equity * self._position
        return (
            f'{{"type":"equity","strategy_id":"{self.spec.strategy_id}",',
            f'"ts":"{self._ts()}","equity":{self._equity!r},"realized_pnl":{self._realized!r},'
            f'"unrealized_pnl":{unreal!r},"position_value":{pos_value!r}}}',
        )

    def _fill(self) -> tuple[str, str]:
        """Open a position at the market, or close the open one as a win or a loss.

        Fills alternate between opening (random side) and closing the whole position, so
        every second fill is a round trip; it wins with the strategy's trade win rate
        (lower while decaying or broken): the market price moves to a level a few tenths
        of a percent beyond the entry, by more than the slippage and fee. Slippage is
        |N| around the declared bps against `expected_price` (the market price).
        """
        spec, rng = self.spec, self._rng
        if self._open_qty == 0.0:
            side = "buy" if rng.random() < 0.5 else "sell"
            qty = float(max(1, int(rng.exponential(10.0))))
        else:
            side = "sell" if self._open_qty > 0 else "buy"
            qty = abs(self._open_qty)
            win = rng.random() < spec.win_rate - self._win_shift
            move = 0.003 + float(rng.exponential(0.004))
            up = win == (self._open_qty > 0)
            self._price = self._entry * (1.0 + move if up else 1.0 - move)
        slip = abs(float(rng.normal(0.0, spec.slippage_bps * math.sqrt(math.pi / 2.0))))
        sign = 1.0 if side == "buy" else -1.0
        price = round(self._price * (1.0 + sign * slip / 1e4), 6)
        if self._open_qty == 0.0:
            self._open_qty, self._entry = sign * qty, price
        else:
            self._open_qty = 0.0
        fee = round(qty * price * 0.5e-4, 6)
        total = self._equity - spec.initial_equity
        self._realized += 0.5 * (total - self._realized) - fee
        self._position = max(0.2, min(3.0, self._position + sign * 0.05))
        self._order += 1
        return (
            f'{{"type":"fill","strategy_id":"{spec.strategy_id}",',
            f'"ts":"{self._ts()}","order_id":"{spec.strategy_id}-{self._order}",'
            f'"symbol":"{spec.symbol}","side":"{side}","qty":{qty!r},"price":{price!r},'
            f'"fee":{fee!r},"expected_price":{round(self._price, 6)!r}}}',
        )

    def _status(self, status: str, reason: str) -> tuple[str, str]:
        return (
            f'{{"type":"status","strategy_id":"{self.spec.strategy_id}",',
            f'"ts":"{self._ts()}","status":"{status}","reason":{orjson.dumps(reason).decode()}}}',
        )
