"""`perfdesk bench`: the names it offers and what `--minutes` accepts."""

from __future__ import annotations

import pytest

from perfdesk.cli import main
from perfdesk.commands.bench import _names


def test_offers_the_benchmarks_not_their_private_helpers() -> None:
    names = _names()
    assert {"soak", "chaos", "storage", "ingest", "history"} <= set(names)
    assert not [name for name in names if name.startswith("_")]


def test_minutes_is_refused_for_a_benchmark_that_is_not_timed(capsys) -> None:
    assert main(["bench", "smoke", "--minutes", "5"]) == 2
    assert "smoke has no --minutes" in capsys.readouterr().err


@pytest.mark.parametrize("minutes", ["0", "-3", "nan"])
def test_minutes_must_be_positive(minutes: str, capsys) -> None:
    assert main(["bench", "soak", "--minutes", minutes]) == 2
    assert "--minutes must be positive" in capsys.readouterr().err
