"""Channel secrets are masked in log lines and messages, whatever part of the URL holds
them; the words of a message show values in their rule's unit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from perfdesk.domain.verdict import RuleResult
from perfdesk.services.alerts.channels import redact
from perfdesk.services.alerts.channels.message import show_number, value_vs_limit


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("tgram://123456789:AAEhBOweik9ai2o/987654321", "123456789:AAEhBOweik9ai2o"),
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX"),
        ("mailto://trader:pa55-w0rd@smtp.example.com?to=a@example.com", "pa55-w0rd"),
        ("http://127.0.0.1:9093/hook?token=abcdef123", "abcdef123"),
        ("ntfy://user:topic-pass-77@ntfy.sh/alerts", "topic-pass-77"),
    ],
)
def test_secret_parts_are_masked(url: str, secret: str) -> None:
    redact.register(url)
    line = f"POST {url} failed; token {secret} refused"
    masked = redact.redact(line)
    assert secret not in masked and url not in masked
    assert "POST" in masked and "refused" in masked


def test_plain_hosts_stay_readable() -> None:
    redact.register("https://hooks.example.com/x/very-secret-path")
    assert redact.redact("cannot reach hooks.example.com") == "cannot reach hooks.example.com"


def test_the_log_filter_masks_formatted_arguments(caplog: pytest.LogCaptureFixture) -> None:
    redact.install()
    redact.register("json://127.0.0.1/hook/Token-9f8e7d6c")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("apprise").debug("Loaded URL: %s", "json://127.0.0.1/hook/Token-9f8e7d6c")
    assert "Token-9f8e7d6c" not in caplog.text and "Loaded URL: ***" in caplog.text


def test_values_are_shown_in_their_unit() -> None:
    def result(value: float, limit: float | None, unit: str) -> RuleResult:
        return RuleResult(rule="r", status="warning", message="m", value=value, limit=limit,
                          unit=unit, since=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip

    assert value_vs_limit(result(0.1234, 0.1, "fraction")) == "12.34% vs limit 10.00%"
    assert value_vs_limit(result(42.0, 10.0, "s")) == "42 s vs limit 10 s"
    assert value_vs_limit(result(3.25, None, "bps")) == "3.25 bps"
    assert value_vs_limit(None) is None
    assert show_number(1.23456, "sharpe") == "1.235"
