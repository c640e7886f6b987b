"""Extract the regression cases of empyrical-reloaded's own test suite into a data file.

Source: github.com/stefan-jansen/empyrical-reloaded, `tests/test_stats.py` (the
parametrised cases and their expected values) and `tests/conftest.py` (the named input
series). Nothing of upstream's code is copied: this script reads both files, evaluates
each `@pytest.mark.parametrize` table and the fixtures it names, and writes every case as
plain data — the upstream test name and line, the argument names, the input series
(values and dates) and the expected value — to `empyrical_cases.json`, which
`tests/analytics/test_metrics_empyrical_suite.py` replays against perfdesk. The input
series of upstream's property tests (translation, noise) are stored too, for
`test_metrics_empyrical_properties.py`.

Run (needs pandas, as upstream's fixtures do):

    git --git-dir /path/to/empyrical-reloaded.git archive HEAD tests | tar -x -C /tmp/er
    python tests/analytics/upstream/make_empyrical_cases.py /tmp/er --commit <sha>

Long series are stored as recipes instead of 1,000+ numbers when a recipe reproduces them
exactly (checked here): a constant, a linspace, or a draw of upstream's seeded
`RandomState(1337)` sequence (scaled, with NaNs at given positions).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

OUT = Path(__file__).with_name("empyrical_cases.json")
CLASSES = ("TestStats", "Test2DStats")
SHORT = 64
# upstream conftest draws these, in this order, from np.random.RandomState(1337)
RNG_DRAWS = [["normal", [0, 0.001, 1000]], ["uniform", [-0.01, 0.01, 1000]], ["randn", [100000]]]
PERIODS = {"daily": "daily", "weekly": "weekly", "monthly": "monthly"}


def load_fixtures(conftest: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Call upstream's `input_data` / `expected_data` fixtures without pytest."""
    stub = types.ModuleType("pytest")
    stub.fixture = lambda *a, **k: a[0] if a and callable(a[0]) else (lambda f: f)  # type: ignore[attr-defined]
    saved = sys.modules.get("pytest")
    sys.modules["pytest"] = stub
    try:
        ns: dict[str, Any] = {}
        exec(compile(conftest.read_text(), str(conftest), "exec"), ns)
    finally:
        if saved is not None:
            sys.modules["pytest"] = saved
    return ns["input_data"](), ns["expected_data"]()


def rng_draws() -> list[np.ndarray]:
    rs = np.random.RandomState(1337)
    return [np.asarray(getattr(rs, kind)(*args), dtype=np.float64) for kind, args in RNG_DRAWS]


class Encoder:
    """Series → JSON records, each stored once under the upstream expression naming it."""

    def __init__(self) -> None:
        self.series: dict[str, dict[str, Any]] = {}
        self.draws = rng_draws()

    def series_ref(self, name: str, s: pd.Series) -> dict[str, str]:
        if name not in self.series:
            self.series[name] = self._record(s)
        return {"series": name}

    def _record(self, s: pd.Series) -> dict[str, Any]:
        values = s.to_numpy(dtype=np.float64)
        rec: dict[str, Any] = {"n": int(values.size), "dates": self._dates(s)}
        rec.update(self._values(values))
        return rec

    def _dates(self, s: pd.Series) -> Any:
        if not isinstance(s.index, pd.DatetimeIndex):
            return None
        days = [ts.strftime("%Y-%m-%d") for ts in s.index]
        if len(days) > SHORT:
            step = (s.index[1] - s.index[0]).days
            if all((b - a).days == step for a, b in zip(s.index, s.index[1:], strict=False)):
                return {"from": days[0], "every_days": step}
        return days

    def _values(self, v: np.ndarray) -> dict[str, Any]:
        if v.size <= SHORT:
            return {"values": [num(x) for x in v]}
        if np.all(v == v[0]):
            return {"fill": num(v[0])}
        if np.array_equal(v, np.linspace(v[0], v[-1], v.size)):
            return {"linspace": [num(v[0]), num(v[-1])]}
        nan_at = np.flatnonzero(np.isnan(v))
        for k, draw in enumerate(self.draws):
            if draw.size != v.size:
                continue
            ok = ~np.isnan(v)
            scale = float(v[ok][0] / draw[ok][0])
            if np.array_equal(np.where(ok, draw * scale, np.nan), v, equal_nan=True):
                return {"rng_draw": k, "scale": scale, "nan_at": nan_at.tolist()}
        return {"values": [num(x) for x in v]}


def num(x: Any) -> Any:
    """A JSON-safe number: NaN and ±inf as the strings "nan", "inf", "-inf"."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    f = float(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def plain(value: Any, enc: Encoder, name: str) -> Any:
    """A resolved argument as JSON data (series by reference)."""
    if isinstance(value, pd.DataFrame):
        return {"frame": {c: plain(value[c], enc, f"{name}[{c}]") for c in value.columns}}
    if isinstance(value, pd.Series):
        if isinstance(value.index, pd.DatetimeIndex) or value.index.dtype.kind in "iu":
            return enc.series_ref(name, value)
        return {"by_column": {str(k): num(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v, enc, f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, np.floating, np.integer)):
        return num(value)
    raise TypeError(f"cannot store {name!r} of type {type(value).__name__}")


def parametrize_of(fn: ast.FunctionDef) -> ast.Call | None:
    for d in fn.decorator_list:
        if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "parametrize":
            return d
    return None


def decimal_of(fn: ast.FunctionDef) -> Any:
    """The precision of the test's first `assert_almost_equal` (numpy's default 7)."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "assert_almost_equal":
            if len(node.args) < 3:
                return 7
            arg = node.args[2]
            if isinstance(arg, ast.Constant):
                return arg.value
            if isinstance(arg, ast.Name):
                return 8 if arg.id == "DECIMAL_PLACES" else {"arg": arg.id}
    return None


def indirect_names(call: ast.Call, names: list[str]) -> set[str]:
    for kw in call.keywords:
        if kw.arg == "indirect":
            value = ast.literal_eval(kw.value)
            return set(names) if value is True else set(value)
    return set()


def resolve(fixture: str, expr: str, inputs: dict[str, Any], expected: dict[str, Any]) -> Any:
    """What upstream's indirect fixture hands the test for `expr`."""
    if fixture == "expected":
        return expected[expr] if expr in expected else eval(expr, {"np": np})
    return inputs[expr] if expr in inputs else eval(expr, dict(inputs))


def cases_of(
    fn: ast.FunctionDef, source: str, inputs: dict[str, Any], expected: dict[str, Any],
    enc: Encoder,
) -> list[dict[str, Any]]:  # fmt: skip
    call = parametrize_of(fn)
    if call is None:
        return []
    names = [n.strip() for n in ast.literal_eval(call.args[0]).split(",")]
    indirect = indirect_names(call, names)
    import empyrical

    table = eval(
        ast.get_source_segment(source, call.args[1]) or "",
        {"np": np, "pd": pd, "DECIMAL_PLACES": 8, "empyrical": empyrical},
    )
    if len(names) == 1:  # pytest takes bare values for a single argument
        table = [(row,) for row in table]
    if "expected" not in names:  # a property test: keep its input series, no case
        for row in table:
            for name, raw in zip(names, row, strict=True):
                if name in indirect and isinstance(raw, str):
                    plain(resolve(name, raw, inputs, expected), enc, raw)
        return []
    out = []
    for row in table:
        args: dict[str, Any] = {}
        for name, raw in zip(names, row, strict=True):
            value = resolve(name, raw, inputs, expected) if name in indirect else raw
            key = raw if name in indirect and isinstance(raw, str) else name
            args[name] = (
                {"expr": raw, "value": plain(value, enc, key)}
                if name in indirect
                else plain(value, enc, name)
            )
        out.append(
            {
                "test": fn.name,
                "line": fn.lineno,
                "decimal": decimal_of(fn),
                "id": case_id(row),
                "args": args,
            }
        )
    return out


def case_id(row: tuple[Any, ...]) -> str:
    """pytest-like id: strings and numbers as written, anything else as its type."""
    parts = [str(r) if isinstance(r, (str, int, float)) else type(r).__name__ for r in row]
    return "-".join(parts)


def inline_cases(fn: ast.FunctionDef) -> list[dict[str, Any]]:
    """`assert_almost_equal(f(returns, cutoff=c), v)` lines with a literal `returns`."""
    out: list[dict[str, Any]] = []
    returns: Any = None
    for stmt in fn.body:  # in order: each assert uses the latest literal `returns`
        if isinstance(stmt, ast.Assign) and getattr(stmt.targets[0], "id", "") == "returns":
            try:
                returns = ast.literal_eval(stmt.value)
            except ValueError:
                returns = None
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        is_assert = (
            isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "assert_almost_equal"
        )
        if is_assert and returns is not None and isinstance(call.args[0], ast.Call):
            cutoff = ast.literal_eval(call.args[0].keywords[0].value)
            out.append(
                {
                    "test": fn.name,
                    "line": stmt.lineno,
                    "decimal": 7,
                    "id": f"{returns}-{cutoff}",
                    "args": {
                        "returns": [float(x) for x in returns],
                        "cutoff": cutoff,
                        "expected": ast.literal_eval(call.args[1]),
                    },
                }
            )
    return out


def build(upstream: Path, commit: str) -> dict[str, Any]:
    source = (upstream / "tests" / "test_stats.py").read_text()
    inputs, expected = load_fixtures(upstream / "tests" / "conftest.py")
    enc = Encoder()
    cases: list[dict[str, Any]] = []
    for cls in ast.parse(source).body:
        if not (isinstance(cls, ast.ClassDef) and cls.name in CLASSES):
            continue
        for fn in cls.body:
            if isinstance(fn, ast.FunctionDef) and fn.name.startswith("test_"):
                found = cases_of(fn, source, inputs, expected, enc)
                found = found or (inline_cases(fn) if parametrize_of(fn) is None else [])
                cases += [c | {"class": cls.name} for c in found]
    return {
        "source": {"repository": "github.com/stefan-jansen/empyrical-reloaded",
                   "commit": commit, "files": ["tests/test_stats.py", "tests/conftest.py"],
                   "generator": "tests/analytics/upstream/make_empyrical_cases.py"},
        "rng_draws": {"seed": 1337, "draws": RNG_DRAWS},
        "series": enc.series,
        "cases": cases,
    }  # fmt: skip


def dump(data: dict[str, Any]) -> str:
    """JSON with one series / one case per line (small, and diffs read case by case)."""

    def block(items: Any) -> str:
        rows = [json.dumps(i, allow_nan=False) for i in items]
        return "[\n  " + ",\n  ".join(rows) + "\n ]"

    series = ",\n  ".join(
        f"{json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in data["series"].items()
    )
    return (
        "{\n"
        f' "source": {json.dumps(data["source"])},\n'
        f' "rng_draws": {json.dumps(data["rng_draws"])},\n'
        f' "series": {{\n  {series}\n }},\n'
        f' "cases": {block(data["cases"])}\n'
        "}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", type=Path, help="a checkout holding tests/test_stats.py")
    parser.add_argument("--commit", default="unknown", help="the upstream commit, recorded")
    args = parser.parse_args()
    data = build(args.upstream, args.commit)
    OUT.write_text(dump(data))
    print(f"{len(data['cases'])} cases, {len(data['series'])} series -> {OUT}")


if __name__ == "__main__":
    main()
