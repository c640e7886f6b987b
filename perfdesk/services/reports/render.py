"""Renderers: format name -> function that writes a built report to files.

The scheduler and the export take a mapping {"pdf": ..., "html": ..., "csv": ...}, so
the service stays Qt-free: the desktop app injects the Qt PDF renderer
(perfdesk.views.reports.report_pdf, run in a worker thread), while `perfdesk collect` (no Qt
allowed in its process) injects `PdfSubprocess`, which runs `perfdesk report --format
pdf` in a child process against the same database. HTML and CSV are pure Python here.

A renderer takes a RenderJob and returns the paths it wrote. A plain function is run
in the default executor (it may take seconds); a coroutine function is awaited.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from perfdesk.reports.csv_writer import write_csv
from perfdesk.reports.html_render import render_html
from perfdesk.reports.model import Report
from perfdesk.reports.paths import resolve_output, write_text
from perfdesk.services.reports.builder import ReportRequest

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RenderJob:
    """One report to write: into `folder`, files named `<stem>.<ext>` (CSV: `<stem>-*.csv`)."""

    report: Report
    request: ReportRequest
    folder: Path
    stem: str
    overwrite: bool = False
    progress: Progress | None = None

    def target(self, ext: str) -> Path:
        """The checked output path (inside `folder`; not existing unless `overwrite`)."""
        return resolve_output(self.folder, f"{self.stem}.{ext}", overwrite=self.overwrite)


Renderer = Callable[[RenderJob], "list[Path] | Awaitable[list[Path]]"]


class RenderError(RuntimeError):
    """A renderer failed; the message says which format and why."""


def html_renderer(job: RenderJob) -> list[Path]:
    return [write_text(job.target("html"), render_html(job.report), overwrite=job.overwrite)]


def csv_renderer(job: RenderJob) -> list[Path]:
    return write_csv(job.report, job.folder, job.stem, overwrite=job.overwrite)


class PdfSubprocess:
    """PDF through `perfdesk report` in a child process (for processes without Qt).

    The DSN goes to the child in $PERFDESK_DSN, never on its command line (visible in
    `ps`). The child rebuilds the report from the database: the same request gives the
    same report.
    """

    def __init__(self, dsn: str, *, python: str = sys.executable, timeout_s: float = 600.0) -> None:
        self._dsn, self._python, self._timeout_s = dsn, python, timeout_s

    def command(self, job: RenderJob, out: Path) -> list[str]:
        req = job.request
        args = [self._python, "-m", "perfdesk.cli", "report", "--format", "pdf",
                "--to", req.end.isoformat(), "--out", str(out)]  # fmt: skip
        if req.start is not None:
            args += ["--from", req.start.isoformat()]
        for sid in req.strategies:
            args += ["--strategy", sid]
        if req.title:
            args += ["--title", req.title]
        return args

    async def __call__(self, job: RenderJob) -> list[Path]:
        out = job.target("pdf")
        env = {**os.environ, "PERFDESK_DSN": self._dsn, "QT_QPA_PLATFORM": "offscreen"}
        proc = await asyncio.create_subprocess_exec(
            *self.command(job, out), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            _, err = await asyncio.wait_for(proc.communicate(), self._timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise RenderError(f"pdf: `perfdesk report` took over {self._timeout_s:.0f} s") from None
        if proc.returncode != 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise RenderError(
                f"pdf: `perfdesk report` exited {proc.returncode}: {' | '.join(tail)}"
            )
        return [out]


def headless_renderers(dsn: str) -> dict[str, Renderer]:
    """The renderers for a process without Qt (`perfdesk collect`)."""
    return {"html": html_renderer, "csv": csv_renderer, "pdf": PdfSubprocess(dsn)}


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - callable objects with async __call__
    )


async def render(job: RenderJob, formats: tuple[str, ...],
                 renderers: Mapping[str, Renderer]) -> list[Path]:  # fmt: skip
    """Every format in turn; RenderError names a format without a renderer."""
    missing = [f for f in formats if f not in renderers]
    if missing:
        raise RenderError(f"no renderer for {', '.join(missing)} in this process")
    loop = asyncio.get_running_loop()
    paths: list[Path] = []
    for i, fmt in enumerate(formats):
        if job.progress is not None:
            job.progress(0.8 + 0.2 * i / len(formats), f"writing {fmt.upper()}")
        renderer = renderers[fmt]
        if _is_async(renderer):
            paths += await cast(Awaitable[list[Path]], renderer(job))
        else:
            paths += cast(list[Path], await loop.run_in_executor(None, renderer, job))
    return paths
