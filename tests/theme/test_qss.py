"""Generated QSS: never stale, never referring to a token that does not exist."""

from __future__ import annotations

import pytest

from perfdesk.theme import generate, qss
from perfdesk.theme.theme import load_theme
from perfdesk.theme.tokens import THEMES, VARIANTS, PnlConvention, TokenError


def test_generated_qss_is_up_to_date() -> None:
    stale = generate.stale_files()
    assert stale == [], f"run `python -m perfdesk.theme.generate`; stale: {stale}"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", THEMES)
def test_every_template_token_exists(name: str, variant: str) -> None:
    theme = load_theme(name, variant, PnlConvention.RED_UP)
    texts = [path.read_text() for path in qss.template_files()]
    unknown = sorted(p for p in qss.referenced_tokens(texts) if not theme.has(p))
    assert unknown == []
    rendered = qss.render_stylesheet(theme)
    assert "{{" not in rendered


def test_unknown_template_token_names_file_and_line() -> None:
    template = "QWidget {\n  color: {{ colors.text.nonexistent }};\n}\n"
    with pytest.raises(TokenError, match=r"qss/x\.qss:2: .*colors\.text\.nonexistent"):
        qss.render_template(template, load_theme(), "qss/x.qss")


def test_alpha_colours_become_rgba_and_composites_need_a_part() -> None:
    theme = load_theme("dark")
    assert qss.qss_value(theme, "colors.semantic.status_subtle.error").startswith("rgba(")
    assert qss.qss_value(theme, "typography.semantic.body.fontSize") == "13px"
    with pytest.raises(TokenError, match="composite"):
        qss.qss_value(theme, "typography.semantic.body")


def test_check_mode_reports_stale_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(generate.paths, "generated_qss", lambda name: tmp_path / f"{name}.qss")
    assert generate.main(["--check"]) == 1
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
