"""The publisher's journal: an append-only file of the frames it published, one JSON
object a line, so a restarted engine continues its seqs and still serves a resume.

A crash may leave a torn last line: it is skipped with a warning when the journal is
read (it was never sent complete, so no client can have it)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False) -> None:
        """`fsync=True` forces every frame to disk before it is served (slower; without
        it a frame is in the OS's cache when served and survives an engine crash, not a
        power cut)."""
        self.path = Path(path)
        self._fsync = fsync
        self._file: TextIO | None = None

    def read(self) -> Iterator[dict[str, Any]]:
        """The frames already in the journal, in the order they were written."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    doc = json.loads(line)
                except ValueError:
                    log.warning("%s:%d: a torn or broken line, skipped", self.path, number)
                    continue
                if isinstance(doc, dict):
                    yield doc

    def append(self, frame: str) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(frame + "\n")
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
