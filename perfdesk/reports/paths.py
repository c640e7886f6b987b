"""Safe output paths: reports are written only inside the chosen folder, never over an
existing file unless the caller explicitly allows it.

A report name comes from user input (a strategy id, a schedule name) and must not be able
to escape the folder ("../", absolute paths, symlinks pointing out of it).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class OutputPathError(ValueError):
    """The output path is outside the chosen folder, exists already, or is unusable."""


def safe_name(text: str, *, fallback: str = "report") -> str:
    """A file-name-safe stem: letters, digits, '.', '_' and '-' only, no leading dots."""
    stem = _UNSAFE.sub("-", text).strip("-.")
    return stem[:120] or fallback


def resolve_output(folder: Path, name: str, *, overwrite: bool = False) -> Path:
    """`folder / name`, checked: inside `folder` after resolving links, and not existing
    (unless `overwrite`). Creates `folder` if needed. Raises OutputPathError."""
    base = Path(folder).expanduser()
    if base.exists() and not base.is_dir():
        raise OutputPathError(f"{base} is not a folder")
    base.mkdir(parents=True, exist_ok=True)
    root = base.resolve()
    if Path(name).is_absolute() or Path(name).name != name or name in ("", ".", ".."):
        raise OutputPathError(f"{name!r}: a report file name may not contain a folder")
    target = (root / name).resolve()
    if target.parent != root:
        raise OutputPathError(f"{name!r} resolves outside the chosen folder {root}")
    if target.exists() and not overwrite:
        raise OutputPathError(f"{target} exists already; choose another name or allow overwrite")
    return target


def split_out(path: Path) -> tuple[Path, str]:
    """(folder, file name) of a user-given output path like ~/reports/desk.pdf."""
    p = Path(path).expanduser()
    return p.parent if str(p.parent) else Path("."), p.name


def write_text(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a report.

    Without `overwrite` the final link is made with os.link, which fails if another
    writer created the file in the meantime (no silent overwrite, even racing).
    """
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def write_bytes(path: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """See `write_text`. The temp file is created exclusively with an unpredictable name
    (mkstemp: O_CREAT | O_EXCL, never through a planted symlink) in the target folder,
    with the permissions a plain new file would get."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError as exc:
                raise OutputPathError(f"{path} exists already") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, racing threads)."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:  # no /proc (not Linux): the usual umask, so files get 0644
        return 0o022
    for line in lines:
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    return 0o022
