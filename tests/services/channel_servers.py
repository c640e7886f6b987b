"""Real servers on loopback for the channel tests: HTTP (webhook, Alertmanager, Apprise's
json:// and form://), Alertmanager's v2 payload check, and SMTP (aiosmtpd)."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from perfdesk.domain.alerts import AlertSettings
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.manager import AlertManager


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    raw: bytes
    at: float = field(default_factory=time.perf_counter)
    """When the first byte of the request had arrived (perf_counter)."""

    def json(self) -> object:
        return json.loads(self.raw)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.raw.decode()))


class HttpTarget:
    """Answers each POST with the next status of `plan` (then 200), after `delay_s`."""

    def __init__(self, plan: list[int] | None = None, delay_s: float = 0.0) -> None:
        self.plan, self.delay_s = list(plan or []), delay_s
        self.requests: list[Request] = []
        self.release = threading.Event()
        self.arrived = threading.Condition()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                first = time.perf_counter()
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with target.arrived:
                    target.requests.append(Request(self.path, dict(self.headers), raw, first))
                    target.arrived.notify_all()
                if target.delay_s:
                    target.release.wait(target.delay_s)
                refused = target.refuse(self.path, raw)
                status = target.plan.pop(0) if target.plan else 200
                answer = b"busy" if status != 200 else b""
                if refused is not None:
                    status, answer = refused[0], refused[1].encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass  # tests assert on `requests`

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def refuse(self, path: str, raw: bytes) -> tuple[int, str] | None:
        """A (status, text) answer for a request this server rejects; None: accept."""
        return None

    def url(self, path: str = "/hook?token=s3cr3t-T0KEN") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, n: int, timeout_s: float = 10.0) -> list[Request]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= n, timeout_s)
        return list(self.requests)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# --- Alertmanager's v2 API: postableAlerts, checked as its OpenAPI spec says -----------
# api/v2/openapi.yaml: postableAlerts = array of postableAlert; postableAlert = alert
# (labels: labelSet, required; generatorURL: string, format uri) + startsAt, endsAt
# (string, format date-time) + annotations (labelSet); labelSet = object whose values are
# strings. Alertmanager also refuses an empty label set, label names outside
# [a-zA-Z_][a-zA-Z0-9_]*, and endsAt before startsAt (types.Alert.Validate).

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_POSTABLE_KEYS = {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}


def _date_time(value: object, where: str, errors: list[str]) -> datetime | None:
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        errors.append(f"{where}: not an RFC 3339 date-time: {value!r}")
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _label_set(value: object, where: str, errors: list[str], *, names: bool) -> None:
    if not isinstance(value, dict):
        errors.append(f"{where}: must be an object")
        return
    for key, item in value.items():
        if not isinstance(item, str):
            errors.append(f"{where}.{key}: value must be a string, got {type(item).__name__}")
        if names and not _LABEL_NAME.match(key):
            errors.append(f"{where}: invalid label name {key!r}")


def postable_alerts_errors(body: object) -> list[str]:
    """Why `body` is not a valid postableAlerts (empty list: valid)."""
    if not isinstance(body, list):
        return ["body: must be an array of postableAlert"]
    errors: list[str] = []
    for i, alert in enumerate(body):
        where = f"[{i}]"
        if not isinstance(alert, dict):
            errors.append(f"{where}: must be an object")
            continue
        errors += [f"{where}: unknown property {k!r}" for k in set(alert) - _POSTABLE_KEYS]
        if "labels" not in alert:
            errors.append(f"{where}.labels: required")
        else:
            _label_set(alert["labels"], f"{where}.labels", errors, names=True)
            if not alert["labels"]:
                errors.append(f"{where}.labels: at least one label")
        if "annotations" in alert:
            _label_set(alert["annotations"], f"{where}.annotations", errors, names=False)
        starts = (
            _date_time(alert["startsAt"], f"{where}.startsAt", errors)
            if "startsAt" in alert
            else None
        )
        ends = _date_time(alert["endsAt"], f"{where}.endsAt", errors) if "endsAt" in alert else None
        if starts and ends and ends < starts:
            errors.append(f"{where}: endsAt before startsAt")
        url = alert.get("generatorURL")
        if url is not None and not (
            isinstance(url, str) and re.match(r"^[a-z][a-z0-9+.-]*://", url)
        ):
            errors.append(f"{where}.generatorURL: not a URI: {url!r}")
    return errors


class AlertmanagerTarget(HttpTarget):
    """A loopback Alertmanager: 400 with the reasons for an invalid body, as it does."""

    def __init__(self) -> None:
        self.invalid: list[list[str]] = []
        super().__init__()

    def refuse(self, path: str, raw: bytes) -> tuple[int, str] | None:
        if path != "/api/v2/alerts":
            return 404, "not found"
        errors = postable_alerts_errors(json.loads(raw))
        if errors:
            self.invalid.append(errors)
            return 400, "; ".join(errors)
        return None

    def alerts(self) -> list[dict]:
        found: list[dict] = []
        for request in self.requests:
            body = request.json()
            assert isinstance(body, list)
            found += body
        return found


# --- alert input ------------------------------------------------------------------------


def manager() -> AlertManager:
    return AlertManager(AlertSettings(for_critical_s=0, for_warning_s=0, keep_firing_s=0))


def verdict(sid: str, status: Status, ts: datetime, value: float = 0.124) -> Verdict:
    result = RuleResult(
        rule="drawdown",
        status=status,
        message=f"max drawdown {value:.1%}" if status is not Status.OK else "drawdown ok",
        value=value,
        limit=0.10,
        unit="fraction",
        evidence={"peak": 1.25e6, "trough": 1.1e6},
    )
    return Verdict(strategy_id=sid, ts=ts, rules=(result,))
