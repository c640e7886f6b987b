"""Build the PyInstaller bundle and prove it starts: `python packaging/build_bundle.py`.

1. `pyinstaller packaging/perfdesk.spec` into build/dist/perfdesk (timed);
2. runs the bundled `perfdesk demo` offscreen (embedded PostgreSQL from the bundle +
   built-in simulator) with `--screenshot`, in a throwaway data/config directory;
3. checks the screenshot is a real window picture.
Prints one JSON object on its last line: build_s, smoke_s, bundle_mb, screenshot.
`--skip-build` reuses an existing bundle. Needs `pip install -e ".[bundle]"`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "build" / "dist"
BUNDLE = DIST / "perfdesk"


def build() -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
         str(ROOT / "packaging" / "perfdesk.spec")],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return time.monotonic() - started


def smoke(screenshot: Path, after_s: float, timeout_s: float) -> float:
    """Run the bundled demo offscreen until it has written its screenshot."""
    home = Path(tempfile.mkdtemp(prefix="perfdesk-bundle-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_RUNTIME_DIR=str(home / "run"))  # fmt: skip
    (home / "run").mkdir(mode=0o700)
    for var in ("PERFDESK_DSN", "PERFDESK_ENGINE_URL", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(var, None)
    started = time.monotonic()
    try:
        cmd = [str(BUNDLE / "perfdesk"), "demo", "--screenshot", str(screenshot),
               "--after", str(after_s)]  # fmt: skip
        subprocess.run(cmd, env=env, cwd=home, check=True, timeout=timeout_s)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return time.monotonic() - started


def check_png(path: Path) -> None:
    data = path.read_bytes() if path.exists() else b""
    if not data.startswith(b"\x89PNG") or len(data) < 20_000:
        raise SystemExit(f"the bundle did not write a window screenshot to {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--screenshot", type=Path, default=ROOT / "build" / "bundle-demo.png")
    parser.add_argument("--after", type=float, default=12.0)
    parser.add_argument("--timeout", type=float, default=240.0)
    args = parser.parse_args(argv)
    build_s = 0.0 if args.skip_build else build()
    args.screenshot.unlink(missing_ok=True)
    smoke_s = smoke(args.screenshot, args.after, args.timeout)
    check_png(args.screenshot)
    size = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file()) / 1e6
    result = {"build_s": round(build_s, 1), "smoke_s": round(smoke_s, 1),
              "bundle_mb": round(size, 1), "screenshot": str(args.screenshot)}  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
