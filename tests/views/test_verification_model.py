"""Verification model: consistent for qtmodeltester, rows updated in place, rule columns."""

from __future__ import annotations

from PySide6.QtCore import Qt
from views_factories import make_snapshot

from perfdesk.domain.status import Status
from perfdesk.views.components.data_table import BADGE_ROLE, SORT_ROLE
from perfdesk.views.verification.verification_model import RULES_AT, VerificationModel
from perfdesk.views.verification.verification_view import STATUS_FILTERS, VerificationView


def test_model_passes_qtmodeltester_through_updates(qtmodeltester) -> None:
    model = VerificationModel()
    model.show_snapshots({"a": make_snapshot("a"), "b": make_snapshot("b", status=Status.WARNING)})
    qtmodeltester.check(model, force_py=True)
    model.show_snapshots(
        {"a": make_snapshot("a", version=2, status=Status.CRITICAL), "c": make_snapshot("c")}
    )
    qtmodeltester.check(model, force_py=True)


def test_rows_update_in_place_without_reinsertion(qtbot) -> None:
    model = VerificationModel()
    model.show_snapshots({"a": make_snapshot("a"), "b": make_snapshot("b")})
    inserted: list[tuple[int, int]] = []
    changed: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))
    model.show_snapshots(
        {
            "a": make_snapshot("a"),
            "b": make_snapshot("b", version=2, status=Status.CRITICAL, pnl=-5.0),
        }
    )
    assert inserted == []
    assert changed == [1]
    assert model.row_at(1).status is Status.CRITICAL


def test_a_badge_column_per_rule_and_numbers_sort_as_numbers() -> None:
    model = VerificationModel()
    model.show_snapshots({"a": make_snapshot("a", status=Status.CRITICAL, pnl=-1500.0)})
    assert model.rules == ["drawdown", "stale"]
    col = RULES_AT
    assert model.headerData(col, Qt.Orientation.Horizontal) == "DRAWDOWN"
    cell = model.index(0, col)
    assert cell.data() == "CRITICAL"
    assert cell.data(BADGE_ROLE) == Status.CRITICAL
    pnl = model.index(0, model.column_of("pnl"))
    assert pnl.data() == "\u22121,500.00"
    assert pnl.data(SORT_ROLE) == -1500.0


def test_view_filters_by_text_and_status_and_sorts_worst_first(qtbot) -> None:
    view = VerificationView()
    qtbot.addWidget(view)
    view.show_snapshots(
        {
            "a": make_snapshot("a"),
            "b": make_snapshot("b", status=Status.CRITICAL),
            "c": make_snapshot("c", status=Status.WARNING),
        }
    )
    assert [view.table.key_at(r) for r in range(3)] == ["b", "c", "a"]
    view.status_combo.setCurrentText("Needs attention")
    assert view.proxy.statuses == STATUS_FILTERS["Needs attention"]
    assert view.proxy.rowCount() == 2
    view.status_combo.setCurrentText("All statuses")
    qtbot.keyClicks(view.filter_edit, "Strategy c")
    assert view.proxy.rowCount() == 1 and view.table.key_at(0) == "c"


def test_detail_pane_shows_each_rules_evidence_and_history(qtbot) -> None:
    view = VerificationView()
    qtbot.addWidget(view)
    view.show()
    view.show_snapshots({"a": make_snapshot("a", status=Status.WARNING)})
    assert view.select_strategy("a")
    detail = view.detail
    assert detail.title.text() == "Strategy a"
    rules = {detail.evidence.row_at(i).rule for i in range(detail.evidence.rowCount())}
    assert rules == {"drawdown", "stale"}
    row = detail.evidence.row_of("drawdown")
    assert detail.evidence.index(row, 2).data() == "5.00%"
    view.show_snapshots({"a": make_snapshot("a", version=2, status=Status.CRITICAL)})
    assert [e.status for e in view.history.entries("a")] == [Status.WARNING, Status.CRITICAL]
    assert detail.history_model.rowCount() == 2


def test_hidden_table_catches_up_when_shown_but_history_is_complete(qtbot) -> None:
    view = VerificationView()
    qtbot.addWidget(view)
    view.show_snapshots({"a": make_snapshot("a")})
    view.hide()
    view.show_snapshots({"a": make_snapshot("a", version=2, status=Status.WARNING)})
    view.show_snapshots({"a": make_snapshot("a", version=3, status=Status.CRITICAL)})
    assert view.model.row_for("a").status is Status.OK  # no table work while hidden
    assert [e.status for e in view.history.entries("a")] == [
        Status.OK,
        Status.WARNING,
        Status.CRITICAL,
    ]
    view.show()
    assert view.model.row_for("a").status is Status.CRITICAL


def test_titles_tooltips_and_statistics_come_from_the_rule_registry() -> None:
    from perfdesk.analytics.rules import registry
    from perfdesk.domain.verdict import RuleResult
    from perfdesk.views.verification.verification_detail import statistic_of

    model = VerificationModel()
    model.show_snapshots({"a": make_snapshot("a", status=Status.CRITICAL)})
    tip = model.headerData(RULES_AT, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert registry.rule_explanation("drawdown") in tip
    result = RuleResult(
        rule="distribution",
        status=Status.WARNING,
        message="m",
        evidence={"statistic": 0.25, "p_value": 0.002, "n_days": 40},
    )
    labels = [s.label for s in registry.rule_statistics("distribution")]
    assert statistic_of(result) == f"{labels[0]} = 0.25, {labels[1]} = 0.002"
