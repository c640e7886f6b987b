"""`perfdesk report`: write a validation report (PDF, HTML or CSV) from the database, offline.

Works against the embedded database (the default; stop the desktop app first, it holds
the embedded server) or any PostgreSQL with --dsn / $PERFDESK_DSN. PDF needs Qt (run
offscreen when there is no display); HTML and CSV do not import Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from datetime import UTC, date, datetime
from pathlib import Path

log = logging.getLogger(__name__)
FORMATS = ("pdf", "html", "csv")


def _when(text: str) -> datetime:
    """An ISO date (00:00 UTC) or date-time (naive = UTC)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or date-time") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from perfdesk.commands._common import add_connection_arguments

    add_connection_arguments(parser)
    parser.add_argument(
        "--strategy",
        action="append",
        default=[],
        metavar="ID",
        help="strategy to report on (repeat for a desk report; default: all)",
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=_when,
        metavar="DATE",
        help="period start, ISO date/time, UTC (default: one month before --to)",
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=_when,
        metavar="DATE",
        help="period end, exclusive (default: tomorrow 00:00 UTC, today included)",
    )
    parser.add_argument("--format", choices=FORMATS, default="pdf", help="output format")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="PATH",
        help="output file (CSV: one file per table, PATH's name as prefix)",
    )
    parser.add_argument("--title", default=None, help="report title (default: derived)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")


def run(args: argparse.Namespace) -> int:
    from perfdesk.reports.paths import OutputPathError

    try:
        files = asyncio.run(_report(args))
    except (OutputPathError, LookupError, ValueError) as exc:
        log.error("%s", exc)
        return 2
    for path in files:
        print(path)
    return 0


async def _report(args: argparse.Namespace) -> list[Path]:
    from perfdesk.services.host.bootstrap import APP_DATABASE, ensure_database
    from perfdesk.services.reports.builder import ReportRequest, default_end, period_for
    from perfdesk.services.store.embedded_db import EmbeddedPostgres
    from perfdesk.services.store.store import Store

    end = args.end or default_end(datetime.now(UTC))
    start = args.start or period_for("1M", end)[0]
    if start is not None and start >= end:
        raise ValueError(f"--from {start.isoformat()} is not before --to {end.isoformat()}")
    request = ReportRequest(tuple(args.strategy), start, end, args.title, (args.format,))
    embedded = None
    dsn = args.dsn
    if dsn is None:
        from perfdesk.services.host.bootstrap import default_data_dir

        embedded = EmbeddedPostgres(default_data_dir() / "db")
        dsn = await ensure_database(await asyncio.to_thread(embedded.start), APP_DATABASE)
    store = await Store.open(dsn)
    try:
        return await _build_and_write(store, request, args)
    finally:
        await store.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


async def _build_and_write(store: object, request: object, args: argparse.Namespace) -> list[Path]:
    from perfdesk.reports.paths import split_out
    from perfdesk.services.reports.builder import ReportBuilder, ReportRequest
    from perfdesk.services.reports.render import RenderJob, csv_renderer, html_renderer
    from perfdesk.services.store.store import Store

    assert isinstance(store, Store) and isinstance(request, ReportRequest)
    report = await ReportBuilder(store).build(request)
    folder, name = split_out(args.out)
    stem = name[: -len(f".{args.format}")] if name.endswith(f".{args.format}") else name
    job = RenderJob(report, request, folder, stem, overwrite=args.overwrite)
    if args.format == "html":
        return html_renderer(job)
    if args.format == "csv":
        return csv_renderer(job)
    return _pdf(job)


def _pdf(job: object) -> list[Path]:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from perfdesk.services.reports.render import RenderJob
    from perfdesk.views.reports.report_pdf import pdf_renderer

    assert isinstance(job, RenderJob)
    app = QGuiApplication.instance() or QGuiApplication([])
    try:
        return pdf_renderer(job)
    finally:
        del app
