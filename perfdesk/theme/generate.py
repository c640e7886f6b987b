"""Write (or check) the generated style sheets: `python -m perfdesk.theme.generate [--check]`.

resources/tokens.qss is the dark theme (the default), resources/tokens-light.qss the
light one; both use the standard palette and the green-up convention (the other
combinations are rendered at run time from the same templates).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfdesk.theme import paths, qss
from perfdesk.theme.theme import load_theme
from perfdesk.theme.tokens import THEMES


def expected_files() -> dict[str, str]:
    """Generated file path -> the content it must have."""
    return {
        str(paths.generated_qss(name)): qss.render_stylesheet(load_theme(name)) for name in THEMES
    }


def stale_files() -> list[str]:
    """Generated files whose content differs from what the tokens produce now."""
    stale = []
    for path, content in expected_files().items():
        try:
            current: str | None = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != content:
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path} (run python -m perfdesk.theme.generate)", file=sys.stderr)
        return 1 if stale else 0
    for path, content in expected_files().items():
        Path(path).write_text(content, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
