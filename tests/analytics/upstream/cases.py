"""Read `empyrical_cases.json` (written by make_empyrical_cases.py) back into numpy data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

CASES_FILE = Path(__file__).with_name("empyrical_cases.json")
_SPECIAL = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


@dataclass(frozen=True)
class Series:
    """One upstream input: values and (when upstream indexed it by date) its dates."""

    name: str
    values: np.ndarray
    dates: np.ndarray | None


@cache
def data() -> dict[str, Any]:
    return dict(json.loads(CASES_FILE.read_text()))


@cache
def _draws() -> tuple[np.ndarray, ...]:
    spec = data()["rng_draws"]
    rs = np.random.RandomState(spec["seed"])
    return tuple(np.asarray(getattr(rs, kind)(*args), float) for kind, args in spec["draws"])


def _dates(spec: Any, n: int) -> np.ndarray | None:
    if spec is None:
        return None
    if isinstance(spec, dict):
        start = np.datetime64(spec["from"], "D")
        return start + np.arange(n) * np.timedelta64(spec["every_days"], "D")
    return np.asarray(spec, dtype="datetime64[D]")


def _values(rec: dict[str, Any]) -> np.ndarray:
    n = rec["n"]
    if "values" in rec:
        return np.asarray([number(v) for v in rec["values"]], dtype=float)
    if "fill" in rec:
        return np.full(n, number(rec["fill"]))
    if "linspace" in rec:
        return np.linspace(*(number(v) for v in rec["linspace"]), num=n)
    out = _draws()[rec["rng_draw"]] * rec["scale"]
    out[rec["nan_at"]] = np.nan
    return out


@cache
def series(name: str) -> Series:
    rec = data()["series"][name]
    return Series(name, _values(rec), _dates(rec["dates"], rec["n"]))


def number(v: Any) -> float:
    return float(_SPECIAL[v]) if isinstance(v, str) else float(v)


def value(arg: Any) -> Any:
    """An argument as the test needs it: Series, dict of columns, float, list or str."""
    if isinstance(arg, dict):
        if "expr" in arg:
            return value(arg["value"])
        if "series" in arg:
            return series(arg["series"])
        if "frame" in arg:
            return {k: value(v) for k, v in arg["frame"].items()}
        if "by_column" in arg:
            return {k: number(v) for k, v in arg["by_column"].items()}
    if isinstance(arg, list):
        return [value(a) for a in arg]
    if isinstance(arg, str):
        return float(_SPECIAL[arg]) if arg in _SPECIAL else arg
    return arg


def align(a: Series, b: Series) -> tuple[np.ndarray, np.ndarray]:
    """Outer join on dates, as pandas aligns upstream's Series (positions if undated)."""
    if a.dates is None or b.dates is None or np.array_equal(a.dates, b.dates):
        return a.values, b.values
    when = np.union1d(a.dates, b.dates)
    out = []
    for s in (a, b):
        full = np.full(when.size, np.nan)
        full[np.searchsorted(when, s.dates)] = s.values
        out.append(full)
    return out[0], out[1]
